import { describe, expect, test } from 'vitest';
import { quantile } from '../src/index.js';

describe('quantile (type 7)', () => {
  test('known answers (as numpy.quantile computes them)', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([0.9, 0.1, 0.5], 0.25)).toBeCloseTo(0.3, 12);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([1, 10], 0)).toBe(1);
    expect(quantile([1, 10], 1)).toBe(10);
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });
});
