import { describe, expect, it } from 'vitest';
import { PrnnError } from '@prnn/core';
import { generateMazeSet } from '../src/generate.js';
import { MazeSet } from '../src/maze-set.js';
import { mazeSetStats } from '../src/stats.js';
import { resolveTaskOptions } from '../src/task-options.js';

describe('mazeSetStats', () => {
  it('computes exact values on a hand-built set (population std, channel 0 of open cells only)', () => {
    const set = MazeSet.allocate(resolveTaskOptions('general', { size: 5 }), 4);
    const cells = set.cellCount;
    const fs = [1, 2, 3, 4];
    const dMax = [2, 4, 6, 8];
    // Maze m opens cells 6 … 6+m (m + 1 open cells); channel 0 cue of open cell k is 0.25·k (so one zero per maze),
    // channel 1 and wall cells carry large values that must be ignored.
    for (let m = 0; m < 4; m++) {
      set.fastestSolution[m] = fs[m];
      set.dMax[m] = dMax[m];
      for (let cell = 0; cell < cells; cell++) {
        set.cues[(m * cells + cell) * 2 + 0] = 0.9;
        set.cues[(m * cells + cell) * 2 + 1] = 0.7;
      }
      for (let k = 0; k <= m; k++) {
        const cell = 6 + k;
        set.walls[m * cells + cell] = 0;
        set.cues[(m * cells + cell) * 2] = 0.25 * k;
      }
    }
    const stats = mazeSetStats(set);
    expect(stats.count).toBe(4);
    expect(stats.fastestSolution.mean).toBe(2.5);
    expect(stats.fastestSolution.std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(stats.fastestSolution.min).toBe(1);
    expect(stats.fastestSolution.max).toBe(4);
    expect(stats.dMax.mean).toBe(5);
    expect(stats.openCells.mean).toBe(10 / 4);
    // open cues: m0 {0}, m1 {0,.25}, m2 {0,.25,.5}, m3 {0,.25,.5,.75} → sum 2.5 over 10 cells, 4 zeros
    expect(stats.cue.mean).toBeCloseTo(0.25, 6);
    expect(stats.cue.zeroShare).toBe(0.4);
    expect(stats.cue.max).toBe(0.75);
  });

  it('matches the Track maze of docs/spec.md §1.2 (size 11, gap 1, no noise)', () => {
    const stats = mazeSetStats(generateMazeSet(resolveTaskOptions('track'), { count: 200, seed: 5 }));
    expect(stats.count).toBe(200);
    expect(stats.fastestSolution).toEqual({ mean: 3, std: 0, min: 3, max: 3 });
    expect(stats.dMax.mean).toBe(8);
    expect(stats.openCells.mean).toBe(9);
    // Channel 0 leads in half of the mazes (3 of 9 corridor cells cued after the gap), misleads in the
    // other half (7 of 9): 4/9 of the open cells carry no channel-0 cue; the largest cue is 0.5 at the goal end.
    expect(stats.cue.zeroShare).toBeCloseTo(4 / 9, 12);
    expect(stats.cue.max).toBeCloseTo(0.5, 6);
  });

  it('sees cue sparsity in the zero share of General mazes', () => {
    const denseSet = generateMazeSet(resolveTaskOptions('general', { cueSparsity: 0 }), { count: 300, seed: 1 });
    const dense = mazeSetStats(denseSet);
    const sparse = mazeSetStats(generateMazeSet(resolveTaskOptions('general', { cueSparsity: 0.5 }), { count: 300, seed: 1 }));
    // Without sparsity (and noise) the only zero cues of open cells are where p = 0: the cells farthest
    // from the goal (d = dMax). The goal's cue is 1/C.
    let farthest = 0;
    for (let m = 0; m < denseSet.count; m++) {
      const maze = denseSet.maze(m);
      for (let cell = 0; cell < denseSet.cellCount; cell++) if (!maze.walls[cell] && maze.distance[cell] === maze.dMax) farthest++;
    }
    expect(farthest).toBeGreaterThanOrEqual(300);
    expect(dense.cue.zeroShare).toBeCloseTo(farthest / (300 * 31), 12);
    expect(dense.cue.max).toBeCloseTo(0.5, 6);
    expect(sparse.cue.zeroShare).toBeGreaterThan(0.4);
    expect(sparse.cue.zeroShare).toBeLessThan(0.6);
    expect(dense.openCells.mean).toBe(31);
    expect(dense.fastestSolution.min).toBeGreaterThanOrEqual(1);
  });

  it('rejects an empty set', () => {
    expect(() => mazeSetStats(MazeSet.allocate(resolveTaskOptions('track'), 0))).toThrow(PrnnError);
  });
});
