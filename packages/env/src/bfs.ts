import type { MazeSet } from './maze-set.js';

/**
 * Breadth-first search (4-neighbourhood, open cells only) from `goal` over one maze. Writes
 * `distance[base + cell]` (walls 0, unreachable open cells −1) and leaves the reached cells in
 * `queue[0 … reached−1]` in order of distance; returns `reached`. The last of them is a farthest cell.
 * Assumes the outer ring is wall, so neighbours need no bounds checks. `queue` holds ≥ size² entries.
 */
export function bfsFromGoal(
  walls: Uint8Array,
  base: number,
  size: number,
  goal: number,
  distance: Int32Array,
  queue: Int32Array,
): number {
  const cells = size * size;
  // walls 1 → 0, open 0 → −1 (unvisited): no branch on the random wall pattern
  for (let c = base, end = base + cells; c < end; c++) distance[c] = walls[c] - 1;
  distance[base + goal] = 0;
  queue[0] = goal;
  let head = 0;
  let tail = 1;
  // Each neighbour is enqueued and its distance written without a branch: `fresh` is 1 exactly when it
  // is an unvisited open cell (distance −1), and the queue entry only counts then. On the small random
  // mazes of training a mispredicted branch costs more than these few extra stores.
  while (head < tail) {
    const cell = queue[head++];
    const at = base + cell;
    const step = distance[at] + 2; // −1 + step = the neighbour's distance
    let d = distance[at - 1];
    let fresh = d >>> 31;
    distance[at - 1] = d + fresh * step;
    queue[tail] = cell - 1;
    tail += fresh;
    d = distance[at + 1];
    fresh = d >>> 31;
    distance[at + 1] = d + fresh * step;
    queue[tail] = cell + 1;
    tail += fresh;
    d = distance[at - size];
    fresh = d >>> 31;
    distance[at - size] = d + fresh * step;
    queue[tail] = cell - size;
    tail += fresh;
    d = distance[at + size];
    fresh = d >>> 31;
    distance[at + size] = d + fresh * step;
    queue[tail] = cell + size;
    tail += fresh;
  }
  return tail;
}

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
  const reached = bfsFromGoal(walls, base, size, goal, distance, queue);
  return distance[base + queue[reached - 1]];
}

/**
 * Fills the derived fields of maze `slot` from its walls, start and goal (docs/spec.md §1.1 steps 4–5):
 * distance map, dMax, progress p(x) = (dMax − d(x))/dMax (0 on walls and unreachable cells) and the
 * fastest solution fs = d(start) − 1. Returns the number of cells reached from the goal, which are left in
 * `queue[0 …]` (the goal first).
 */
export function fillDistanceFields(set: MazeSet, slot: number, queue: Int32Array): number {
  const cells = set.cellCount;
  const base = slot * cells;
  const distance = set.distance;
  const reached = bfsFromGoal(set.walls, base, set.size, set.goal[slot], distance, queue);
  const dMax = distance[base + queue[reached - 1]];
  set.dMax[slot] = dMax;
  const progress = set.progress;
  progress.fill(0, base, base + cells);
  if (dMax > 0) {
    for (let k = 0; k < reached; k++) {
      const c = base + queue[k];
      progress[c] = (dMax - distance[c]) / dMax;
    }
  }
  set.fastestSolution[slot] = distance[base + set.start[slot]] - 1;
  return reached;
}
