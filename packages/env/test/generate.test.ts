import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MazeSet, balancedLabels, fillMazeRange, generateMazeInto, generateMazeSet, resolveTaskOptions, type MazeKind, type TaskOptions } from '../src/index.js';
import { PrnnError, Rng } from '@prnn/core';

const kindArb = fc.constantFrom<MazeKind>('general', 'track', 'h');

function optionsFor(kind: MazeKind, noise: number): TaskOptions {
  return resolveTaskOptions(kind, kind === 'general' ? { mazeNoise: noise, wallSparsity: 0.1 } : { mazeNoise: noise });
}

/** All packed buffers of a set, as one hex string (fast to compare, readable when it differs). */
function bytesOf(set: MazeSet): string {
  return [set.walls, set.cues, set.distance, set.dMax, set.start, set.goal, set.fastestSolution, set.progress]
    .map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex'))
    .join('|');
}

describe('generateMazeSet', () => {
  test('generating a set at once equals generating it in chunks (byte-identical)', () => {
    fc.assert(
      fc.property(kindArb, fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 5 }), fc.nat(), fc.constantFrom(0, 0.2), (kind, total, chunkSizes, seed, noise) => {
        const options = optionsFor(kind, noise);
        const whole = generateMazeSet(options, { count: total, seed });
        const chunks: MazeSet[] = [];
        let offset = 0;
        for (let k = 0; offset < total; k++) {
          const count = Math.min(chunkSizes[k % chunkSizes.length], total - offset);
          chunks.push(generateMazeSet(options, { count, seed, offset, total }));
          offset += count;
        }
        expect(bytesOf(MazeSet.concat(chunks))).toEqual(bytesOf(whole));
        // the same through fillMazeRange into one preallocated set
        const filled = MazeSet.allocate(options, total);
        const mid = Math.floor(total / 2);
        fillMazeRange(filled, mid, total, seed);
        fillMazeRange(filled, 0, mid, seed);
        expect(bytesOf(filled)).toEqual(bytesOf(whole));
      }),
      { numRuns: 40 },
    );
  });

  test('a General maze i depends only on (seed, i)', () => {
    const options = optionsFor('general', 0.1);
    const small = generateMazeSet(options, { count: 5, seed: 3 });
    const large = generateMazeSet(options, { count: 12, seed: 3 });
    const prefix = MazeSet.allocate(options, 5);
    prefix.copyFrom(large, 0, 0, 5);
    expect(bytesOf(prefix)).toEqual(bytesOf(small));
    const other = generateMazeSet(options, { count: 5, seed: 4 });
    expect(bytesOf(other)).not.toEqual(bytesOf(small));
  });

  test('maze(i) is a view of the packed buffers', () => {
    const set = generateMazeSet(resolveTaskOptions('general'), { count: 3, seed: 1 });
    const view = set.maze(2);
    expect(view.walls.length).toBe(81);
    expect(view.cues.length).toBe(162);
    expect(view.start).toBe(set.start[2]);
    expect(view.dMax).toBe(set.dMax[2]);
    view.walls[0] = 7;
    expect(set.walls[2 * 81]).toBe(7);
    expect(() => set.maze(3)).toThrow(/mazeIndex must be an integer in \[0, 2\] \(got 3\)/);
  });

  test('generateMazeInto is deterministic in the rng state and draws Track sides at random', () => {
    for (const kind of ['general', 'track', 'h'] as const) {
      const options = optionsFor(kind, 0.1);
      const a = MazeSet.allocate(options, 1);
      const b = MazeSet.allocate(options, 1);
      const rngA = Rng.derive(5, 1);
      const rngB = Rng.derive(5, 1);
      for (let k = 0; k < 20; k++) {
        generateMazeInto(a, 0, rngA);
        generateMazeInto(b, 0, rngB);
        expect(bytesOf(a)).toEqual(bytesOf(b));
      }
    }
    const set = MazeSet.allocate(resolveTaskOptions('track'), 1);
    const rng = new Rng(9);
    const goals = new Set<number>();
    for (let k = 0; k < 50; k++) {
      generateMazeInto(set, 0, rng);
      goals.add(set.goal[0]);
    }
    expect(goals.size).toBe(2);
  });

  test('bad counts, offsets, totals and slots are rejected', () => {
    const options = resolveTaskOptions('track');
    expect(() => generateMazeSet(options, { count: -1, seed: 1 })).toThrow(/count must be an integer in \[0, 100000000\] \(got -1\)/);
    expect(() => generateMazeSet(options, { count: 1.5, seed: 1 })).toThrow(PrnnError);
    expect(() => generateMazeSet(options, { count: 4, seed: 1, offset: 2, total: 5 })).toThrow(/total must be an integer in \[6,/);
    expect(() => generateMazeSet(options, { count: 4, seed: 1.5 })).toThrow(/seed and stream ids must be finite integers/);
    const set = MazeSet.allocate(options, 2);
    expect(() => generateMazeInto(set, 2, new Rng(1))).toThrow(/mazeIndex must be an integer in \[0, 1\] \(got 2\)/);
    expect(() => fillMazeRange(set, 1, 3, 0)).toThrow(/slot range/);
    expect(() => MazeSet.allocate(options, -2)).toThrow(/count must be an integer/);
    expect(() => MazeSet.concat([])).toThrow(PrnnError);
    expect(() => MazeSet.concat([set, MazeSet.allocate(resolveTaskOptions('track', { gap: 2 }), 1)])).toThrow(/identical task options/);
  });

  test('balancedLabels uses every category ⌊n/k⌋ or ⌈n/k⌉ times, in a seeded order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 6 }), fc.nat(), (n, k, seed) => {
        const labels = balancedLabels(n, k, new Rng(seed));
        const counts = new Array<number>(k).fill(0);
        for (const l of labels) counts[l]++;
        for (const c of counts) expect(c === Math.floor(n / k) || c === Math.ceil(n / k)).toBe(true);
        expect(Array.from(balancedLabels(n, k, new Rng(seed)))).toEqual(Array.from(labels));
      }),
      { numRuns: 100 },
    );
  });

  test('copyFrom checks shapes and bounds', () => {
    const a = generateMazeSet(resolveTaskOptions('general'), { count: 2, seed: 1 });
    const b = MazeSet.allocate(resolveTaskOptions('general', { size: 7 }), 2);
    expect(() => b.copyFrom(a, 0, 0)).toThrow(/copyFrom needs sets of equal size and channels/);
    const c = MazeSet.allocate(a.options, 2);
    expect(() => c.copyFrom(a, 1, 0, 2)).toThrow(/copyFrom range out of bounds/);
    c.copyFrom(a, 1, 0);
    expect(c.start[0]).toBe(a.start[1]);
    expect(Array.from(c.maze(0).cues)).toEqual(Array.from(a.maze(1).cues));
  });

  test('an empty set is allowed', () => {
    const set = generateMazeSet(resolveTaskOptions('general'), { count: 0, seed: 1 });
    expect(set.count).toBe(0);
    expect(set.walls.length).toBe(0);
  });
});
