import { describe, expect, test } from 'vitest';
import { PrnnError } from '@prnn/core';
import { parseNoiseSpec, trapezoidArea } from '../src/eval/noise-spec.js';

describe('parseNoiseSpec', () => {
  test('the paper’s sweep 0:0.5:21 is 0, 0.025, …, 0.5 exactly as written', () => {
    const levels = parseNoiseSpec('0:0.5:21');
    expect(levels).toHaveLength(21);
    expect(levels[0]).toBe(0);
    expect(levels[2]).toBe(0.05);
    expect(levels[3]).toBe(0.075);
    expect(levels[20]).toBe(0.5);
    for (let k = 1; k < 21; k++) expect(levels[k] - levels[k - 1]).toBeCloseTo(0.025, 12);
  });

  test('a single level and a list', () => {
    expect(parseNoiseSpec('0.05')).toEqual([0.05]);
    expect(parseNoiseSpec(' 0, 0.1 ,0.2')).toEqual([0, 0.1, 0.2]);
    expect(parseNoiseSpec('1e-2')).toEqual([0.01]);
    expect(parseNoiseSpec('0.1:0.1:1')).toEqual([0.1]);
  });

  test.each([
    ['abc', /"abc" is not a number/],
    ['0.1,x', /"x" is not a number/],
    ['', /noise must be a level/],
    ['-0.1', /noise levels must be finite numbers ≥ 0 \(got "-0.1": -0.1\)/],
    ['NaN', /"NaN" is not a number/],
    ['Infinity', /is not a number/],
    ['0,0.1,,0.2', /"" is not a number/],
    ['0.2,0.1', /strictly increasing \(got 0.2 then 0.1\)/],
    ['0.1,0.1', /strictly increasing/],
    ['0:0.5', /noise range must be from:to:count/],
    ['0:0.5:0', /count must be an integer from 1 to 100000/],
    ['0:0.5:2.5', /count must be an integer/],
    ['0.5:0:3', /to > from/],
    ['0:1:1', /count 1 must have from = to/],
    ['-1:0.5:3', /≥ 0/],
  ])('%j is refused', (spec, message) => {
    expect(() => parseNoiseSpec(spec)).toThrow(PrnnError);
    expect(() => parseNoiseSpec(spec)).toThrow(message);
  });
});

describe('trapezoidArea', () => {
  test('area under a piecewise-linear curve; undefined levels are skipped', () => {
    expect(trapezoidArea([0, 0.5], [1, 1])).toBeCloseTo(0.5, 12);
    expect(trapezoidArea([0, 0.25, 0.5], [1, 0.5, 0])).toBeCloseTo(0.25, 12);
    expect(trapezoidArea([0, 0.25, 0.5], [1, Number.NaN, 0])).toBeCloseTo(0.25, 12);
  });
});
