import { describe, expect, test } from 'vitest';
import { median, quantile, quantileSorted } from '../src/index.js';

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

describe('median and quantileSorted', () => {
  test('known answers: the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median(new Float64Array([0.5]))).toBe(0.5);
    expect(median([])).toBeNaN();
    const values = [5, 1, 4];
    median(values);
    expect(values).toEqual([5, 1, 4]);
  });

  test('quantileSorted reads sorted values as quantile does (numpy type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted(new Float64Array([10, 20]), 0.5)).toBe(15);
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(() => quantileSorted([1], -0.1)).toThrow(RangeError);
  });
});
