import type { MazeSet } from '../src/index.js';

/** Independent BFS (row/col arithmetic with bounds checks) from `goal`; −1 for walls and unreachable cells. */
export function referenceBfs(set: MazeSet, m: number): Int32Array {
  const S = set.size;
  const base = m * S * S;
  const dist = new Int32Array(S * S).fill(-1);
  const goal = set.goal[m];
  dist[goal] = 0;
  const queue: [number, number][] = [[Math.floor(goal / S), goal % S]];
  while (queue.length > 0) {
    const [r, c] = queue.shift()!;
    for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
      const nr = r + dr;
      const nc = c + dc;
      if (nr < 0 || nc < 0 || nr >= S || nc >= S) continue;
      const cell = nr * S + nc;
      if (set.walls[base + cell] === 1 || dist[cell] !== -1) continue;
      dist[cell] = dist[r * S + c] + 1;
      queue.push([nr, nc]);
    }
  }
  return dist;
}

/** Open cells of maze m, as cell indices. */
export function openCells(set: MazeSet, m: number): number[] {
  const S2 = set.cellCount;
  const out: number[] = [];
  for (let c = 0; c < S2; c++) if (set.walls[m * S2 + c] === 0) out.push(c);
  return out;
}

/** An action that moves one cell closer to the goal (ties → the first in L, R, U, D order); 4 on the goal. */
export function shortestPathAction(set: MazeSet, m: number, position: number): number {
  const S = set.size;
  const base = m * set.cellCount;
  const d = set.distance[base + position];
  if (position === set.goal[m]) return 4;
  const offsets = [-1, 1, -S, S];
  for (let a = 0; a < 4; a++) {
    const n = position + offsets[a];
    if (set.walls[base + n] === 0 && set.distance[base + n] === d - 1) return a;
  }
  throw new Error(`no downhill neighbour at ${position}`);
}

export function cueAt(set: MazeSet, m: number, cell: number, channel: number): number {
  return set.cues[(m * set.cellCount + cell) * set.channels + channel];
}
