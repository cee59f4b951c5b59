import { describe, expect, it } from 'vitest';
import { Rng } from '@prnn/env';
import { benjaminiHochberg, compareToReference, crossValidatedForest, mannWhitneyU, sampleEfficiency, sampleEfficiencyThreshold, summarize } from '../src/index.js';

function sample(seed: number, n: number, shift: number): number[] {
  const rng = Rng.derive(seed, 1);
  return Array.from({ length: n }, () => rng.normal() + shift);
}

describe('compareToReference', () => {
  it('flags groups that are significantly higher / lower than the reference after BH', () => {
    const groups = new Map([
      ['fc', sample(1, 30, 0)],
      ['up', sample(2, 30, 3)],
      ['same', sample(3, 30, 0)],
      ['down', sample(4, 30, -3)],
      ['empty', [Number.NaN]],
    ]);
    const rows = compareToReference(groups, 'fc');
    const by = Object.fromEntries(rows.map((r) => [r.group, r]));
    expect(by.fc.significance).toBe('reference');
    expect(by.up.significance).toBe('higher');
    expect(by.down.significance).toBe('lower');
    expect(by.same.significance).toBe('n.s.');
    expect(by.empty.significance).toBe('n/a');
    // the adjusted p-values are BH over the three tested groups of the one-sided tests
    const raw = ['up', 'same', 'down'].map((g) => mannWhitneyU(groups.get(g)!, groups.get('fc')!, 'greater').p);
    expect(['up', 'same', 'down'].map((g) => by[g].pHigher)).toEqual(benjaminiHochberg(raw));
    expect(by.up.n).toBe(30);
    expect(by.up.median).toBeCloseTo(summarize(groups.get('up')!).median, 12);
  });

  it('names a missing reference', () => {
    expect(() => compareToReference(new Map([['a', [1]]]), 'fc')).toThrow(/reference group "fc"/);
  });
});

describe('summary statistics', () => {
  it('quartiles by linear interpolation (numpy default)', () => {
    expect(summarize([4, 1, 3, 2, Number.NaN])).toEqual({ median: 2.5, q1: 1.75, q3: 3.25, n: 4 });
  });
});

describe('sample efficiency (SPEC §4)', () => {
  it('100 − first index reaching θ when at least two points reach it, else 0', () => {
    const curve = Array.from({ length: 100 }, (_, k) => (k >= 30 ? 0.9 : 0.2));
    expect(sampleEfficiency(curve, 0.85)).toBe(70);
    const once = Array.from({ length: 100 }, (_, k) => (k === 50 ? 0.9 : 0.2));
    expect(sampleEfficiency(once, 0.85)).toBe(0);
    expect(sampleEfficiencyThreshold([0.5, 0.9, 1.0])).toBeCloseTo(0.81, 12);
  });
});

describe('crossValidatedForest', () => {
  it('beats the mean baseline on a learnable target; baseline has the leave-one-out closed form', () => {
    const rng = Rng.derive(5, 1);
    const X = Array.from({ length: 60 }, () => [rng.float(), rng.float()]);
    const y = X.map(([a, b]) => 3 * a + (b > 0.5 ? 1 : 0));
    const r = crossValidatedForest(X, y, { folds: 10, trees: 20, seed: 3 });
    expect(r.rmse).toBeLessThan(0.5 * r.baselineRmse);
    expect(crossValidatedForest(X, y, { folds: 10, trees: 20, seed: 3 }).predictions).toEqual(r.predictions);
    // leave-one-out: the baseline error of sample i is n/(n−1)·(y_i − ȳ)
    const n = y.length;
    const mean = y.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    const loo = crossValidatedForest(X, y, { folds: n, trees: 5, seed: 1 });
    expect(loo.baselineRmse).toBeCloseTo((n / (n - 1)) * sd, 10);
  });

  it('rejects bad input', () => {
    expect(() => crossValidatedForest([[1]], [1])).toThrow(/at least 2 samples/);
    expect(() => crossValidatedForest([[1], [Number.NaN]], [1, 2])).toThrow(/finite numbers/);
  });
});
