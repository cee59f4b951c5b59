import type { MazeSet } from './maze-set.js';

/**
 * Breadth-first distance (4-neighbourhood, open cells only) from every open cell of one maze to `goal`.
 * Writes `distance[base + cell]` (walls 0, unreachable open cells −1) and returns the largest distance.
 * Assumes the outer ring is wall, so neighbours need no bounds checks. `queue` holds ≥ size² entries.
 */
export function bfsDistances(
  walls: Uint8Array,
  base: number,
  size: number,
  goal: number,
  distance: Int32Array,
  queue: Int32Array,
): number {
  const cells = size * size;
  for (let c = 0; c < cells; c++) distance[base + c] = walls[base + c] === 0 ? -1 : 0;
  distance[base + goal] = 0;
  queue[0] = goal;
  let head = 0;
  let tail = 1;
  let farthest = 0;
  while (head < tail) {
    const cell = queue[head++];
    const next = distance[base + cell] + 1;
    let n = cell - 1;
    if (distance[base + n] === -1) { distance[base + n] = next; queue[tail++] = n; }
    n = cell + 1;
    if (distance[base + n] === -1) { distance[base + n] = next; queue[tail++] = n; }
    n = cell - size;
    if (distance[base + n] === -1) { distance[base + n] = next; queue[tail++] = n; }
    n = cell + size;
    if (distance[base + n] === -1) { distance[base + n] = next; queue[tail++] = n; }
    farthest = next - 1;
  }
  return farthest;
}

/**
 * Fills the derived fields of maze `slot` from its walls, start and goal (SPEC §1.1 steps 4–5):
 * distance map, dMax, progress p(x) = (dMax − d(x))/dMax (0 on walls and unreachable cells) and the
 * fastest solution fs = d(start) − 1.
 */
export function fillDistanceFields(set: MazeSet, slot: number, queue: Int32Array): void {
  const cells = set.cellCount;
  const base = slot * cells;
  const dMax = bfsDistances(set.walls, base, set.size, set.goal[slot], set.distance, queue);
  set.dMax[slot] = dMax;
  const distance = set.distance;
  const walls = set.walls;
  const progress = set.progress;
  for (let c = base, end = base + cells; c < end; c++) {
    const d = distance[c];
    progress[c] = walls[c] === 0 && d >= 0 && dMax > 0 ? (dMax - d) / dMax : 0;
  }
  set.fastestSolution[slot] = distance[base + set.start[slot]] - 1;
}
