import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { generateMazeSet, resolveTaskOptions, trackCueValues, type MazeSet } from '../src/index.js';
import { cueAt, openCells, referenceBfs } from './helpers.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
const sizeArb = fc.constantFrom(7, 9, 11, 13, 15);

/** Goal side (0 left, 1 right) and leading channel of a noise-free Track maze, read from its cues. */
function describeTrack(set: MazeSet, m: number): { right: number; leading: number } {
  const S = set.size;
  const row = (S - 1) / 2;
  const right = set.goal[m] === row * S + S - 2 ? 1 : 0;
  // the leading channel is the one that is 0 on the half away from the goal
  const far = right ? row * S + (S - 1) / 2 - 1 : row * S + (S - 1) / 2 + 1;
  const leading = [0, 1].find((ch) => cueAt(set, m, far, ch) === 0)!;
  return { right, leading };
}

describe('Track maze (docs/spec.md §1.2)', () => {
  test('G has (N−3)/2 evenly spaced values from 0.1 to 0.5', () => {
    const g = Array.from(trackCueValues(11));
    expect(g.length).toBe(4);
    expect(g[0]).toBe(0.1);
    expect(g[1]).toBeCloseTo(0.23333333, 8);
    expect(g[2]).toBeCloseTo(0.36666667, 8);
    expect(g[3]).toBe(0.5);
    expect(Array.from(trackCueValues(7))).toEqual([0.1, 0.5]);
  });

  test('layout: only the middle row is open, start at the centre, goal at an end; d(start) = (N−3)/2', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, (size, seed) => {
        const set = generateMazeSet(resolveTaskOptions('track', { size }), { count: 4, seed });
        const row = (size - 1) / 2;
        for (let m = 0; m < set.count; m++) {
          const open = openCells(set, m);
          expect(open).toEqual(Array.from({ length: size - 2 }, (_, j) => row * size + 1 + j));
          expect(set.start[m]).toBe(row * size + row);
          expect([row * size + 1, row * size + size - 2]).toContain(set.goal[m]);
          expect(set.distance[m * size * size + set.start[m]]).toBe((size - 3) / 2);
          expect(set.fastestSolution[m]).toBe((size - 5) / 2);
          expect(set.dMax[m]).toBe(size - 3);
          const ref = referenceBfs(set, m);
          for (const c of open) expect(set.distance[m * size * size + c]).toBe(ref[c]);
        }
      }),
      { numRuns: 30 },
    );
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 2, seed: 1 });
    expect(set.distance[set.start[0]]).toBe(4);
    expect(set.fastestSolution[0]).toBe(3);
  });

  test('an even-sized set has exactly half its goals on each side and half led by each channel', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }).map((k) => 2 * k), seedArb, fc.constantFrom(0, 1, 2), (n, seed, gap) => {
        const set = generateMazeSet(resolveTaskOptions('track', { gap }), { count: n, seed });
        let right = 0;
        let led0 = 0;
        const combos = new Set<string>();
        for (let m = 0; m < n; m++) {
          const d = describeTrack(set, m);
          right += d.right;
          led0 += d.leading === 0 ? 1 : 0;
          combos.add(`${d.right}${d.leading}`);
        }
        expect(right).toBe(n / 2);
        expect(led0).toBe(n / 2);
        if (n >= 40) expect(combos.size).toBe(4); // side and channel are assigned independently
      }),
      { numRuns: 40 },
    );
  });

  test('cues: leading channel = G towards the goal on the goal half only, misleading channel mirror-symmetric, gap cells empty, no division by C', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, fc.nat(10), (size, seed, gapSeed) => {
        const maxGap = (size - 5) / 2;
        const gap = gapSeed % (maxGap + 1);
        const set = generateMazeSet(resolveTaskOptions('track', { size, gap }), { count: 8, seed });
        const g = trackCueValues(size);
        const row = (size - 1) / 2;
        const centre = row;
        const cell = (col: number): number => row * size + col;
        for (let m = 0; m < set.count; m++) {
          const { right, leading } = describeTrack(set, m);
          const misleading = 1 - leading;
          const goalCol = right ? size - 2 : 1;
          const gapCols = Array.from({ length: gap }, (_, j) => (right ? size - 3 - j : 2 + j));
          for (let col = 1; col <= size - 2; col++) {
            const j = Math.abs(col - centre);
            const value = j === 0 ? 0 : Math.fround(g[j - 1]);
            const onGoalHalf = right ? col > centre : col < centre;
            const inGap = gapCols.includes(col);
            expect(cueAt(set, m, cell(col), leading)).toBe(inGap || !onGoalHalf ? 0 : value);
            expect(cueAt(set, m, cell(col), misleading)).toBe(inGap ? 0 : value);
            // mirror symmetry of the misleading channel (away from the gap)
            const mirror = 2 * centre - col;
            if (!inGap && !gapCols.includes(mirror)) {
              expect(cueAt(set, m, cell(col), misleading)).toBe(cueAt(set, m, cell(mirror), misleading));
            }
          }
          expect(cueAt(set, m, cell(goalCol), leading)).toBe(0.5); // not divided by C
          for (const col of gapCols) for (let ch = 0; ch < 2; ch++) expect(cueAt(set, m, cell(col), ch)).toBe(0);
        }
      }),
      { numRuns: 40 },
    );
  });

  test('maze noise reaches open cells, is clipped at 0 from below only, and the gap stays empty', () => {
    const set = generateMazeSet(resolveTaskOptions('track', { mazeNoise: 0.5, gap: 2 }), { count: 200, seed: 4 });
    const S = set.size;
    const row = (S - 1) / 2;
    let above1 = 0;
    let zeros = 0;
    let negatives = 0;
    let wallCues = 0;
    for (let m = 0; m < set.count; m++) {
      const right = set.goal[m] === row * S + S - 2;
      const gapCols = right ? [S - 3, S - 4] : [2, 3];
      for (let c = 0; c < S * S; c++) {
        for (let ch = 0; ch < 2; ch++) {
          const v = cueAt(set, m, c, ch);
          if (v < 0) negatives++;
          if (v > 1) above1++;
          if (v === 0) zeros++;
          if (set.walls[m * S * S + c] === 1 && v !== 0) wallCues++;
        }
      }
      for (const col of gapCols) for (let ch = 0; ch < 2; ch++) expect(cueAt(set, m, row * S + col, ch)).toBe(0);
      // the centre carries no cue before noise; with noise it is positive about half the time
    }
    expect(negatives).toBe(0);
    expect(wallCues).toBe(0);
    expect(above1).toBeGreaterThan(0);
    let centrePositive = 0;
    for (let m = 0; m < set.count; m++) if (cueAt(set, m, row * S + row, 0) > 0) centrePositive++;
    expect(Math.abs(centrePositive / set.count - 0.5)).toBeLessThan(0.12);
    expect(zeros).toBeGreaterThan(0);
  });
});
