import { fillDistanceFields } from './bfs.js';
import type { MazeSet } from './maze-set.js';
import type { Rng } from '@prnn/core';

/**
 * What the corridor mazes (Track, H; docs/spec.md §1.2) share: cue ramps from 0.1 to 0.5, a blank slot to carve
 * into, start/goal with their distance fields, maze noise clipped at 0 from below, and cue-less gap cells.
 */

/** `count` evenly spaced values from 0.1 to 0.5, with the exact end point (as numpy's linspace). */
export function cueRamp(count: number): Float64Array {
  const ramp = new Float64Array(count);
  const step = count === 1 ? 0 : 0.4 / (count - 1);
  for (let j = 0; j < count; j++) ramp[j] = 0.1 + j * step;
  if (count > 1) ramp[count - 1] = 0.5;
  return ramp;
}

/** Track's G = (N − 3)/2 values from 0.1 to 0.5 (N = 11: 0.1, 0.233, 0.367, 0.5). */
export function trackCueValues(size: number): Float64Array {
  return cueRamp((size - 3) / 2);
}

/** H's V = N − 3 values from 0.1 to 0.5; Gh is its first half, Gv its second (N = 11: 0.1, 0.157, …, 0.5). */
export function hCueValues(size: number): Float64Array {
  return cueRamp(size - 3);
}

/** Per-size buffers of the corridor generators: both cue ramps and a BFS queue of size² cells. */
export interface CorridorScratch {
  readonly size: number;
  readonly track: Float64Array;
  readonly h: Float64Array;
  readonly queue: Int32Array;
}

let cachedScratch: CorridorScratch = { size: -1, track: new Float64Array(0), h: new Float64Array(0), queue: new Int32Array(0) };

/** The scratch for `size`, kept between calls (every maze of a set has the same size, so this rarely reallocates). */
export function corridorScratch(size: number): CorridorScratch {
  if (cachedScratch.size !== size) {
    cachedScratch = { size, track: trackCueValues(size), h: hCueValues(size), queue: new Int32Array(size * size) };
  }
  return cachedScratch;
}

/** Makes every cell of `slot` a wall with no cues, ready for the corridors to be opened. */
export function clearSlot(set: MazeSet, slot: number): void {
  const cells = set.cellCount;
  const channels = set.channels;
  const base = slot * cells;
  set.walls.fill(1, base, base + cells);
  set.cues.fill(0, base * channels, (base + cells) * channels);
}

/** Sets start and goal (cell indices) of `slot` and computes its distances, dMax, progress and fs. */
export function placeStartAndGoal(set: MazeSet, slot: number, start: number, goal: number): void {
  set.start[slot] = start;
  set.goal[slot] = goal;
  fillDistanceFields(set, slot, corridorScratch(set.size).queue);
}

/** One cell's worth of Gaussian samples (channels ≤ 64). */
const noiseScratch = new Float64Array(64);

/** Adds maze noise N(0, σm²) to every cue of every open cell, clipped at 0 from below only (Track, H). */
export function addCorridorNoise(set: MazeSet, slot: number, rng: Rng): void {
  const { mazeNoise, channels } = set.options;
  if (!(mazeNoise > 0)) return;
  const cells = set.cellCount;
  const base = slot * cells;
  const cues = set.cues;
  for (let c = 0; c < cells; c++) {
    if (set.walls[base + c] !== 0) continue;
    rng.fillNormal(noiseScratch, 0, channels);
    for (let ch = 0, o = (base + c) * channels; ch < channels; ch++) {
      const v = cues[o + ch] + mazeNoise * noiseScratch[ch];
      cues[o + ch] = v < 0 ? 0 : v;
    }
  }
}

/** Removes every cue of cell (row, col) of `slot`: a gap cell. */
export function clearCues(set: MazeSet, slot: number, row: number, col: number): void {
  const first = (slot * set.cellCount + row * set.size + col) * set.channels;
  set.cues.fill(0, first, first + set.channels);
}

/** Writes `value` into channel `channel` of cell (row, col) of `slot`. */
export function setCue(set: MazeSet, slot: number, row: number, col: number, channel: number, value: number): void {
  set.cues[(slot * set.cellCount + row * set.size + col) * set.channels + channel] = value;
}
