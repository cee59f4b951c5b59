/*
 * The fast maze generators against plain oracles: a General maze written the straightforward way from docs/spec.md
 * §1.1 (one rng.int per walk step, a queue BFS with bounds checks, a division per cell), and the Track/H
 * mazes built cell by cell (buildTrackMaze / buildHMaze) that the prebuilt layouts replace. Every array and
 * the Rng state afterwards must agree exactly.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MazeSet, buildHMaze, buildTrackMaze, generateGeneralMaze, generateHMaze, generateTrackMaze, resolveTaskOptions, type TaskOptions } from '../src/index.js';
import { Rng } from '@prnn/core';

/** docs/spec.md §1.1, step by step, into slot `slot` (the order of draws the generator documents). */
function oracleGeneralMaze(set: MazeSet, slot: number, rng: Rng): void {
  const { size: S, channels: C, wallSparsity, mazeNoise, cueSparsity, compat } = set.options;
  const cells = S * S;
  const base = slot * cells;
  const wall = (r: number, c: number) => set.walls[base + r * S + c];
  const setWall = (r: number, c: number, v: number) => (set.walls[base + r * S + c] = v);
  for (let i = 0; i < cells; i++) set.walls[base + i] = 1;
  const k = (S - 1) / 2;
  const visited = new Set<number>();
  let room = rng.int(k * k);
  visited.add(room);
  setWall(2 * Math.floor(room / k) + 1, 2 * (room % k) + 1, 0);
  while (visited.size < k * k) {
    const a = Math.floor(room / k);
    const b = room % k;
    const options: number[] = [];
    if (b > 0) options.push(room - 1);
    if (b < k - 1) options.push(room + 1);
    if (a > 0) options.push(room - k);
    if (a < k - 1) options.push(room + k);
    const next = options[rng.int(options.length)];
    if (!visited.has(next)) {
      visited.add(next);
      const na = Math.floor(next / k);
      const nb = next % k;
      setWall(a + na + 1, b + nb + 1, 0); // the cell between (2a+1, 2b+1) and (2na+1, 2nb+1)
      if (visited.size < k * k || compat !== 'reference') setWall(2 * na + 1, 2 * nb + 1, 0);
    }
    room = next;
  }
  for (let r = 1; r < S - 1; r++) for (let c = 1; c < S - 1; c++) if (wallSparsity > 0 && wall(r, c) === 1 && rng.float() < wallSparsity) setWall(r, c, 0);
  const corners = [S + 1, 2 * S - 2, (S - 2) * S + 1, (S - 2) * S + S - 2].filter((cell) => set.walls[base + cell] === 0);
  const startIndex = rng.int(corners.length);
  const others = corners.filter((_, i) => i !== startIndex);
  set.start[slot] = corners[startIndex];
  set.goal[slot] = others[rng.int(others.length)];
  // distances by BFS with bounds checks
  const distance = new Array<number>(cells).fill(-1);
  distance[set.goal[slot]] = 0;
  const queue = [set.goal[slot]];
  for (let h = 0; h < queue.length; h++) {
    const cell = queue[h];
    const r = Math.floor(cell / S);
    const c = cell % S;
    for (const [dr, dc] of [[0, -1], [0, 1], [-1, 0], [1, 0]]) {
      const nr = r + dr;
      const nc = c + dc;
      if (nr < 0 || nc < 0 || nr >= S || nc >= S || wall(nr, nc) === 1 || distance[nr * S + nc] >= 0) continue;
      distance[nr * S + nc] = distance[cell] + 1;
      queue.push(nr * S + nc);
    }
  }
  const dMax = Math.max(...distance);
  set.dMax[slot] = dMax;
  set.fastestSolution[slot] = distance[set.start[slot]] - 1;
  for (let cell = 0; cell < cells; cell++) {
    const open = wall(Math.floor(cell / S), cell % S) === 0;
    set.distance[base + cell] = open ? distance[cell] : 0;
    const p = open && distance[cell] >= 0 ? (dMax - distance[cell]) / dMax : 0;
    set.progress[base + cell] = p;
    for (let ch = 0; ch < C; ch++) set.cues[(base + cell) * C + ch] = p / C;
  }
  if (mazeNoise > 0) {
    for (let cell = 0; cell < cells; cell++) {
      if (set.walls[base + cell] === 1) continue;
      for (let ch = 0; ch < C; ch++) {
        const v = set.cues[(base + cell) * C + ch] + mazeNoise * rng.normal();
        set.cues[(base + cell) * C + ch] = Math.min(1, Math.max(0, v));
      }
    }
  }
  for (let cell = 0; cell < cells; cell++) {
    if (cueSparsity > 0 && set.walls[base + cell] === 0 && rng.float() < cueSparsity) {
      for (let ch = 0; ch < C; ch++) set.cues[(base + cell) * C + ch] = 0;
    }
  }
}

function expectSameSlot(a: MazeSet, b: MazeSet, slot: number): void {
  const cells = a.cellCount;
  const C = a.channels;
  const range = <T extends { subarray(s: number, e: number): T }>(x: T, per = 1) => x.subarray(slot * cells * per, (slot + 1) * cells * per);
  expect(range(a.walls)).toEqual(range(b.walls));
  expect(range(a.cues, C)).toEqual(range(b.cues, C));
  expect(range(a.distance)).toEqual(range(b.distance));
  expect(range(a.progress)).toEqual(range(b.progress));
  expect([a.start[slot], a.goal[slot], a.dMax[slot], a.fastestSolution[slot]]).toEqual([b.start[slot], b.goal[slot], b.dMax[slot], b.fastestSolution[slot]]);
}

