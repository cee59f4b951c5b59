import { buildCorridorLayouts, copyCorridorLayout, layoutsMatch, type CorridorLayouts } from './corridor-layouts.js';
import { addCorridorNoise, clearCues, clearSlot, corridorScratch, placeStartAndGoal } from './corridor-maze.js';
import type { MazeSet } from './maze-set.js';
import type { Rng } from '@prnn/core';
import type { TaskOptions } from './task-options.js';

/**
 * Generates a Track maze (docs/spec.md §1.2) into `slot`: the middle row is open, the start is its centre and the
 * goal its left (`goalRight` 0) or right (1) end. Channel `leading` carries G rising towards the goal on
 * the goal's half only; every other channel carries the mirror-symmetric misleading copy. Cues are not
 * divided by C. Noise (clipped below at 0) comes before the gap, so the gap cells end up exactly 0.
 * Copies one of the task's 2·C prebuilt layouts (corridor-layouts.ts) where they are small enough to keep.
 */
export function generateTrackMaze(set: MazeSet, slot: number, rng: Rng, goalRight: number, leading: number): void {
  const layouts = trackLayouts(set.options);
  if (layouts === undefined) buildTrackMaze(set, slot, rng, goalRight, leading);
  else copyCorridorLayout(layouts, set, slot, goalRight * set.channels + leading, rng);
}

/** The same maze as generateTrackMaze, built cell by cell (the layouts' builder, and the path for large tasks). */
export function buildTrackMaze(set: MazeSet, slot: number, rng: Rng, goalRight: number, leading: number): void {
  const { size, channels, gap } = set.options;
  const g = corridorScratch(size).track;
  const m = g.length;
  const base = slot * set.cellCount;
  const row = (size - 1) / 2;
  const centre = row;
  const rowStart = row * size;

  clearSlot(set, slot);
  set.walls.fill(0, base + rowStart + 1, base + rowStart + size - 1);
  placeStartAndGoal(set, slot, rowStart + centre, rowStart + (goalRight ? size - 2 : 1));

  const cues = set.cues;
  for (let j = 1; j <= m; j++) {
    // j = distance from the centre; value G[j − 1] rises towards both ends
    const value = g[j - 1];
    const left = (base + rowStart + centre - j) * channels;
    const right = (base + rowStart + centre + j) * channels;
    for (let ch = 0; ch < channels; ch++) {
      if (ch === leading) {
        cues[(goalRight ? right : left) + ch] = value;
      } else {
        cues[left + ch] = value;
        cues[right + ch] = value;
      }
    }
  }

  addCorridorNoise(set, slot, rng);

  for (let j = 1; j <= gap; j++) clearCues(set, slot, row, trackGapColumn(size, goalRight, j));
}

/** Column of the j-th gap cell (j = 1 … gap, counted from the goal towards the start). */
function trackGapColumn(size: number, goalRight: number, j: number): number {
  return goalRight ? size - 2 - j : 1 + j;
}

let cachedLayouts: CorridorLayouts | undefined;

/** The 2·C Track layouts of `options` (layout goalRight·C + leading), built on first use; undefined when too large. */
function trackLayouts(options: TaskOptions): CorridorLayouts | undefined {
  if (layoutsMatch(cachedLayouts, options)) return cachedLayouts;
  const { size, channels, gap } = options;
  const row = (size - 1) / 2;
  const layouts = buildCorridorLayouts(options, {
    count: 2 * channels,
    build: (set, slot, v, rng) => buildTrackMaze(set, slot, rng, Math.floor(v / channels), v % channels),
    // the open row, left to right: addCorridorNoise's order
    noiseCells: () => Int32Array.from({ length: size - 2 }, (_, k) => row * size + 1 + k),
    gapCells: (v) => Int32Array.from({ length: gap }, (_, k) => row * size + trackGapColumn(size, Math.floor(v / channels), k + 1)),
  });
  if (layouts !== undefined) cachedLayouts = layouts;
  return layouts;
}
