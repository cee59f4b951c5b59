import { MazeSet, type MazeView } from './maze-set.js';
import { Rng } from '@prnn/core';
import type { TaskOptions } from './task-options.js';

/**
 * The corridor mazes (Track, H) of one task come in a handful of layouts: their walls, start, goal and
 * distances depend only on the labels (goal side or corner, leading channel, orientation), and so do their
 * cues apart from the maze noise. So each layout is built once, noise-free, and a fresh maze is a copy of it
 * plus — when the task has maze noise — the noise drawn cell by cell in the generator's order, after which
 * the gap cells are emptied again. The result is the same maze and the same draws as building it directly.
 */
export interface CorridorLayouts {
  readonly kind: TaskOptions['kind'];
  readonly size: number;
  readonly channels: number;
  readonly gap: number;
  /** Layout v, noise-free, with views into the set that holds all layouts. */
  readonly mazes: readonly MazeView[];
  /** Per layout: the cells that receive maze noise, in the order the generator draws it (cell indices). */
  readonly noiseCells: readonly Int32Array[];
  /** Per layout: the gap cells, which lose every cue after the noise. */
  readonly gapCells: readonly Int32Array[];
}

/** What one kind of corridor maze supplies to have its layouts built. */
export interface CorridorLayoutRecipe {
  /** Number of layouts; the generator numbers them 0 … count−1. */
  readonly count: number;
  /** Builds layout `v` directly into `slot` of `set` (whose options have no maze noise). */
  build(set: MazeSet, slot: number, v: number, rng: Rng): void;
  noiseCells(v: number): Int32Array;
  gapCells(v: number): Int32Array;
}

/** Layouts are kept only while they are small: above this many bytes the generators build every maze directly. */
const MAX_LAYOUT_BYTES = 1 << 20;

/** Bytes the layouts of `options` would take (walls, cues, distances and progress of every layout). */
export function corridorLayoutBytes(options: TaskOptions, count: number): number {
  return count * options.size * options.size * (1 + 4 * options.channels + 4 + 4);
}

/** Whether `layouts` were built for the corridor task `options` (the fields a layout depends on). */
export function layoutsMatch(layouts: CorridorLayouts | undefined, options: TaskOptions): layouts is CorridorLayouts {
  return (
    layouts !== undefined &&
    layouts.kind === options.kind &&
    layouts.size === options.size &&
    layouts.channels === options.channels &&
    layouts.gap === options.gap
  );
}

/** Builds every layout of `options` with `recipe`, or returns undefined when they would be too large to keep. */
export function buildCorridorLayouts(options: TaskOptions, recipe: CorridorLayoutRecipe): CorridorLayouts | undefined {
  if (corridorLayoutBytes(options, recipe.count) > MAX_LAYOUT_BYTES) return undefined;
  const set = MazeSet.allocate({ ...options, mazeNoise: 0 }, recipe.count);
  // without maze noise the builders draw nothing; the generator is only there to satisfy their signature
  const unused = new Rng(0);
  const mazes: MazeView[] = [];
  const noiseCells: Int32Array[] = [];
  const gapCells: Int32Array[] = [];
  for (let v = 0; v < recipe.count; v++) {
    recipe.build(set, v, v, unused);
    mazes.push(set.maze(v));
    noiseCells.push(recipe.noiseCells(v));
    gapCells.push(recipe.gapCells(v));
  }
  return { kind: options.kind, size: options.size, channels: options.channels, gap: options.gap, mazes, noiseCells, gapCells };
}

/** One cell's worth of Gaussian samples (channels ≤ 64). */
const noise = new Float64Array(64);

/**
 * Writes layout `v` into `slot` of `set`; with maze noise, adds it (clipped at 0 from below, as the corridor
 * generators do) to the layout's noise cells in order and empties the gap cells. Allocates nothing.
 */
export function copyCorridorLayout(layouts: CorridorLayouts, set: MazeSet, slot: number, v: number, rng: Rng): void {
  const maze = layouts.mazes[v];
  const cells = set.cellCount;
  const channels = set.channels;
  const base = slot * cells;
  set.walls.set(maze.walls, base);
  set.cues.set(maze.cues, base * channels);
  set.distance.set(maze.distance, base);
  set.progress.set(maze.progress, base);
  set.start[slot] = maze.start;
  set.goal[slot] = maze.goal;
  set.dMax[slot] = maze.dMax;
  set.fastestSolution[slot] = maze.fastestSolution;
  const mazeNoise = set.options.mazeNoise;
  if (!(mazeNoise > 0)) return;
  const cues = set.cues;
  const noiseCells = layouts.noiseCells[v];
  for (let k = 0; k < noiseCells.length; k++) {
    rng.fillNormal(noise, 0, channels);
    for (let ch = 0, o = (base + noiseCells[k]) * channels; ch < channels; ch++) {
      const value = cues[o + ch] + mazeNoise * noise[ch];
      cues[o + ch] = value < 0 ? 0 : value;
    }
  }
  const gapCells = layouts.gapCells[v];
  for (let k = 0; k < gapCells.length; k++) {
    const o = (base + gapCells[k]) * channels;
    cues.fill(0, o, o + channels);
  }
}
