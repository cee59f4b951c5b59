import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { generateMazeSet, resolveTaskOptions, type MazeSet } from '../src/index.js';
import { cueAt, openCells, referenceBfs } from './helpers.js';

const sizeArb = fc.constantFrom(5, 7, 9, 11, 13);
const seedArb = fc.integer({ min: 0, max: 2 ** 31 });

function corners(S: number): number[] {
  return [S + 1, S + S - 2, (S - 2) * S + 1, (S - 2) * S + S - 2];
}

/** Number of open 4-neighbour pairs among open cells. */
function openEdges(set: MazeSet, m: number): number {
  const S = set.size;
  let edges = 0;
  for (const c of openCells(set, m)) {
    if (set.walls[m * S * S + c + 1] === 0) edges++;
    if (set.walls[m * S * S + c + S] === 0) edges++;
  }
  return edges;
}

describe('General maze (docs/spec.md §1.1)', () => {
  test('wallSparsity 0 gives a perfect maze: open cells form a connected tree with 2k²−1 cells', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, (size, seed) => {
        const set = generateMazeSet(resolveTaskOptions('general', { size }), { count: 3, seed });
        const k = (size - 1) / 2;
        for (let m = 0; m < set.count; m++) {
          const open = openCells(set, m);
          expect(open.length).toBe(2 * k * k - 1);
          const dist = referenceBfs(set, m);
          expect(open.every((c) => dist[c] >= 0)).toBe(true); // connected
          expect(openEdges(set, m)).toBe(open.length - 1); // a tree
          // every room is open
          for (let a = 1; a < size; a += 2) for (let b = 1; b < size; b += 2) expect(set.walls[m * size * size + a * size + b]).toBe(0);
          // cells with both coordinates even are never opened without wall sparsity
          for (let a = 0; a < size; a += 2) for (let b = 0; b < size; b += 2) expect(set.walls[m * size * size + a * size + b]).toBe(1);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('compat "reference": one room stays a wall, 2k²−2 open cells, still connected and a tree', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, (size, seed) => {
        const set = generateMazeSet(resolveTaskOptions('general', { size, compat: 'reference' }), { count: 3, seed });
        const k = (size - 1) / 2;
        for (let m = 0; m < set.count; m++) {
          const open = openCells(set, m);
          expect(open.length).toBe(2 * k * k - 2);
          let closedRooms = 0;
          for (let a = 1; a < size; a += 2) for (let b = 1; b < size; b += 2) closedRooms += set.walls[m * size * size + a * size + b];
          expect(closedRooms).toBe(1);
          const dist = referenceBfs(set, m);
          expect(open.every((c) => dist[c] >= 0)).toBe(true);
          expect(openEdges(set, m)).toBe(open.length - 1);
        }
      }),
      { numRuns: 40 },
    );
  });

  test('start ≠ goal, both open corner rooms; the outer ring is wall', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, fc.constantFrom('none', 'reference'), fc.double({ min: 0, max: 1, noNaN: true }), (size, seed, compat, w) => {
        const set = generateMazeSet(resolveTaskOptions('general', { size, compat, wallSparsity: w }), { count: 4, seed });
        const S2 = size * size;
        for (let m = 0; m < set.count; m++) {
          expect(set.start[m]).not.toBe(set.goal[m]);
          expect(corners(size)).toContain(set.start[m]);
          expect(corners(size)).toContain(set.goal[m]);
          expect(set.walls[m * S2 + set.start[m]]).toBe(0);
          expect(set.walls[m * S2 + set.goal[m]]).toBe(0);
          for (let i = 0; i < size; i++) {
            for (const cell of [i, (size - 1) * size + i, i * size, i * size + size - 1]) expect(set.walls[m * S2 + cell]).toBe(1);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  test('start and goal are spread over all ordered corner pairs', () => {
    const set = generateMazeSet(resolveTaskOptions('general'), { count: 1200, seed: 5 });
    const pairs = new Map<string, number>();
    for (let m = 0; m < set.count; m++) {
      const key = `${set.start[m]}-${set.goal[m]}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    expect(pairs.size).toBe(12);
    for (const n of pairs.values()) expect(n).toBeGreaterThan(60); // 100 expected each
  });

  test('the distance map equals an independent BFS; d(start) = fs + 1; dMax and progress follow', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, fc.double({ min: 0, max: 0.6, noNaN: true }), fc.constantFrom('none', 'reference'), (size, seed, w, compat) => {
        const set = generateMazeSet(resolveTaskOptions('general', { size, wallSparsity: w, compat }), { count: 3, seed });
        const S2 = size * size;
        for (let m = 0; m < set.count; m++) {
          const ref = referenceBfs(set, m);
          let dMax = 0;
          for (let c = 0; c < S2; c++) {
            const expected = set.walls[m * S2 + c] === 1 ? 0 : ref[c];
            expect(set.distance[m * S2 + c]).toBe(expected);
            dMax = Math.max(dMax, expected);
          }
          expect(set.dMax[m]).toBe(dMax);
          expect(set.distance[m * S2 + set.start[m]]).toBe(set.fastestSolution[m] + 1);
          expect(set.distance[m * S2 + set.goal[m]]).toBe(0);
          for (let c = 0; c < S2; c++) {
            // open cells that wall sparsity cut off from the goal (ref −1) make no progress: p = 0
            const p = set.walls[m * S2 + c] === 1 || ref[c] < 0 ? 0 : (dMax - ref[c]) / dMax;
            expect(set.progress[m * S2 + c]).toBe(Math.fround(p));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  test('before noise and sparsity every open cell carries p(x)/C on every channel, walls 0', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, fc.integer({ min: 1, max: 4 }), (size, seed, channels) => {
        const set = generateMazeSet(resolveTaskOptions('general', { size, channels, cueSparsity: 0 }), { count: 2, seed });
        const S2 = size * size;
        for (let m = 0; m < set.count; m++) {
          for (let c = 0; c < S2; c++) {
            const wall = set.walls[m * S2 + c] === 1;
            const p = wall ? 0 : (set.dMax[m] - set.distance[m * S2 + c]) / set.dMax[m];
            for (let ch = 0; ch < channels; ch++) expect(cueAt(set, m, c, ch)).toBe(Math.fround(p / channels));
          }
          expect(cueAt(set, m, set.goal[m], 0)).toBe(Math.fround(1 / channels));
        }
      }),
      { numRuns: 40 },
    );
  });

  test('maze noise perturbs open cells only and clips cues to [0, 1]', () => {
    fc.assert(
      fc.property(seedArb, fc.double({ min: 0.01, max: 2, noNaN: true }), (seed, sigma) => {
        const set = generateMazeSet(resolveTaskOptions('general', { mazeNoise: sigma, cueSparsity: 0 }), { count: 3, seed });
        const S2 = set.cellCount;
        let changed = 0;
        for (let m = 0; m < set.count; m++) {
          for (let c = 0; c < S2; c++) {
            for (let ch = 0; ch < 2; ch++) {
              const v = cueAt(set, m, c, ch);
              expect(v >= 0 && v <= 1).toBe(true);
              if (set.walls[m * S2 + c] === 1) expect(v).toBe(0);
              else if (v !== Math.fround(set.progress[m * S2 + c] / 2)) changed++;
            }
          }
        }
        expect(changed).toBeGreaterThan(0);
      }),
      { numRuns: 30 },
    );
  });

  test('cue sparsity zeroes all channels of a cell together, at about rate q', () => {
    const q = 0.3;
    const set = generateMazeSet(resolveTaskOptions('general', { cueSparsity: q, channels: 3 }), { count: 400, seed: 8 });
    const S2 = set.cellCount;
    let zeroed = 0;
    let candidates = 0;
    for (let m = 0; m < set.count; m++) {
      for (const c of openCells(set, m)) {
        const cues = [0, 1, 2].map((ch) => cueAt(set, m, c, ch));
        const expected = Math.fround((set.dMax[m] - set.distance[m * S2 + c]) / set.dMax[m] / 3);
        if (cues.every((v) => v === 0)) {
          if (expected !== 0) zeroed++;
        } else {
          expect(cues).toEqual([expected, expected, expected]);
        }
        if (expected !== 0) candidates++;
      }
    }
    expect(Math.abs(zeroed / candidates - q)).toBeLessThan(0.03);
  });

  test('wall sparsity opens inner walls at about rate w and never the outer ring', () => {
    const w = 0.25;
    const set = generateMazeSet(resolveTaskOptions('general', { wallSparsity: w, size: 11 }), { count: 300, seed: 2 });
    const k = 5;
    const innerCells = 9 * 9;
    const perfectOpen = 2 * k * k - 1;
    let opened = 0;
    for (let m = 0; m < set.count; m++) opened += openCells(set, m).length - perfectOpen;
    expect(Math.abs(opened / (set.count * (innerCells - perfectOpen)) - w)).toBeLessThan(0.02);
  });

  test('Aldous–Broder draws a uniform spanning tree: the 4 trees of 2×2 rooms are equally likely', () => {
    const set = generateMazeSet(resolveTaskOptions('general', { size: 5 }), { count: 4000, seed: 13 });
    const counts = new Map<string, number>();
    for (let m = 0; m < set.count; m++) {
      const key = Array.from(set.walls.subarray(m * 25, (m + 1) * 25)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(4);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(110);
  });

  test('an open cell cut off from the goal by wall sparsity has distance −1, progress 0 and cue 0 (before maze noise)', () => {
    // size 9, seed 2057165236, w ≈ 0.0615: maze 1 opens the pillar (4, 4) with four wall neighbours
    const set = generateMazeSet(resolveTaskOptions('general', { size: 9, wallSparsity: 0.06152022304013372, cueSparsity: 0 }), { count: 3, seed: 2057165236 });
    const base = 81;
    const cell = 4 * 9 + 4;
    expect(set.walls[base + cell]).toBe(0);
    for (const n of [cell - 1, cell + 1, cell - 9, cell + 9]) expect(set.walls[base + n]).toBe(1);
    expect(set.distance[base + cell]).toBe(-1);
    expect(set.progress[base + cell]).toBe(0);
    expect(set.cues[(base + cell) * 2]).toBe(0);
    expect(set.cues[(base + cell) * 2 + 1]).toBe(0);
  });
});
