import { PrnnError } from '@prnn/core';
import type { MazeSet } from './maze-set.js';

/**
 * A shortest path of maze `index`: the cells from the start to the goal (both included), each step
 * moving to a neighbour one closer to the goal on the BFS distance map. Among equally short paths it
 * prefers the moves in action order Left, Right, Up, Down. Length d(start) + 1.
 */
export function shortestPath(set: MazeSet, index: number): Int32Array {
  set.checkIndex(index);
  const size = set.size;
  const base = index * set.cellCount;
  const distance = set.distance;
  const start = set.start[index];
  const path = new Int32Array(distance[base + start] + 1);
  const moves = [-1, 1, -size, size];
  let cell = start;
  path[0] = cell;
  for (let k = 1; k < path.length; k++) {
    const want = distance[base + cell] - 1;
    let next = -1;
    for (const move of moves) {
      const neighbour = cell + move;
      if (set.walls[base + neighbour] === 0 && distance[base + neighbour] === want) {
        next = neighbour;
        break;
      }
    }
    // Only a hand-edited set can get here: the generators connect every open cell to the goal.
    if (next < 0) throw new PrnnError(`maze ${index} has an inconsistent distance map at cell ${cell}`);
    path[k] = cell = next;
  }
  return path;
}
