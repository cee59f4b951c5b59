import { PrnnError, describeValue, Rng } from '@prnn/core';
import { generateGeneralMaze } from './general-maze.js';
import { generateHMaze } from './h-maze.js';
import { MazeSet } from './maze-set.js';
import type { TaskOptions } from './task-options.js';
import { generateTrackMaze } from './track-maze.js';

/** Stream ids under the set's seed: maze i uses (seed, MAZE_SET_STREAM, i); the labels (seed, ASSIGNMENT_STREAM, k). */
const MAZE_SET_STREAM = 0x4d534554; // 'MSET'
const ASSIGNMENT_STREAM = 0x41535349; // 'ASSI'
const SIDE_LABELS = 0;
const CHANNEL_LABELS = 1;
const ORIENTATION_LABELS = 2;

/**
 * Options of maze-set generation: how many mazes, from which seed, and the index of the first maze within the whole
 * set.
 */
export interface GenerateOptions {
  /** Number of mazes to generate. */
  count: number;
  seed: number;
  /**
   * Index of the first maze within the whole set (default 0): maze j of the result is maze offset + j of
   * the set (seed, total). Generating a set in chunks and joining them (MazeSet.concat) is byte-identical
   * to generating it at once, provided every chunk passes the same `total`.
   */
  offset?: number;
  /**
   * Size of the whole set, over which Track/H sides and leading channels (and H orientations) are
   * balanced (default offset + count).
   */
  total?: number;
}

/**
 * `total` labels in [0, categories), each used ⌊total/categories⌋ or ⌈total/categories⌉ times (which
 * ones get the extra use is random), in a seeded random order (Fisher–Yates).
 */
export function balancedLabels(total: number, categories: number, rng: Rng): Uint8Array {
  const labels = new Uint8Array(total);
  const rotation = rng.int(categories);
  for (let i = 0; i < total; i++) labels[i] = (i + rotation) % categories;
  for (let i = total - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = labels[i];
    labels[i] = labels[j];
    labels[j] = t;
  }
  return labels;
}

function sideCategories(options: TaskOptions): number {
  return options.kind === 'h' ? 4 : 2;
}

/** Generates one maze of `set.options.kind` into `slot` with explicit side / leading-channel / orientation labels. */
function generateLabelled(set: MazeSet, slot: number, rng: Rng, side: number, channel: number, orientation: number): void {
  switch (set.options.kind) {
    case 'general':
      generateGeneralMaze(set, slot, rng);
      return;
    case 'track':
      generateTrackMaze(set, slot, rng, side, channel);
      return;
    case 'h':
      generateHMaze(set, slot, rng, side, channel, orientation);
      return;
  }
}

function checkCount(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 100_000_000) {
    throw new PrnnError(`${name} must be an integer in [${min}, 100000000] (got ${describeValue(value)})`);
  }
  return value;
}

/**
 * Generates a maze set. Maze i depends only on (seed, i) and, for Track/H, on the seeded balanced
 * assignment of goal sides (halves; quarters of corners for H) and leading channels over the whole set,
 * and for H also of orientations (half upright, half on their side), each label drawn independently.
 */
export function generateMazeSet(options: TaskOptions, generate: GenerateOptions): MazeSet {
  const count = checkCount('count', generate.count, 0);
  const offset = checkCount('offset', generate.offset ?? 0, 0);
  const total = checkCount('total', generate.total ?? offset + count, offset + count);
  const set = MazeSet.allocate(options, count);
  fillMazeRange(set, 0, count, generate.seed, offset, total);
  return set;
}

/**
 * Fills slots [from, to) of `set` with mazes offset+from … offset+to−1 of the set (seed, total). This is
 * what generateMazeSet does; it is exposed for callers that generate into preallocated sets.
 */
