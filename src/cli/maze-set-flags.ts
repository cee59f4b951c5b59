import { Flags } from '@oclif/core';
import { generateMazeSet, type MazeSet, type TaskOptions } from '@prnn/env';

/**
 * `--count` and `--seed`: which maze set a command looks at. Maze i of the set (seed, count) is the same
 * in every command (render shows maze --index of exactly the set that stats summarises).
 */
export const mazeSetFlags = {
  count: Flags.integer({ description: 'Number of mazes in the set (Track/H sides and leading channels are balanced over it).', default: 1000, min: 1 }),
  seed: Flags.integer({ description: 'Seed of the maze set (default 0); the same seed gives the same mazes.', default: 0, min: 0, max: 0xffffffff }),
};

/** Maze `index` of the set (seed, count), generated alone (a one-maze MazeSet). */
export function generateOneMaze(options: TaskOptions, seed: number, count: number, index: number): MazeSet {
  return generateMazeSet(options, { count: 1, seed, offset: index, total: count });
}
