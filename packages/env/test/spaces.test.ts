import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Box, Discrete } from '../src/index.js';
import { PrnnError, Rng } from '@prnn/core';

describe('spaces', () => {
  test('Box samples lie in the box and have its shape', () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), fc.integer({ min: 0, max: 12 }), fc.nat(), (low, width, n, seed) => {
        const box = new Box(low, low + width, [n]);
        const x = box.sample(new Rng(seed));
        expect(x.length).toBe(n);
        expect(box.contains(x)).toBe(true);
      }),
      { numRuns: 100 },
    );
    const half = new Box(0, Infinity, [3]);
    expect(half.contains(half.sample(new Rng(1)))).toBe(true);
    const all = new Box(-Infinity, Infinity, [2, 2]);
    expect(all.size).toBe(4);
    expect(all.contains(all.sample(new Rng(1)))).toBe(true);
  });

  test('Box.contains rejects wrong length, out-of-range values, NaN and non-arrays', () => {
    const box = new Box(0, 1, [2]);
    expect(box.contains([0, 1])).toBe(true);
    expect(box.contains([0, 1.5])).toBe(false);
    expect(box.contains([0])).toBe(false);
    expect(box.contains([0, Number.NaN])).toBe(false);
    expect(box.contains('ab')).toBe(false);
    expect(() => new Box(1, 0, [2])).toThrow(PrnnError);
    expect(() => new Box(0, 1, [-1])).toThrow(/Box shape must be non-negative integers/);
  });

  test('Discrete samples every value in range and only those', () => {
    const space = new Discrete(5);
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const a = space.sample(rng);
      expect(space.contains(a)).toBe(true);
      seen.add(a);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(space.contains(5)).toBe(false);
    expect(space.contains(-1)).toBe(false);
    expect(space.contains(1.5)).toBe(false);
    expect(new Discrete(2, 3).contains(4)).toBe(true);
    expect(() => new Discrete(0)).toThrow(/Discrete n must be an integer ≥ 1 \(got 0\)/);
  });
});
