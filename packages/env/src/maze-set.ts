import { PrnnError, describeValue } from '@prnn/core';
import type { TaskOptions } from './task-options.js';

/** One maze of a MazeSet: subarray views into the set's packed buffers (no copies). */
export interface MazeView {
  readonly index: number;
  readonly size: number;
  readonly channels: number;
  readonly options: TaskOptions;
  /** [S*S], 1 = wall. Cell index = row*size + col. */
  readonly walls: Uint8Array;
  /** [S*S*C], cell-major: cues[cell*C + c]. */
  readonly cues: Float32Array;
  /** [S*S], BFS distance to the goal; 0 on walls. */
  readonly distance: Int32Array;
  /** [S*S], p(x) = (dMax − d(x)) / dMax; 0 on walls. */
  readonly progress: Float32Array;
  readonly dMax: number;
  readonly start: number;
  readonly goal: number;
  readonly fastestSolution: number;
}

/**
 * n mazes of one TaskOptions, packed into flat typed arrays (cell index = row*size + col):
 * `walls[m*S*S + cell]`, `cues[(m*S*S + cell)*C + c]`, `distance`, `progress` like walls, and one value
 * per maze in `dMax`, `start`, `goal`, `fastestSolution`.
 */
export class MazeSet {
  readonly options: TaskOptions;
  readonly count: number;
  readonly size: number;
  readonly channels: number;
  /** S*S. */
  readonly cellCount: number;
  readonly walls: Uint8Array;
  readonly cues: Float32Array;
  readonly distance: Int32Array;
  readonly dMax: Int32Array;
  readonly start: Int32Array;
  readonly goal: Int32Array;
  readonly fastestSolution: Int32Array;
  readonly progress: Float32Array;

  private constructor(options: TaskOptions, count: number) {
    this.options = options;
    this.count = count;
    this.size = options.size;
    this.channels = options.channels;
    this.cellCount = options.size * options.size;
    const cells = count * this.cellCount;
    this.walls = new Uint8Array(cells).fill(1);
    this.cues = new Float32Array(cells * options.channels);
    this.distance = new Int32Array(cells);
    this.progress = new Float32Array(cells);
    this.dMax = new Int32Array(count);
    this.start = new Int32Array(count);
    this.goal = new Int32Array(count);
    this.fastestSolution = new Int32Array(count);
  }

  /** An empty set of `count` mazes (all cells wall) for `options` (already resolved). */
  static allocate(options: TaskOptions, count: number): MazeSet {
    if (!Number.isInteger(count) || count < 0 || count > 100_000_000) {
      throw new PrnnError(`count must be an integer in [0, 100000000] (got ${describeValue(count)})`);
    }
    if (!options || typeof options.size !== 'number' || typeof options.channels !== 'number') {
      throw new PrnnError('options must be resolved TaskOptions (use resolveTaskOptions)');
    }
    return new MazeSet(options, count);
  }

  /** Joins sets of identical options into one, in order (e.g. chunks generated separately). */
  static concat(sets: readonly MazeSet[]): MazeSet {
    if (sets.length === 0) throw new PrnnError('concat needs at least one MazeSet (got 0)');
    const options = sets[0].options;
    const key = JSON.stringify(options);
    for (const s of sets) {
      if (JSON.stringify(s.options) !== key) {
        throw new PrnnError('concat needs MazeSets with identical task options');
      }
    }
    const out = new MazeSet(options, sets.reduce((n, s) => n + s.count, 0));
    let m = 0;
    for (const s of sets) {
      out.copyFrom(s, 0, m, s.count);
      m += s.count;
    }
    return out;
  }

  /** Copies `count` mazes from `source` (starting at `from`) into this set (starting at `to`). */
  copyFrom(source: MazeSet, from: number, to: number, count = 1): void {
    if (source.size !== this.size || source.channels !== this.channels) {
      throw new PrnnError(
        `copyFrom needs sets of equal size and channels (got ${source.size}/${source.channels}, want ${this.size}/${this.channels})`,
      );
    }
    if (from < 0 || to < 0 || from + count > source.count || to + count > this.count) {
      throw new PrnnError(`copyFrom range out of bounds (from ${from}, to ${to}, count ${count})`);
    }
    const sc = this.cellCount;
    const c = this.channels;
    this.walls.set(source.walls.subarray(from * sc, (from + count) * sc), to * sc);
    this.cues.set(source.cues.subarray(from * sc * c, (from + count) * sc * c), to * sc * c);
    this.distance.set(source.distance.subarray(from * sc, (from + count) * sc), to * sc);
    this.progress.set(source.progress.subarray(from * sc, (from + count) * sc), to * sc);
    this.dMax.set(source.dMax.subarray(from, from + count), to);
    this.start.set(source.start.subarray(from, from + count), to);
    this.goal.set(source.goal.subarray(from, from + count), to);
    this.fastestSolution.set(source.fastestSolution.subarray(from, from + count), to);
  }

  /** A light view of maze `i` made of subarrays. */
  maze(i: number): MazeView {
    this.checkIndex(i);
    const sc = this.cellCount;
    const c = this.channels;
    return {
      index: i,
      size: this.size,
      channels: c,
      options: this.options,
      walls: this.walls.subarray(i * sc, (i + 1) * sc),
      cues: this.cues.subarray(i * sc * c, (i + 1) * sc * c),
      distance: this.distance.subarray(i * sc, (i + 1) * sc),
      progress: this.progress.subarray(i * sc, (i + 1) * sc),
      dMax: this.dMax[i],
      start: this.start[i],
      goal: this.goal[i],
      fastestSolution: this.fastestSolution[i],
    };
  }

  /** Throws PrnnError unless `i` is a valid maze index. */
  checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new PrnnError(`mazeIndex must be an integer in [0, ${this.count - 1}] (got ${describeValue(i)})`);
    }
  }
}
