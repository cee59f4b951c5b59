import { describe, expect, it } from 'vitest';
import { generateMazeSet } from '../src/generate.js';
import { shortestPath } from '../src/shortest-path.js';
import { resolveTaskOptions } from '../src/task-options.js';

describe('shortestPath', () => {
  it('walks from the start to the goal through open neighbouring cells in d(start) moves', () => {
    for (const kind of ['general', 'track', 'h'] as const) {
      const set = generateMazeSet(resolveTaskOptions(kind, { wallSparsity: kind === 'general' ? 0.2 : 0 }), { count: 20, seed: 4 });
      for (let i = 0; i < set.count; i++) {
        const maze = set.maze(i);
        const path = shortestPath(set, i);
        expect(path[0]).toBe(maze.start);
        expect(path[path.length - 1]).toBe(maze.goal);
        expect(path.length).toBe(maze.fastestSolution + 2);
        for (let k = 1; k < path.length; k++) {
          const [a, b] = [path[k - 1], path[k]];
          const manhattan = Math.abs((a % set.size) - (b % set.size)) + Math.abs(Math.floor(a / set.size) - Math.floor(b / set.size));
          expect(manhattan).toBe(1);
          expect(maze.walls[b]).toBe(0);
        }
      }
    }
  });
});
