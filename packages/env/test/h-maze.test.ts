import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { generateHMaze, generateMazeInto, generateMazeSet, hCueValues, hMazeCorner, MazeSet, mazeSetStats, renderAscii, renderSvg, resolveTaskOptions } from '../src/index.js';
import { Rng } from '@prnn/core';
import { cueAt, openCells, referenceBfs, shortestPathAction } from './helpers.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
const sizeArb = fc.constantFrom(7, 9, 11, 13);

/*
 * Known answers, laid out by hand from docs/spec.md §1.2's steps for N = 9 (r = 4, m = 3,
 * V = 0.1, 0.18, 0.26, 0.34, 0.42, 0.5; Gh = V1…V3, Gv = V4…V6). One string per row, one character per
 * cell: '#' wall, '.' open without cue, k = V_k.
 */
const V9 = [0.1, 0.18, 0.26, 0.34, 0.42, 0.5];

interface HandMaze {
  name: string;
  corner: number;
  rowChannel: number;
  orientation: number;
  gap: number;
  goal: [number, number];
  channel0: string[];
  channel1: string[];
}

const HAND_MAZES: HandMaze[] = [
  {
    // goal top-right (1,7): c* = 7, c° = 1; A = channel 1, B = channel 0; gap row 2 of column 7
    name: 'upright, goal top-right, A = 1, gap 1',
    corner: 1, rowChannel: 1, orientation: 0, gap: 1, goal: [1, 7],
    channel0: [
      '#########',
      '#.#####6#',
      '#.#####.#',
      '#.#####4#',
      '#321.123#',
      '#4#####.#',
      '#5#####.#',
      '#6#####.#',
      '#########',
    ],
    channel1: [
      '#########',
      '#6#####6#',
      '#5#####.#',
      '#4#####4#',
      '#....123#',
      '#4#####4#',
      '#5#####5#',
      '#6#####6#',
      '#########',
    ],
  },
  {
    // the same maze rotated by 180° and transposed: cell (R, C) = upright (8 − C, 8 − R)
    name: 'on its side, goal top-right, A = 1, gap 1',
    corner: 1, rowChannel: 1, orientation: 1, gap: 1, goal: [1, 7],
    channel0: [
      '#########',
      '#...34.6#',
      '####2####',
      '####1####',
      '####.####',
      '####1####',
      '####2####',
      '#6543...#',
      '#########',
    ],
    channel1: [
      '#########',
      '#65434.6#',
      '####2####',
      '####1####',
      '####.####',
      '####.####',
      '####.####',
      '#654.456#',
      '#########',
    ],
  },
  {
    // goal bottom-right (7,7), A = channel 0, gap rows 5–6 of column 7, transposed
    name: 'on its side, goal bottom-right, A = 0, gap 2',
    corner: 3, rowChannel: 0, orientation: 1, gap: 2, goal: [7, 7],
    channel0: [
      '#########',
      '#654.456#',
      '####.####',
      '####.####',
      '####.####',
      '####1####',
      '####2####',
      '#6543..6#',
      '#########',
    ],
    channel1: [
      '#########',
      '#6543...#',
      '####2####',
      '####1####',
      '####.####',
      '####1####',
      '####2####',
      '#...3..6#',
      '#########',
    ],
  },
];

function decode(rows: string[], r: number, c: number): number | 'wall' {
  const ch = rows[r][c];
  if (ch === '#') return 'wall';
  return ch === '.' ? 0 : V9[Number(ch) - 1];
}

/** The crossbar of maze m: 'row' when the middle row is open from side to side (upright), else 'column'. */
function crossbar(set: MazeSet, m: number): 'row' | 'column' {
  const S = set.size;
  const mid = (S - 1) / 2;
  for (let c = 1; c < S - 1; c++) if (set.walls[m * S * S + mid * S + c] === 1) return 'column';
  return 'row';
}

