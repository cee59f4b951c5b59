import { describe, expect, it } from 'vitest';
import { Rng } from '@prnn/core';
import {
  benjaminiHochberg,
  columnRanks,
  compareToReference,
  crossValidatedForest,
  mannWhitneyU,
  mean,
  RandomForest,
  RegressionTree,
  sampleEfficiency,
  sampleEfficiencyThreshold,
  smallestAttainableP,
  summarize,
} from '../src/index.js';

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

  it('knows when too few networks make significance unreachable', () => {
    // 4 vs 4, no ties: U = 16, σ² = 16·9/12 → z = 7.5/√12, p ≈ 0.0152 > 0.01; 5 vs 5 reaches it
    expect(smallestAttainableP(4, 4)).toBeCloseTo(0.015191410988288, 9);
    expect(smallestAttainableP(5, 5)).toBeLessThan(0.01);
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

describe('sample efficiency (docs/spec.md §4)', () => {
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

describe('RegressionTree / RandomForest', () => {
  it('a depth-1 tree takes the split a brute-force search finds (squared error, midpoint threshold)', () => {
    const rng = Rng.derive(9, 1);
    const n = 40;
    const F = 3;
    const X = new Float64Array(n * F).map(() => Math.round(rng.float() * 20) / 20);
    const y = Float64Array.from({ length: n }, (_, i) => X[i * F + 1] * 2 + rng.normal() * 0.1);
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const tree = RegressionTree.fit(X, F, y, rows, { maxDepth: 1 });
    // brute force over every feature and every midpoint between distinct values
    let best = { score: Infinity, f: -1, t: 0 };
    for (let f = 0; f < F; f++) {
      const values = [...new Set(Array.from({ length: n }, (_, i) => X[i * F + f]))].sort((a, b) => a - b);
      for (let k = 0; k + 1 < values.length; k++) {
        const t = (values[k] + values[k + 1]) / 2;
        const sides = [[], []] as number[][];
        for (let i = 0; i < n; i++) sides[X[i * F + f] <= t ? 0 : 1].push(y[i]);
        const sse = sides.reduce((s, side) => {
          const m = side.reduce((a, b) => a + b, 0) / side.length;
          return s + side.reduce((a, v) => a + (v - m) ** 2, 0);
        }, 0);
        if (sse < best.score - 1e-12) best = { score: sse, f, t };
      }
    }
    expect(best.f).toBe(1);
    const leftMean = mean(Array.from({ length: n }, (_, i) => i).filter((i) => X[i * F + 1] <= best.t).map((i) => y[i]));
    const probe = new Float64Array([0.5, best.t - 1e-9, 0.5]);
    expect(tree.predict(probe, F, 0)).toBeCloseTo(leftMean, 12);
    expect(tree.nodes).toBe(3);
  });

  it('columnRanks: dense ranks per column, equal values (−0 and +0 too) sharing one', () => {
    // rows × 2 columns: column 0 = 3, −0, 0, 3, 1.5; column 1 = 2, 2, 2, 2, 2
    const X = Float64Array.from([3, 2, -0, 2, 0, 2, 3, 2, 1.5, 2]);
    const { rank, distinct } = columnRanks(X, 2);
    expect(Array.from(rank)).toEqual([2, 0, 0, 0, 0, 0, 2, 0, 1, 0]);
    expect(Array.from(distinct)).toEqual([3, 1]);
  });

  it('a tree fitted with the columns\' ranks (counting-sort presort) is the tree of the comparison sort, bit for bit', () => {
    const rng = Rng.derive(5, 2);
    const n = 300;
    const F = 4;
    // many ties: two binary columns, one of 5 levels, one continuous with −0 and +0 mixed in
    const X = new Float64Array(n * F);
    for (let r = 0; r < n; r++) {
      X[r * F] = rng.float() < 0.5 ? 1 : 0;
      X[r * F + 1] = rng.float() < 0.2 ? 1 : 0;
      X[r * F + 2] = Math.floor(rng.float() * 5) / 4;
      X[r * F + 3] = rng.float() < 0.1 ? (rng.float() < 0.5 ? -0 : 0) : rng.normal();
    }
    const y = Float64Array.from({ length: n }, (_, r) => X[r * F] + X[r * F + 2] * X[r * F + 3] + 0.3 * rng.normal());
    const ranks = columnRanks(X, F);
    for (let t = 0; t < 5; t++) {
      const sample = Int32Array.from({ length: n }, () => rng.int(n));
      const plain = RegressionTree.fit(X, F, y, sample, { maxDepth: 9 });
      const ranked = RegressionTree.fit(X, F, y, sample, { maxDepth: 9, ranks });
      expect(ranked.nodes).toBe(plain.nodes);
      for (let r = 0; r < n; r++) expect(ranked.predict(X, F, r)).toBe(plain.predict(X, F, r));
    }
    expect(() => RegressionTree.fit(X, F - 1, y, Int32Array.from([0, 1]), { maxDepth: 2, ranks })).toThrow(/ranks must be columnRanks of this X and features/);
  });

  it('a deep tree is the tree of a plain per-node CART, bit for bit, where columns turn constant below a split', () => {
    // The oracle: every node sorts its own samples by (value, position) per feature and tries every
    // threshold between distinct neighbours, with the same score, tolerance and first-best rule; no
    // presort, no partition, no feature skipped.
    const plainTree = (X: Float64Array, F: number, y: Float64Array, rows: Int32Array, maxDepth: number) => {
      const predict: { feature: number; threshold: number; value: number; left: number; right: number }[] = [];
      const grow = (positions: number[], depth: number): number => {
        const id = predict.length;
        predict.push({ feature: -1, threshold: 0, value: 0, left: -1, right: -1 });
        const byFeature0 = [...positions].sort((a, b) => X[rows[a] * F] - X[rows[b] * F] || a - b);
        let sum = 0;
        let sumSq = 0;
        for (const p of byFeature0) {
          sum += y[rows[p]];
          sumSq += y[rows[p]] * y[rows[p]];
        }
        const n = positions.length;
        predict[id].value = sum / n;
        const sse = sumSq - (sum * sum) / n;
        if (depth >= maxDepth || n < 2 || sse <= 1e-12 * Math.max(1, sumSq)) return id;
        let best = { score: sse, feature: -1, threshold: 0 };
        for (let f = 0; f < F; f++) {
          const sorted = [...positions].sort((a, b) => X[rows[a] * F + f] - X[rows[b] * F + f] || a - b);
          let leftSum = 0;
          let leftSq = 0;
          for (let k = 0; k < n - 1; k++) {
            const v = y[rows[sorted[k]]];
            leftSum += v;
            leftSq += v * v;
            const x = X[rows[sorted[k]] * F + f];
            const next = X[rows[sorted[k + 1]] * F + f];
            if (x === next) continue;
            const rightSum = sum - leftSum;
            const score = leftSq - (leftSum * leftSum) / (k + 1) + (sumSq - leftSq) - (rightSum * rightSum) / (n - k - 1);
            if (score < best.score - 1e-12) best = { score, feature: f, threshold: (x + next) / 2 };
          }
        }
        if (best.feature < 0) return id;
        predict[id].feature = best.feature;
        predict[id].threshold = best.threshold;
        const goes = (p: number) => X[rows[p] * F + best.feature] <= best.threshold;
        predict[id].left = grow(positions.filter(goes), depth + 1);
        predict[id].right = grow(positions.filter((p) => !goes(p)), depth + 1);
        return id;
      };
      grow(Array.from({ length: rows.length }, (_, p) => p), 0);
      return (row: number) => {
        let node = predict[0];
        while (node.feature >= 0) node = predict[X[row * F + node.feature] <= node.threshold ? node.left : node.right];
        return node.value;
      };
    };
    const rng = Rng.derive(12, 3);
    const n = 400;
    const F = 5;
    // three binary columns (constant on each side of a split on them), a column of 3 levels that is 0 wherever
    // column 0 is 0 (constant below that split), and a continuous one
    const X = new Float64Array(n * F);
    for (let r = 0; r < n; r++) {
      X[r * F] = rng.float() < 0.5 ? 1 : 0;
      X[r * F + 1] = rng.float() < 0.3 ? 1 : 0;
      X[r * F + 2] = rng.float() < 0.6 ? 1 : 0;
      X[r * F + 3] = X[r * F] === 0 ? 0 : 1 + rng.int(3);
      X[r * F + 4] = rng.normal();
    }
    const y = Float64Array.from({ length: n }, (_, r) => X[r * F] - 0.5 * X[r * F + 1] + 0.2 * X[r * F + 3] + X[r * F + 4] * X[r * F + 2] + 0.1 * rng.normal());
    const ranks = columnRanks(X, F);
    for (const depth of [1, 2, 5, 9]) {
      const rows = Int32Array.from({ length: n }, () => rng.int(n));
      const oracle = plainTree(X, F, y, rows, depth);
      const plain = RegressionTree.fit(X, F, y, rows, { maxDepth: depth });
      const ranked = RegressionTree.fit(X, F, y, rows, { maxDepth: depth, ranks });
      for (let r = 0; r < n; r++) {
        expect(plain.predict(X, F, r)).toBe(oracle(r));
        expect(ranked.predict(X, F, r)).toBe(oracle(r));
      }
    }
  });

  it('crossValidatedForest gives the figures recorded before the counting-sort presort', () => {
    // recorded from the comparison-sort build on the same data (a regression check of the whole forest)
    const rng = Rng.derive(31, 7);
    const n = 120;
    const features = Array.from({ length: n }, () => [rng.float() < 0.5 ? 1 : 0, rng.float() < 0.3 ? 1 : 0, Math.round(rng.float() * 8) / 8, rng.float() < 0.1 ? -0 : rng.float()]);
    const target = features.map((r) => r[0] * 0.5 + r[2] * r[1] + 0.1 * rng.normal());
    const out = crossValidatedForest(features, target, { folds: 5, trees: 12, maxDepth: 9, seed: 3 });
    expect(out.rmse).toBe(0.1251224561692666);
    expect(out.baselineRmse).toBe(0.435028542878424);
    expect(out.predictions[0]).toBe(-0.048879755789834195);
    expect(out.predictions[7]).toBe(0.4348007090609072);
  });

  it('a deep tree fits distinct training points exactly; a forest is deterministic in its seed', () => {
    const X = Float64Array.from({ length: 16 }, (_, i) => i);
    const y = Float64Array.from({ length: 16 }, (_, i) => Math.sin(i));
    const rows = Int32Array.from({ length: 16 }, (_, i) => i);
    const tree = RegressionTree.fit(X, 1, y, rows, { maxDepth: 9 });
    for (let i = 0; i < 16; i++) expect(tree.predict(X, 1, i)).toBeCloseTo(y[i], 12);
    const a = RandomForest.fit(X, 1, y, rows, { trees: 5, maxDepth: 3, seed: 4 });
    const b = RandomForest.fit(X, 1, y, rows, { trees: 5, maxDepth: 3, seed: 4 });
    expect(a.predict(X, 3)).toBe(b.predict(X, 3));
  });
});