/** A state whose second word is 0 (s1 = s0 ⊕ s2 makes xoshiro128**'s next s1 zero): the walk's first step draws x = 0. */
function secondWordZero(s0: number, s2: number, s3: number): Rng {
  return Rng.fromState([s0 >>> 0, (s0 ^ s2) >>> 0, s2 >>> 0, s3 >>> 0]);
}

describe('General generator = the oracle written from docs/spec.md', () => {
  const generalOptions = fc.record({
    size: fc.constantFrom(5, 7, 9, 11, 15, 35, 37),
    channels: fc.integer({ min: 1, max: 3 }),
    cueSparsity: fc.constantFrom(0, 0.1, 0.6),
    wallSparsity: fc.constantFrom(0, 0, 0.05, 0.4),
    mazeNoise: fc.constantFrom(0, 0, 0.1),
    compat: fc.constantFrom('none' as const, 'reference' as const),
  });

  test('every array and the Rng state agree, over sizes (with and without the walk table), channels and options', () => {
    fc.assert(
      fc.property(generalOptions, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (partial, seed) => {
        const options = resolveTaskOptions('general', partial);
        const fast = MazeSet.allocate(options, 3);
        const slow = MazeSet.allocate(options, 3);
        const a = Rng.derive(seed, 5);
        const b = a.clone();
        for (let m = 0; m < 4; m++) {
          generateGeneralMaze(fast, m % 3, a);
          oracleGeneralMaze(slow, m % 3, b);
          expectSameSlot(fast, slow, m % 3);
          expect(a.state()).toEqual(b.state());
        }
      }),
      { numRuns: 100 },
    );
  });

  test('a zero word at a walk step takes Lemire\'s rejection exactly as rng.int (3 neighbours draws again)', () => {
    const options = resolveTaskOptions('general', {});
    let rejected = 0;
    for (let s0 = 1; s0 < 400; s0++) {
      const a = secondWordZero(s0 * 2654435761, s0 * 40503 + 7, s0 * 97 + 3);
      const b = a.clone();
      // which room the walk starts in, and so how many neighbours the zero word meets
      const probe = a.clone();
      const k = 4;
      const room = probe.int(k * k);
      expect(probe.nextUint32()).toBe(0);
      const edge = (room % k === 0 || room % k === k - 1) !== (Math.floor(room / k) === 0 || Math.floor(room / k) === k - 1);
      if (edge) rejected++;
      const fast = MazeSet.allocate(options, 1);
      const slow = MazeSet.allocate(options, 1);
      generateGeneralMaze(fast, 0, a);
      oracleGeneralMaze(slow, 0, b);
      expectSameSlot(fast, slow, 0);
      expect(a.state()).toEqual(b.state());
    }
    expect(rejected).toBeGreaterThan(50); // rooms with 3 neighbours were among the starts
  });
});

describe('Track and H layouts = building each maze cell by cell', () => {
  const cases: { name: string; options: TaskOptions; labels: number[][] }[] = [];
  for (const partial of [{}, { gap: 0 }, { size: 15, gap: 3, channels: 3 }, { channels: 1 }, { mazeNoise: 0.3 }, { size: 13, gap: 2, mazeNoise: 0.05, channels: 3 }]) {
    const options = resolveTaskOptions('track', partial);
    const labels: number[][] = [];
    for (let side = 0; side < 2; side++) for (let ch = 0; ch < options.channels; ch++) labels.push([side, ch]);
    cases.push({ name: `track ${JSON.stringify(partial)}`, options, labels });
  }
  for (const partial of [{}, { gap: 0, size: 7 }, { size: 13, gap: 2, mazeNoise: 0.05 }, { channels: 3, mazeNoise: 0.2 }, { size: 9, channels: 4, gap: 2 }]) {
    const options = resolveTaskOptions('h', partial);
    const labels: number[][] = [];
    for (let corner = 0; corner < 4; corner++) for (let ch = 0; ch < options.channels; ch++) for (let o = 0; o < 2; o++) labels.push([corner, ch, o]);
    cases.push({ name: `h ${JSON.stringify(partial)}`, options, labels });
  }
  // too large to keep layouts (> 1 MiB): both calls build directly, which must still agree
  cases.push({ name: 'h 61, 4 channels (no layouts)', options: resolveTaskOptions('h', { size: 61, channels: 4, mazeNoise: 0.1 }), labels: [[3, 2, 1], [0, 1, 0]] });

  for (const c of cases) {
    test(c.name, () => {
      const fast = MazeSet.allocate(c.options, 2);
      const slow = MazeSet.allocate(c.options, 2);
      const a = Rng.derive(c.labels.length, 11);
      const b = a.clone();
      for (let round = 0; round < 2; round++) {
        c.labels.forEach((l, i) => {
          const slot = (i + round) % 2; // reused slots: nothing of the previous maze may survive
          if (c.options.kind === 'track') {
            generateTrackMaze(fast, slot, a, l[0], l[1]);
            buildTrackMaze(slow, slot, b, l[0], l[1]);
          } else {
            generateHMaze(fast, slot, a, l[0], l[1], l[2]);
            buildHMaze(slow, slot, b, l[0], l[1], l[2]);
          }
          expectSameSlot(fast, slow, slot);
          expect(a.state()).toEqual(b.state());
        });
      }
    });
  }
});
