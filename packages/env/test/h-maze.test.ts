import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { generateMazeSet, hMazeCorner, resolveTaskOptions, trackCueValues } from '../src/index.js';
import { cueAt, openCells, referenceBfs } from './helpers.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
const sizeArb = fc.constantFrom(7, 9, 11, 13);

describe('H maze (our interpretation of SPEC §1.2, documented in h-maze.ts)', () => {
  test('layout: the middle row and the two side columns; start at the centre; goal in a corner; d(start) = N − 3', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, (size, seed) => {
        const set = generateMazeSet(resolveTaskOptions('h', { size }), { count: 4, seed });
        const mid = (size - 1) / 2;
        const expected = [];
        for (let r = 1; r < size - 1; r++) for (let c = 1; c < size - 1; c++) if (r === mid || c === 1 || c === size - 2) expected.push(r * size + c);
        const corners = [0, 1, 2, 3].map((k) => hMazeCorner(size, k));
        for (let m = 0; m < set.count; m++) {
          expect(openCells(set, m)).toEqual(expected);
          expect(set.start[m]).toBe(mid * size + mid);
          expect(corners).toContain(set.goal[m]);
          expect(set.fastestSolution[m]).toBe(size - 4);
          const ref = referenceBfs(set, m);
          for (const c of expected) expect(set.distance[m * size * size + c]).toBe(ref[c]);
        }
      }),
      { numRuns: 20 },
    );
  });

  test('a set of 4k mazes has exactly a quarter of its goals in each corner and half its row channels on each channel', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }).map((k) => 4 * k), seedArb, (n, seed) => {
        const set = generateMazeSet(resolveTaskOptions('h'), { count: n, seed });
        const S = set.size;
        const mid = (S - 1) / 2;
        const perCorner = [0, 0, 0, 0];
        let rowChannel0 = 0;
        for (let m = 0; m < n; m++) {
          perCorner[[0, 1, 2, 3].findIndex((k) => hMazeCorner(S, k) === set.goal[m])]++;
          // the row channel is 0 on the half of the row away from the goal
          const right = set.goal[m] % S === S - 2;
          const far = mid * S + (right ? mid - 1 : mid + 1);
          if (cueAt(set, m, far, 0) === 0) rowChannel0++;
        }
        expect(perCorner).toEqual([n / 4, n / 4, n / 4, n / 4]);
        expect(rowChannel0).toBe(n / 2);
      }),
      { numRuns: 25 },
    );
  });

  test('cues: row channel leads on the row, column channel leads on the columns, each symmetric elsewhere; gap empty in both columns', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, fc.nat(5), (size, seed, gapSeed) => {
        const gap = gapSeed % ((size - 5) / 2 + 1);
        const set = generateMazeSet(resolveTaskOptions('h', { size, gap }), { count: 8, seed });
        const mid = (size - 1) / 2;
        const g = trackCueValues(size).map((v) => Math.fround(v));
        const cell = (r: number, c: number): number => r * size + c;
        for (let m = 0; m < set.count; m++) {
          const right = set.goal[m] % size === size - 2;
          const down = Math.floor(set.goal[m] / size) === size - 2;
          const farRow = cell(mid, right ? mid - 1 : mid + 1);
          const rowCh = cueAt(set, m, farRow, 0) === 0 ? 0 : 1;
          const colCh = 1 - rowCh;
          for (let j = 1; j <= mid - 1; j++) {
            const goalSide = cell(mid, right ? mid + j : mid - j);
            const otherSide = cell(mid, right ? mid - j : mid + j);
            expect(cueAt(set, m, goalSide, rowCh)).toBe(g[j - 1]);
            expect(cueAt(set, m, otherSide, rowCh)).toBe(0);
            expect(cueAt(set, m, goalSide, colCh)).toBe(g[j - 1]);
            expect(cueAt(set, m, otherSide, colCh)).toBe(g[j - 1]);
            for (const col of [1, size - 2]) {
              const towards = cell(down ? mid + j : mid - j, col);
              const away = cell(down ? mid - j : mid + j, col);
              // j = m is the goal's row (m = mid − 1); the gap is the g cells just before it
              const inGap = j >= mid - 1 - gap && j < mid - 1;
              expect(cueAt(set, m, towards, colCh)).toBe(inGap ? 0 : g[j - 1]);
              expect(cueAt(set, m, towards, rowCh)).toBe(inGap ? 0 : g[j - 1]);
              expect(cueAt(set, m, away, colCh)).toBe(0);
              expect(cueAt(set, m, away, rowCh)).toBe(g[j - 1]);
            }
          }
          expect(cueAt(set, m, set.goal[m], colCh)).toBe(0.5);
          expect(cueAt(set, m, cell(mid, mid), 0)).toBe(0);
          expect(cueAt(set, m, cell(mid, mid), 1)).toBe(0);
        }
      }),
      { numRuns: 30 },
    );
  });
});