/** Row and column of a cell index. */
function rc(S: number, cell: number): [number, number] {
  return [Math.floor(cell / S), cell % S];
}

/** Cells of the path that the shortest-path action rule walks from the start to the goal (start and goal included). */
function pathCells(set: MazeSet, m: number): number[] {
  const S = set.size;
  const offsets = [-1, 1, -S, S];
  const cells = [set.start[m]];
  while (cells[cells.length - 1] !== set.goal[m]) cells.push(cells[cells.length - 1] + offsets[shortestPathAction(set, m, cells[cells.length - 1])]);
  return cells;
}

/** The row channel A of a noise-free maze: silent on the half of the crossbar away from the goal, where B is not. */
function rowChannelOf(set: MazeSet, m: number): number {
  const S = set.size;
  const mid = (S - 1) / 2;
  const [gr, gc] = rc(S, set.goal[m]);
  const far = crossbar(set, m) === 'row' ? mid * S + (gc > mid ? mid - 1 : mid + 1) : (gr > mid ? mid - 1 : mid + 1) * S + mid;
  const silent = [0, 1].filter((ch) => cueAt(set, m, far, ch) === 0);
  expect(silent).toHaveLength(1);
  return silent[0];
}

describe('H maze, the authors\' layout (docs/spec.md §1.2)', () => {
  test('V: N − 3 evenly spaced values from 0.1 to 0.5 (docs/spec.md: N = 11 gives Gh 0.1 … 0.271, Gv 0.329 … 0.5)', () => {
    const v = Array.from(hCueValues(11));
    expect(v).toHaveLength(8);
    const spec = [0.1, 0.157, 0.214, 0.271, 0.329, 0.386, 0.443, 0.5];
    v.forEach((x, i) => expect(x).toBeCloseTo(spec[i], 3));
    expect(v[7]).toBe(0.5);
    Array.from(hCueValues(9)).forEach((x, i) => expect(x).toBeCloseTo(V9[i], 12));
  });

  test.each(HAND_MAZES)('known answer, laid out by hand from the steps: $name', (hand) => {
    const set = MazeSet.allocate(resolveTaskOptions('h', { size: 9, gap: hand.gap }), 2);
    // slot 1, after something else was generated into slot 0 and into slot 1 (stale contents must go)
    generateHMaze(set, 0, new Rng(1), 0, 0, 0);
    generateHMaze(set, 1, new Rng(1), 3 - hand.corner, 1 - hand.rowChannel, 1 - hand.orientation);
    generateHMaze(set, 1, new Rng(1), hand.corner, hand.rowChannel, hand.orientation);
    for (let r = 0; r < 9; r++) {
      for (let c = 0; c < 9; c++) {
        const cell = r * 9 + c;
        const [want0, want1] = [decode(hand.channel0, r, c), decode(hand.channel1, r, c)];
        expect(want0 === 'wall').toBe(want1 === 'wall'); // the two hand grids agree on the walls
        expect(set.walls[81 + cell], `wall at (${r},${c})`).toBe(want0 === 'wall' ? 1 : 0);
        expect(cueAt(set, 1, cell, 0), `channel 0 at (${r},${c})`).toBeCloseTo(want0 === 'wall' ? 0 : want0, 6);
        expect(cueAt(set, 1, cell, 1), `channel 1 at (${r},${c})`).toBeCloseTo(want1 === 'wall' ? 0 : want1, 6);
      }
    }
    expect(set.start[1]).toBe(4 * 9 + 4);
    expect(set.goal[1]).toBe(hand.goal[0] * 9 + hand.goal[1]);
    expect(set.fastestSolution[1]).toBe(5); // d(start) = 6: 3 along the crossbar, 3 along the side
    expect(set.dMax[1]).toBe(12);
    const ref = referenceBfs(set, 1);
    for (const c of openCells(set, 1)) expect(set.distance[81 + c]).toBe(ref[c]);
  });

  test('docs/spec.md: N = 11 figures: fs 7, dMax 16, 25 open cells, in both orientations and every corner', () => {
    const set = generateMazeSet(resolveTaskOptions('h'), { count: 16, seed: 3 });
    for (let m = 0; m < set.count; m++) {
      expect(set.fastestSolution[m]).toBe(7);
      expect(set.dMax[m]).toBe(16);
      expect(openCells(set, m)).toHaveLength(25);
    }
    // channel 0 over the open cells, counted by hand (V_k = 0.1 + (k − 1)·0.4/7, ΣGh = V1+…+V4, ΣGv = V5+…+V8):
    // as row channel A it carries 4·ΣGv (both side columns) + ΣGh (goal's half of the crossbar) − V7 (gap),
    // 6 of 25 cells without cue; as column channel B 2·ΣGh + 2·ΣGv − V7, 10 without. A set is half each.
    const v = (k: number): number => 0.1 + ((k - 1) * 0.4) / 7;
    const sumGh = v(1) + v(2) + v(3) + v(4);
    const sumGv = v(5) + v(6) + v(7) + v(8);
    const stats = mazeSetStats(set);
    expect(stats.cue.mean).toBeCloseTo((4 * sumGv + sumGh - v(7) + 2 * sumGh + 2 * sumGv - v(7)) / 50, 6);
    expect(stats.cue.zeroShare).toBe((6 + 10) / 50);
    expect(stats.cue.max).toBe(0.5);
  });

  test('layout: an H, upright or on its side; start at the centre; the goal is the corner cell, a dead end', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, (size, seed) => {
        const set = generateMazeSet(resolveTaskOptions('h', { size }), { count: 8, seed });
        const mid = (size - 1) / 2;
        const upright: number[] = [];
        const onSide: number[] = [];
        for (let r = 1; r < size - 1; r++) {
          for (let c = 1; c < size - 1; c++) {
            if (r === mid || c === 1 || c === size - 2) upright.push(r * size + c);
            if (c === mid || r === 1 || r === size - 2) onSide.push(r * size + c);
          }
        }
        onSide.sort((x, y) => x - y);
        const corners = [0, 1, 2, 3].map((k) => hMazeCorner(size, k));
        expect(corners).toEqual([size + 1, 2 * size - 2, (size - 2) * size + 1, (size - 2) * size + size - 2]);
        for (let m = 0; m < set.count; m++) {
          expect(openCells(set, m)).toEqual(crossbar(set, m) === 'row' ? upright : onSide);
          expect(set.start[m]).toBe(mid * size + mid);
          expect(corners).toContain(set.goal[m]);
          const g = set.goal[m];
          const openNeighbours = [g - 1, g + 1, g - size, g + size].filter((n) => set.walls[m * size * size + n] === 0);
          expect(openNeighbours).toHaveLength(1);
          expect(set.fastestSolution[m]).toBe(size - 4);
          expect(set.dMax[m]).toBe(2 * (size - 3));
          const ref = referenceBfs(set, m);
          for (const c of openCells(set, m)) expect(set.distance[m * size * size + c]).toBe(ref[c]);
        }
      }),
      { numRuns: 20 },
    );
  });

  test('a set of 4k mazes is balanced: a quarter of the goals in each corner, half the row channels on each channel, half on their side', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }).map((k) => 4 * k), seedArb, (n, seed) => {
        const set = generateMazeSet(resolveTaskOptions('h'), { count: n, seed });
        const perCorner = [0, 0, 0, 0];
        let rowChannel0 = 0;
        let turned = 0;
        for (let m = 0; m < n; m++) {
          const corner = [0, 1, 2, 3].findIndex((k) => hMazeCorner(set.size, k) === set.goal[m]);
          perCorner[corner]++;
          const a = rowChannelOf(set, m);
          const side = crossbar(set, m) === 'column' ? 1 : 0;
          if (a === 0) rowChannel0++;
          turned += side;
        }
        expect(perCorner).toEqual([n / 4, n / 4, n / 4, n / 4]);
        expect(rowChannel0).toBe(n / 2);
        expect(turned).toBe(n / 2);
      }),
      { numRuns: 25 },
    );
    // the three labels are assigned independently: every combination occurs in a large set
    const set = generateMazeSet(resolveTaskOptions('h'), { count: 800, seed: 12 });
    const combos = new Set<string>();
    for (let m = 0; m < set.count; m++) combos.add(`${set.goal[m]} ${rowChannelOf(set, m)} ${crossbar(set, m)}`);
    expect(combos.size).toBe(16);
  });

  test('along the path from the start the leading channel (A on the crossbar, B on the side) rises to 0.5 at the goal; each wrong branch is silent in it', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, fc.nat(5), (size, seed, gapSeed) => {
        const gap = gapSeed % ((size - 5) / 2 + 1);
        const set = generateMazeSet(resolveTaskOptions('h', { size, gap }), { count: 8, seed });
        const S = size;
        const mid = (S - 1) / 2;
        for (let m = 0; m < set.count; m++) {
          const a = rowChannelOf(set, m);
          const b = 1 - a;
          const path = pathCells(set, m);
          expect(path).toHaveLength(S - 2); // d(start) = N − 3 moves
          const onCrossbar = (cell: number): boolean => {
            const [r, c] = rc(S, cell);
            return crossbar(set, m) === 'row' ? r === mid : c === mid;
          };
          let last = 0;
          const gapCells: number[] = [];
          for (const cell of path.slice(1)) {
            const leading = onCrossbar(cell) ? a : b;
            const value = cueAt(set, m, cell, leading);
            if (value === 0) {
              gapCells.push(cell);
              continue;
            }
            expect(value).toBeGreaterThan(last);
            last = value;
          }
          expect(cueAt(set, m, set.goal[m], b)).toBe(0.5);
          expect(gapCells).toEqual(path.slice(path.length - 1 - gap, path.length - 1));
          // the wrong branches: the far half of the crossbar (silent in A) and the part of the goal's side
          // beyond the junction (silent in B); the other leading channel is not silent there
          const [gr, gc] = rc(S, set.goal[m]);
          const upright = crossbar(set, m) === 'row';
          const goalAlong = upright ? gc : gr; // where the goal's side meets the crossbar, along the crossbar
          const goalAcross = upright ? gr : gc;
          const at = (along: number, across: number): number => (upright ? across * S + along : along * S + across);
          for (let j = 1; j < mid; j++) {
            const farCrossbar = at(goalAlong > mid ? mid - j : mid + j, mid);
            expect(cueAt(set, m, farCrossbar, a)).toBe(0);
            expect(cueAt(set, m, farCrossbar, b)).toBeGreaterThan(0);
            const farSide = at(goalAlong, goalAcross > mid ? mid - j : mid + j);
            expect(cueAt(set, m, farSide, b)).toBe(0);
            expect(cueAt(set, m, farSide, a)).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  test('the cue-less open cells are the start and the g gap cells, which lie only in the goal\'s side, next to the goal', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, fc.nat(5), fc.constantFrom(2, 3), (size, seed, gapSeed, channels) => {
        const gap = gapSeed % ((size - 5) / 2 + 1);
        const set = generateMazeSet(resolveTaskOptions('h', { size, gap, channels }), { count: 8, seed });
        const S = size;
        for (let m = 0; m < set.count; m++) {
          const [gr, gc] = rc(S, set.goal[m]);
          const upright = crossbar(set, m) === 'row';
          // the gap: the g cells of the goal's side between the crossbar and the goal that touch the goal
          const expected = [set.start[m]];
          for (let j = 1; j <= gap; j++) {
            const towardsGoal = (goal: number): number => (goal === 1 ? 1 + j : S - 2 - j);
            expected.push(upright ? towardsGoal(gr) * S + gc : gr * S + towardsGoal(gc));
          }
          expected.sort((x, y) => x - y);
          const silent = openCells(set, m).filter((cell) => {
            for (let ch = 0; ch < channels; ch++) if (cueAt(set, m, cell, ch) !== 0) return false;
            return true;
          });
          expect(silent).toEqual(expected);
          // beyond A and B (= A + 1 mod C), further channels carry nothing
          const empty = [0, 1, 2].slice(0, channels).filter((ch) => openCells(set, m).every((cell) => cueAt(set, m, cell, ch) === 0));
          expect(empty).toHaveLength(channels - 2);
        }
      }),
      { numRuns: 30 },
    );
  });

  test('rendering shows both orientations: the ASCII picture and the SVG walls are the maze\'s own H', () => {
    const set = generateMazeSet(resolveTaskOptions('h'), { count: 8, seed: 5 });
    const S = set.size;
    const seen = new Set<string>();
    for (let m = 0; m < set.count; m++) {
      const orientation = crossbar(set, m);
      seen.add(orientation);
      const lines = renderAscii(set, m).split('\n').slice(0, S);
      // two characters per cell; the middle text line (upright) or the middle text column (on its side) is open
      const middleRow = lines[(S - 1) / 2].slice(2, 2 * S - 2);
      const middleColumn = lines.slice(1, S - 1).map((line) => line.slice(S - 1, S + 1)).join('');
      expect(middleRow.includes('#')).toBe(orientation === 'column');
      expect(middleColumn.includes('#')).toBe(orientation === 'row');
      // the whole grid (no crop), below the 24-px heading
      const svg = renderSvg(set, m, { cellSize: 10, crop: false });
      const walls = new Set([...svg.matchAll(/class="wall" x="(\d+)" y="(\d+)"/g)].map(([, x, y]) => ((Number(y) - 24) / 10) * S + Number(x) / 10));
      for (let cell = 0; cell < S * S; cell++) expect(walls.has(cell)).toBe(set.walls[m * S * S + cell] === 1);
    }
    expect([...seen].sort()).toEqual(['column', 'row']);
  });

  test('maze noise reaches the open cells, is clipped at 0 from below only; walls and the gap stay empty', () => {
    const set = generateMazeSet(resolveTaskOptions('h', { mazeNoise: 0.5, gap: 2 }), { count: 100, seed: 4 });
    const clean = generateMazeSet(resolveTaskOptions('h', { gap: 2 }), { count: 100, seed: 4 });
    let above1 = 0;
    for (let m = 0; m < set.count; m++) {
      expect(Array.from(set.walls.subarray(m * 121, (m + 1) * 121))).toEqual(Array.from(clean.walls.subarray(m * 121, (m + 1) * 121)));
      const path = pathCells(clean, m);
      const gapCells = path.slice(path.length - 3, path.length - 1);
      for (let c = 0; c < 121; c++) {
        for (let ch = 0; ch < 2; ch++) {
          const v = cueAt(set, m, c, ch);
          expect(v).toBeGreaterThanOrEqual(0);
          if (v > 1) above1++;
          if (set.walls[m * 121 + c] === 1 || gapCells.includes(c)) expect(v).toBe(0);
        }
      }
    }
    expect(above1).toBeGreaterThan(0);
  });

  test('training streams (generateMazeInto) draw every corner, row channel and orientation', () => {
    const set = MazeSet.allocate(resolveTaskOptions('h'), 1);
    const rng = new Rng(7);
    const combos = new Set<string>();
    for (let i = 0; i < 400; i++) {
      generateMazeInto(set, 0, rng);
      combos.add(`${set.goal[0]} ${rowChannelOf(set, 0)} ${crossbar(set, 0)}`);
      expect(set.fastestSolution[0]).toBe(7);
    }
    expect(combos.size).toBe(16);
  });
});
