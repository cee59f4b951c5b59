import { generateMazeInto, generateMazeSet, MazeSet, resolveTaskOptions, trainingLayouts, type TaskOptions, type TrainingLayouts } from '@prnn/env';
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
  /**
   * Optional: where every training maze of `options` is a copy of one of a few fixed mazes, those mazes and a
   * `draw(rng)` that makes generateInto's draws and returns the index of the maze it would write (undefined
   * otherwise). Trainers then reset their envs on these mazes (see TrainingMazes) with the same results.
   */
  layouts?(options: TaskOptions): TrainingLayouts | undefined;
  /** `count` test mazes, maze i depending only on (seed, i). */
  generateSet(options: TaskOptions, o: { readonly count: number; readonly seed: number }): MazeSet;
}

/** The built-in mazes of docs/spec.md §1 (Track, General, H; `--maze`) as a task source. */
export const mazeTaskSource: TaskSource = {
  id: 'prnn/mazes',
  description: 'the built-in Track, General and H mazes (docs/spec.md §1), chosen with --maze',
  options: (overrides) => resolveTaskOptions(overrides.kind ?? 'track', overrides),
  generateInto: (set, slot, rng) => generateMazeInto(set, slot, rng),
  layouts: (options) => trainingLayouts(options),
  generateSet: (options, o) => generateMazeSet(options, o),
};

/**
 * A population's training mazes, one fresh maze per network and episode from the network's own stream: `draw`
 * fills `set` and writes env n's maze in it to `mazeOfEnv[n]`. Where the task source has layouts for the task
 * (TaskSource.layouts), `set` holds those few mazes and a draw only picks one per env (the same draws, so the
 * same episodes); otherwise `set` has one slot per network, refilled by generateInto. Allocates nothing per draw.
 */
export class TrainingMazes {
  /** The mazes the envs reset on: the task's layouts, or one slot per network. */
  readonly set: MazeSet;
  private readonly layouts: TrainingLayouts | undefined;
  private readonly source: TaskSource;

  constructor(source: TaskSource, task: TaskOptions, networks: number) {
    this.source = source;
    this.layouts = source.layouts?.(task);
    this.set = this.layouts?.set ?? MazeSet.allocate(task, networks);
  }

  /** Whether the envs reset on the task's fixed layouts (no maze is copied per episode). */
  get fixed(): boolean {
    return this.layouts !== undefined;
  }

  /** Network n's fresh maze from `rngs[n]` for every n; env n's maze index in `set` goes to `mazeOfEnv[n]`. */
  draw(rngs: readonly Rng[], mazeOfEnv: Int32Array): void {
    const P = rngs.length;
    const layouts = this.layouts;
    if (layouts !== undefined) {
      for (let n = 0; n < P; n++) mazeOfEnv[n] = layouts.draw(rngs[n]);
      return;
    }
    for (let n = 0; n < P; n++) {
      this.source.generateInto(this.set, n, rngs[n]);
      mazeOfEnv[n] = n;
    }
  }
}
