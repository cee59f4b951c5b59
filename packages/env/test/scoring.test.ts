import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { generateMazeSet, meanFitness, resolveTaskOptions, trialFitness, type MazeKind } from '../src/index.js';
import { openCells } from './helpers.js';

describe('trialFitness (docs/spec.md §1.5)', () => {
  test('the shortest path scores 1; ending where the start was at the last step scores 0', () => {
    for (const kind of ['general', 'track', 'h'] as const) {
      const set = generateMazeSet(resolveTaskOptions(kind), { count: 20, seed: 2 });
      const steps = set.options.steps;
      for (let m = 0; m < set.count; m++) {
        const fs = set.fastestSolution[m];
        if (fs >= steps - 1) continue;
        expect(trialFitness(set, m, fs, set.goal[m], steps)).toBe(1);
        // the start of a Track/H maze is not the far end, so check the time part only there
        const atStart = trialFitness(set, m, steps - 1, set.start[m], steps);
        expect(atStart).toBeCloseTo(set.progress[m * set.cellCount + set.start[m]] / 2, 12);
      }
    }
  });

  test('numbers of the Track task: fs = 3 of 6 steps', () => {
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 2, seed: 1 });
    // goal reached one step late: t = 4 → time 1 − 1/2 = 0.5, path 1 → 0.75
    expect(trialFitness(set, 0, 4, set.goal[0], 6)).toBe(0.75);
    // timed out on the start cell: time 0, path p(start) = 4/8
    expect(trialFitness(set, 0, 5, set.start[0], 6)).toBe(0.25);
  });

  test('NaN when undefined (fs = steps − 1)', () => {
    const set = generateMazeSet(resolveTaskOptions('track', { steps: 4 }), { count: 1, seed: 1 });
    expect(set.fastestSolution[0]).toBe(3);
    expect(trialFitness(set, 0, 3, set.goal[0], 4)).toBeNaN();
    expect(trialFitness(set, 0, 3, set.start[0], 4)).toBeNaN();
  });

  test('fitness lies in [0, 1] wherever defined, for any consistent trial', () => {
    fc.assert(
      fc.property(fc.constantFrom<MazeKind>('general', 'track', 'h'), fc.nat(), fc.integer({ min: 1, max: 30 }), fc.nat(), fc.nat(), (kind, seed, steps, cellSeed, tSeed) => {
        const set = generateMazeSet(resolveTaskOptions(kind, { steps }), { count: 1, seed });
        const fs = set.fastestSolution[0];
        const open = openCells(set, 0);
        const cell = open[cellSeed % open.length];
        const onGoal = cell === set.goal[0];
        // consistent last-step index: reaching the goal takes ≥ fs+1 moves; otherwise the episode ran out
        if (onGoal && fs + 1 > steps) return;
        const t = onGoal ? fs + (tSeed % (steps - fs)) : steps - 1;
        const f = trialFitness(set, 0, t, cell, steps);
        if (Number.isNaN(f)) {
          expect(fs).toBe(steps - 1);
        } else {
          expect(f).toBeGreaterThanOrEqual(0);
          expect(f).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('meanFitness', () => {
  test('ignores NaN; NaN when nothing is defined', () => {
    expect(meanFitness([0.5, Number.NaN, 1])).toBe(0.75);
    expect(meanFitness(Float32Array.of(0.25, 0.75))).toBe(0.5);
    expect(meanFitness([Number.NaN])).toBeNaN();
    expect(meanFitness([])).toBeNaN();
  });
});