export function fillMazeRange(set: MazeSet, from: number, to: number, seed: number, offset = 0, total = offset + set.count): void {
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from <= to && to <= set.count)) {
    throw new PrnnError(`slot range must satisfy 0 ≤ from ≤ to ≤ ${set.count} (got ${from}, ${to})`);
  }
  if (!Number.isInteger(total) || total < offset + to) {
    throw new PrnnError(`total must be an integer ≥ ${offset + to} (got ${describeValue(total)})`);
  }
  const rng = new Rng(seed);
  let sides: Uint8Array | undefined;
  let channels: Uint8Array | undefined;
  let orientations: Uint8Array | undefined;
  if (set.options.kind !== 'general') {
    sides = balancedLabels(total, sideCategories(set.options), Rng.derive(seed, ASSIGNMENT_STREAM, SIDE_LABELS));
    channels = balancedLabels(total, set.options.channels, Rng.derive(seed, ASSIGNMENT_STREAM, CHANNEL_LABELS));
  }
  if (set.options.kind === 'h') {
    orientations = balancedLabels(total, 2, Rng.derive(seed, ASSIGNMENT_STREAM, ORIENTATION_LABELS));
  }
  for (let slot = from; slot < to; slot++) {
    const i = offset + slot;
    rng.reseed(seed, MAZE_SET_STREAM, i);
    const side = sides === undefined ? 0 : sides[i];
    const channel = channels === undefined ? 0 : channels[i];
    generateLabelled(set, slot, rng, side, channel, orientations === undefined ? 0 : orientations[i]);
  }
}

/**
 * Generates one fresh maze into `slot` for training streams: draws everything from `rng`, including
 * (Track/H) the goal side and leading channel, and (H) the orientation, uniformly at random. Allocates nothing.
 */
export function generateMazeInto(set: MazeSet, slot: number, rng: Rng): void {
  if (!(slot >= 0 && slot < set.count && (slot | 0) === slot)) set.checkIndex(slot);
  const options = set.options;
  if (options.kind === 'general') {
    generateGeneralMaze(set, slot, rng);
    return;
  }
  const side = rng.int(sideCategories(options));
  const channel = rng.int(options.channels);
  const orientation = options.kind === 'h' ? rng.int(2) : 0;
  generateLabelled(set, slot, rng, side, channel, orientation);
}

/**
 * The few mazes that every maze `generateMazeInto` makes for a corridor task (Track, H) without maze noise is
 * a copy of: such a maze depends on its labels only (goal side or corner, leading channel, orientation). A
 * trainer can reset its envs on these mazes instead of copying a fresh one per env and episode.
 */
export interface TrainingLayouts {
  /** Every maze `generateMazeInto` can make for these options, with exactly these options. */
  readonly set: MazeSet;
  /**
   * Makes the draws `generateMazeInto(·, ·, rng)` makes, in its order, and returns the index in `set` of the maze
   * it would have written. Allocates nothing.
   */
  draw(rng: Rng): number;
}

/** Corridor layouts above this many bytes are not kept (the trainer then generates every maze). */
const MAX_TRAINING_LAYOUT_BYTES = 1 << 22;

/**
 * The training layouts of `options` (see TrainingLayouts), or undefined where training mazes are not copies of a
 * few fixed ones: General mazes, any maze noise, or layouts that would take more than 4 MiB. Maze
 * (side · C + channel) · O + orientation of the set has those labels (O = 2 for H, else 1).
 */
export function trainingLayouts(options: TaskOptions): TrainingLayouts | undefined {
  if (options.kind === 'general' || options.mazeNoise !== 0) return undefined;
  const sides = sideCategories(options);
  const C = options.channels;
  const O = options.kind === 'h' ? 2 : 1;
  const count = sides * C * O;
  const bytes = count * options.size * options.size * (1 + 4 * C + 4 + 4);
  if (bytes > MAX_TRAINING_LAYOUT_BYTES) return undefined;
  const set = MazeSet.allocate(options, count);
  // without maze noise a corridor maze draws nothing beyond its labels: this generator is never read
  const unused = new Rng(0);
  for (let side = 0; side < sides; side++) {
    for (let channel = 0; channel < C; channel++) {
      for (let orientation = 0; orientation < O; orientation++) {
        generateLabelled(set, (side * C + channel) * O + orientation, unused, side, channel, orientation);
      }
    }
  }
  const h = O === 2;
  return {
    set,
    draw(rng: Rng): number {
      const side = rng.int(sides);
      const channel = rng.int(C);
      const orientation = h ? rng.int(2) : 0;
      return (side * C + channel) * O + orientation;
    },
  };
}
