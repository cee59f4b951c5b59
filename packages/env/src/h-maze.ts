/*
 * H maze, the authors' layout (docs/spec.md §1.2, step by step).
 *
 * Built upright: the middle row r = (N−1)/2 (the crossbar) and the side columns 1 and N−2 are open; the
 * start is the centre, the goal a corner. With V = N − 3 values from 0.1 to 0.5, Gh its first half and Gv
 * its second (m = (N−3)/2 values each), the row channel A and the column channel B carry, in this order:
 *  1. B on the crossbar: Gh rising away from the centre on both halves (misleading);
 *  2. A on both side columns: Gv rising away from the crossbar on both halves (misleading);
 *  3. A on the goal's half of the crossbar: Gh rising towards the goal's column c*;
 *  4. B point-symmetric in the columns: Gv rising towards the goal's row in c*, and the mirror image in the
 *     other half of the other column;
 *  5. the gap: the g cells of c* next to the goal lose every cue (only in c*).
 * Along the path from the start both channels rise from Gh[0] to 0.5 at the goal; on the wrong branches
 * one channel is silent (A on the crossbar's far half, B on c*'s far half), so each of the two turns is
 * signalled by one channel. Half of a set is then turned on its side so that the goal keeps its corner:
 * goals (1,1) and (N−2,N−2) by transposing the grid, (1,N−2) and (N−2,1) by rotating it 180° and then
 * transposing (reflection in the anti-diagonal); the crossbar becomes the middle column.
 * Extensions beyond the reference (defaults reproduce it): B is channel (A + 1) mod C and further channels
 * carry nothing when C > 2; maze noise (clipped at 0 from below) is added to the open cells before the gap.
 * Distances as in §1.1: d(start) = N − 3, fs = N − 4 (7 for N = 11, within the default 12 steps).
 */
import { buildCorridorLayouts, copyCorridorLayout, layoutsMatch, type CorridorLayouts } from './corridor-layouts.js';
import { addCorridorNoise, clearCues, clearSlot, corridorScratch, placeStartAndGoal, setCue } from './corridor-maze.js';
import type { MazeSet } from './maze-set.js';
import type { Rng } from '@prnn/core';
import type { TaskOptions } from './task-options.js';

/** The four goal corners, in the order of the `corner` argument: top-left, top-right, bottom-left, bottom-right. */
export function hMazeCorner(size: number, corner: number): number {
  const row = corner >= 2 ? size - 2 : 1;
  const col = (corner & 1) === 1 ? size - 2 : 1;
  return row * size + col;
}

/**
 * Generates an H maze into `slot`: goal `corner` (0–3, see hMazeCorner), row channel `rowChannel` (A),
 * `orientation` 0 (upright) or 1 (turned on its side). Copies one of the task's 8·C prebuilt layouts
 * (corridor-layouts.ts) where they are small enough to keep.
 */
export function generateHMaze(set: MazeSet, slot: number, rng: Rng, corner: number, rowChannel: number, orientation: number): void {
  const layouts = hLayouts(set.options);
  if (layouts === undefined) buildHMaze(set, slot, rng, corner, rowChannel, orientation);
  else copyCorridorLayout(layouts, set, slot, (corner * set.channels + rowChannel) * 2 + orientation, rng);
}

/** The same maze as generateHMaze, built cell by cell (the layouts' builder, and the path for large tasks). */
export function buildHMaze(set: MazeSet, slot: number, rng: Rng, corner: number, rowChannel: number, orientation: number): void {
  const { size, channels, gap } = set.options;
  const v = corridorScratch(size).h;
  const m = (size - 3) / 2;
  const mid = (size - 1) / 2;
  const goalRight = (corner & 1) === 1;
  const goalDown = corner >= 2;
  const goalCol = goalRight ? size - 2 : 1;
  const otherCol = goalRight ? 1 : size - 2;
  const a = rowChannel;
  const b = (rowChannel + 1) % channels;

  clearSlot(set, slot);
  const walls = set.walls;
  const base = slot * set.cellCount;
  walls.fill(0, base + mid * size + 1, base + mid * size + size - 1);
  for (let row = 1; row < size - 1; row++) {
    walls[base + row * size + 1] = 0;
    walls[base + row * size + size - 2] = 0;
  }

  // Steps 1–4 never write the same cell and channel (step 2's 0 on the crossbar is the blank slot's, which
  // step 3 may replace), so one loop over the distance j from the centre serves all four in the order of docs/spec.md.
  for (let j = 1; j <= m; j++) {
    const gh = v[j - 1];
    const gv = v[m + j - 1];
    setCue(set, slot, mid, mid - j, b, gh); // 1.
    setCue(set, slot, mid, mid + j, b, gh);
    setCue(set, slot, mid - j, 1, a, gv); // 2.
    setCue(set, slot, mid + j, 1, a, gv);
    setCue(set, slot, mid - j, size - 2, a, gv);
    setCue(set, slot, mid + j, size - 2, a, gv);
    setCue(set, slot, mid, goalRight ? mid + j : mid - j, a, gh); // 3.
    setCue(set, slot, goalDown ? mid + j : mid - j, goalCol, b, gv); // 4.
    setCue(set, slot, goalDown ? mid - j : mid + j, otherCol, b, gv);
  }

  addCorridorNoise(set, slot, rng);

  for (let j = 1; j <= gap; j++) clearCues(set, slot, hGapRow(size, goalDown, j), goalCol); // 5.

  if (orientation === 1) turnOnSide(set, slot, goalRight !== goalDown);
  placeStartAndGoal(set, slot, mid * size + mid, hMazeCorner(size, corner));
}

