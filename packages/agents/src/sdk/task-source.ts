import { generateMazeInto, generateMazeSet, resolveTaskOptions, type MazeSet, type TaskOptions } from '@prnn/env';
import type { Rng } from '@prnn/core';

/**
 * Where training and evaluation take their episodes from (a plugin contract, bound to `TYPES.Task`): the
 * built-in mazes implement it (`mazeTaskSource`, chosen with --maze), a plugin task registers its own id
 * (chosen with --task). Mazes stay packed MazeSets, so the batched typed-array hot path is unchanged.
 */
export interface TaskSource {
  /** Registry key and what `--task` and run.json name, e.g. `acme/DistractorTrack-v0`. */
  readonly id: string;
  readonly description: string;
  /** Its maze options: its own defaults with `overrides` (the task flags given) laid over them, validated. */
  options(overrides: Partial<TaskOptions>): TaskOptions;
  /** Fills slot `slot` of `set` with a fresh training maze drawn from `rng` (no allocation: a hot path). */
  generateInto(set: MazeSet, slot: number, rng: Rng): void;
  /** `count` test mazes, maze i depending only on (seed, i). */
  generateSet(options: TaskOptions, o: { readonly count: number; readonly seed: number }): MazeSet;
}

/** The built-in mazes of docs/spec.md §1 (Track, General, H; `--maze`) as a task source. */
export const mazeTaskSource: TaskSource = {
  id: 'prnn/mazes',
  description: 'the built-in Track, General and H mazes (docs/spec.md §1), chosen with --maze',
  options: (overrides) => resolveTaskOptions(overrides.kind ?? 'track', overrides),
  generateInto: (set, slot, rng) => generateMazeInto(set, slot, rng),
  generateSet: (options, o) => generateMazeSet(options, o),
};
