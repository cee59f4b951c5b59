/*
 * H maze (SPEC §1.2 describes it only briefly; this is our interpretation).
 *
 * Layout: the middle row r = (N−1)/2 (columns 1…N−2) and the two side columns 1 and N−2 (rows 1…N−2)
 * are open, forming an H. The start is the centre; the goal is one of the four corners (1,1), (1,N−2),
 * (N−2,1), (N−2,N−2); in a generated set each corner gets a quarter of the mazes (seeded shuffle).
 * With m = (N−3)/2 and G = m values from 0.1 to 0.5 (as for Track), cues are placed by distance j = 1…m
 * from the centre of the row, or from the row along a column:
 *  - the *row channel* leads along the middle row: G[j−1] on the goal's half of the row only (0.5 at the
 *    junction with the goal's column); on the columns it is a misleading symmetric copy: G[j−1] on both
 *    the upper and the lower half;
 *  - the *column channel* is a misleading symmetric copy on the row (G[j−1] on both halves) and leads
 *    along the columns: G[j−1] on the goal's vertical half only (0.5 at the goal's row);
 *  - the column not leading to the goal (the wrong branch) is the mirror image of the goal's column, so
 *    only the row channel on the row says which side to take, and only the column channel says which
 *    way to turn: both decisions need the agent to carry information past cue-less cells.
 * The gap: the g cells next to the goal on the start's side (in the goal's column) lose all cues, and so
 * do their mirror images in the other column (otherwise the gap itself would reveal the side).
 * Which channel is the row channel is balanced over the set like Track's leading channel; the column
 * channel is the next one, (row + 1) mod C; further channels (C > 2) carry nothing. Cues are not divided
 * by C; maze noise is clipped at 0 from below only, and comes before the gap. Distances as in §1.1:
 * d(start) = N − 3, so fs = N − 4 (7 for N = 11, within the default 12 steps).
 */
import { fillDistanceFields } from './bfs.js';
import type { MazeSet } from './maze-set.js';
import type { Rng } from './rng.js';
import { addCorridorNoise, corridorScratch } from './track-maze.js';


/** The four goal corners, in the order of the `corner` argument: top-left, top-right, bottom-left, bottom-right. */
export function hMazeCorner(size: number, corner: number): number {
  const row = corner >= 2 ? size - 2 : 1;
  const col = (corner & 1) === 1 ? size - 2 : 1;
  return row * size + col;
}

/** Generates an H maze into `slot`: goal `corner` (0–3, see hMazeCorner), row-leading channel `rowChannel`. */
export function generateHMaze(set: MazeSet, slot: number, rng: Rng, corner: number, rowChannel: number): void {
  const { size, channels, gap } = set.options;
  const { values: g, queue } = corridorScratch(size);
  const m = g.length;
  const cells = set.cellCount;
  const base = slot * cells;
  const mid = (size - 1) / 2;
  const goalRight = (corner & 1) === 1;
  const goalDown = corner >= 2;
  const columnChannel = (rowChannel + 1) % channels;
  const walls = set.walls;

  walls.fill(1, base, base + cells);
  walls.fill(0, base + mid * size + 1, base + mid * size + size - 1);
  for (let row = 1; row < size - 1; row++) {
    walls[base + row * size + 1] = 0;
    walls[base + row * size + size - 2] = 0;
  }
  set.start[slot] = mid * size + mid;
  set.goal[slot] = hMazeCorner(size, corner);
  fillDistanceFields(set, slot, queue);

  const cues = set.cues;
  cues.fill(0, base * channels, (base + cells) * channels);
  const rowStride = size * channels;
  const origin = base * channels; // cues index of cell (0, 0)
  for (let j = 1; j <= m; j++) {
    const value = g[j - 1];
    // the row
    const midRow = origin + mid * rowStride;
    cues[midRow + (goalRight ? mid + j : mid - j) * channels + rowChannel] = value;
    cues[midRow + (mid - j) * channels + columnChannel] = value;
    cues[midRow + (mid + j) * channels + columnChannel] = value;
    // both columns (the wrong one mirrors the goal's)
    const towards = origin + (goalDown ? mid + j : mid - j) * rowStride;
    const up = origin + (mid - j) * rowStride;
    const down = origin + (mid + j) * rowStride;
    for (let side = 0; side < 2; side++) {
      const col = (side === 0 ? 1 : size - 2) * channels;
      cues[towards + col + columnChannel] = value;
      cues[up + col + rowChannel] = value;
      cues[down + col + rowChannel] = value;
    }
  }

  addCorridorNoise(set, slot, rng);

  for (let j = 1; j <= gap; j++) {
    const row = goalDown ? size - 2 - j : 1 + j;
    for (let side = 0; side < 2; side++) {
      const first = origin + row * rowStride + (side === 0 ? 1 : size - 2) * channels;
      cues.fill(0, first, first + channels);
    }
  }
}