/** Row of the j-th gap cell (j = 1 … gap, counted from the goal towards the crossbar) in the upright H. */
function hGapRow(size: number, goalDown: boolean, j: number): number {
  return goalDown ? size - 2 - j : 1 + j;
}

/** Where upright cell (row, col) ends up: itself, or turned on its side as turnOnSide moves it. */
function placedCell(size: number, row: number, col: number, orientation: number, antiDiagonal: boolean): number {
  if (orientation === 0) return row * size + col;
  return antiDiagonal ? (size - 1 - col) * size + (size - 1 - row) : col * size + row;
}

let cachedLayouts: CorridorLayouts | undefined;

/**
 * The 8·C H layouts of `options` (layout (corner·C + rowChannel)·2 + orientation), built on first use;
 * undefined when too large. Maze noise goes to the open cells in the upright H's order, wherever the turn puts them.
 */
function hLayouts(options: TaskOptions): CorridorLayouts | undefined {
  if (layoutsMatch(cachedLayouts, options)) return cachedLayouts;
  const { size, channels, gap } = options;
  const mid = (size - 1) / 2;
  const labels = (v: number) => {
    const corner = Math.floor(v / (2 * channels));
    return { corner, rowChannel: Math.floor(v / 2) % channels, orientation: v % 2, antiDiagonal: ((corner & 1) === 1) !== corner >= 2 };
  };
  const layouts = buildCorridorLayouts(options, {
    count: 8 * channels,
    build: (set, slot, v, rng) => {
      const { corner, rowChannel, orientation } = labels(v);
      buildHMaze(set, slot, rng, corner, rowChannel, orientation);
    },
    noiseCells: (v) => {
      const { orientation, antiDiagonal } = labels(v);
      const cells: number[] = [];
      for (let row = 1; row < size - 1; row++) {
        for (let col = 1; col < size - 1; col++) {
          if (row === mid || col === 1 || col === size - 2) cells.push(placedCell(size, row, col, orientation, antiDiagonal));
        }
      }
      return Int32Array.from(cells);
    },
    gapCells: (v) => {
      const { corner, orientation, antiDiagonal } = labels(v);
      const goalCol = (corner & 1) === 1 ? size - 2 : 1;
      return Int32Array.from({ length: gap }, (_, k) => placedCell(size, hGapRow(size, corner >= 2, k + 1), goalCol, orientation, antiDiagonal));
    },
  });
  if (layouts !== undefined) cachedLayouts = layouts;
  return layouts;
}

/**
 * Reflects the grid of `slot` in its main diagonal (cell (r, c) ↔ (c, r)) or, with `antiDiagonal`, in the
 * other one ((r, c) ↔ (N−1−c, N−1−r): a 180° rotation followed by a transpose). Walls and cues move together.
 */
function turnOnSide(set: MazeSet, slot: number, antiDiagonal: boolean): void {
  const size = set.size;
  const channels = set.channels;
  const base = slot * set.cellCount;
  const walls = set.walls;
  const cues = set.cues;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      // visit each pair once: cells strictly on one side of the mirror line
      if (antiDiagonal ? r + c >= size - 1 : c <= r) continue;
      const from = base + r * size + c;
      const to = base + (antiDiagonal ? (size - 1 - c) * size + (size - 1 - r) : c * size + r);
      const wall = walls[from];
      walls[from] = walls[to];
      walls[to] = wall;
      for (let ch = 0; ch < channels; ch++) {
        const cue = cues[from * channels + ch];
        cues[from * channels + ch] = cues[to * channels + ch];
        cues[to * channels + ch] = cue;
      }
    }
  }
}
