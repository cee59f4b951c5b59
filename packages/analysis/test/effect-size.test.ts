import { describe, expect, it } from 'vitest';
import { compareToReference, effectText, hodgesLehmann, mannWhitneyNullDistribution, normalQuantileUpper } from '../src/index.js';

/** The null distribution of U by brute force: every way to choose which m of the m + n ranks are x's. */
function bruteForceNull(m: number, n: number): number[] {
  const counts = new Array<number>(m * n + 1).fill(0);
  let total = 0;
  const choose = (start: number, left: number, picked: number[]): void => {
    if (left === 0) {
      // U = number of (x, y) pairs with x above y; ranks 0 … m+n−1
      let u = 0;
      const xs = new Set(picked);
      for (const r of picked) for (let s = 0; s < r; s++) if (!xs.has(s)) u++;
      counts[u]++;
      total++;
      return;
    }
    for (let r = start; r <= m + n - left; r++) choose(r + 1, left - 1, [...picked, r]);
  };
  choose(0, m, []);
  return counts.map((c) => c / total);
}

describe('Hodges–Lehmann shift, its confidence interval and Cliff\'s delta', () => {
  it('the null distribution of U equals brute-force enumeration', () => {
    for (const [m, n] of [[3, 4], [5, 5], [2, 7], [6, 3]]) {
      const p = mannWhitneyNullDistribution(m, n);
      const b = bruteForceNull(m, n);
      expect(p.length).toBe(b.length);
      for (let u = 0; u < b.length; u++) expect(p[u]).toBeCloseTo(b[u], 14);
    }
    // hand-counted: m = 3, n = 4 has C(7, 3) = 35 arrangements with frequencies 1 1 2 3 4 4 5 4 4 3 2 1 1
    expect(Array.from(mannWhitneyNullDistribution(3, 4), (p) => Math.round(p * 35))).toEqual([1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1]);
  });

  it('5 vs 5 values (exact method): hand-computed shift, interval and delta', () => {
    // the 25 differences x_i − y_j sorted: −1.9 −0.9 −0.7 0.2 0.3 1.2 1.4 1.6 2.0 2.4 2.8 2.9 3.0 3.7 4.1 4.1
    // 4.9 5.0 5.3 5.5 6.2 6.2 6.8 7.4 8.0; the median is the 13th, 3.0. For m = n = 5, P(U ≤ 2) = 4/252 <
    // 0.025 ≤ P(U ≤ 3) = 7/252, so k = 3: the interval is [3rd, 23rd] = [−0.7, 6.8] with coverage
    // 1 − 2·4/252 = 0.968254. 22 differences are positive and 3 negative: delta = 19/25 = 0.76.
    const e = hodgesLehmann([5.1, 6.3, 7.2, 8.4, 9.0], [1.0, 2.2, 3.5, 6.0, 7.0]);
    expect(e.method).toBe('exact');
    expect(e.shift).toBeCloseTo(3.0, 12);
    expect(e.low).toBeCloseTo(-0.7, 12);
    expect(e.high).toBeCloseTo(6.8, 12);
    expect(e.coverage).toBeCloseTo(1 - 8 / 252, 12);
    expect(e.cliffDelta).toBeCloseTo(0.76, 12);
    // swapping the samples negates everything
    const r = hodgesLehmann([1.0, 2.2, 3.5, 6.0, 7.0], [5.1, 6.3, 7.2, 8.4, 9.0]);
    expect([r.shift, r.low, r.high, r.cliffDelta].map((v) => Number(v.toFixed(10)))).toEqual([-3, -6.8, 0.7, -0.76]);
  });

  it('too few values for 95 %: the interval is the full range of differences, with its true coverage', () => {
    // m = 3, n = 4: P(U = 0) = 1/35 > 0.025, so k = 1 and the coverage is 1 − 2/35
    const e = hodgesLehmann([3, 4, 5], [0, 1, 2, 2.5]);
    expect(e.low).toBe(0.5);
    expect(e.high).toBe(5);
    expect(e.coverage).toBeCloseTo(1 - 2 / 35, 12);
    // 12 differences: 1 2 2.5 2 3 3.5 ... median of the sorted 12 is the mean of the 6th and 7th
    // differences: 3−0 3−1 3−2 3−2.5 4−0 4−1 4−2 4−2.5 5−0 5−1 5−2 5−2.5 → sorted 0.5 1 1.5 2 2.5 2.5 3 3 3.5 4 4 5
    expect(e.shift).toBe(2.75);
    expect(e.cliffDelta).toBe(1);
  });

  it('large samples (normal method): k = round(N/2 − z·σ) on the sorted differences', () => {
    const x = Array.from({ length: 60 }, (_, k) => Math.sin(k + 1) + 0.3);
    const y = Array.from({ length: 60 }, (_, k) => Math.cos(2 * k + 1));
    const e = hodgesLehmann(x, y);
    expect(e.method).toBe('normal');
    // N = 3600, σ = √(3600·121/12) = 190.526, z_{0.025} = 1.959964: k = round(1800 − 373.42) = 1427
    expect(normalQuantileUpper(0.025)).toBeCloseTo(1.959964, 6);
    const d = x.flatMap((a) => y.map((b) => a - b)).sort((a, b) => a - b);
    expect(e.low).toBe(d[1427 - 1]);
    expect(e.high).toBe(d[3600 - 1427]);
    expect(e.shift).toBe((d[1799] + d[1800]) / 2);
  });

  it('compareToReference puts the effect size beside every test (and none beside the reference)', () => {
    const groups = new Map([
      ['fc', [1.0, 2.2, 3.5, 6.0, 7.0]],
      ['a', [5.1, 6.3, 7.2, 8.4, 9.0]],
    ]);
    const [fc, a] = compareToReference(groups, 'fc');
    expect(Number.isNaN(fc.shift)).toBe(true);
    expect(a.shift).toBeCloseTo(3.0, 12);
    expect([a.shiftLow, a.shiftHigh]).toEqual([expect.closeTo(-0.7, 12), expect.closeTo(6.8, 12)]);
    expect(a.cliffDelta).toBeCloseTo(0.76, 12);
    expect(a.shiftCoverage).toBeCloseTo(1 - 8 / 252, 12);
  });

  it('the report text shows the coverage only when it falls short of 95 %', () => {
    expect(effectText(3, -0.7, 6.8, 1 - 8 / 252)).toBe('3.00 [-0.700, 6.80]');
    // 2 vs 2 networks: the whole range of the 4 differences covers with probability 1 − 2/6
    expect(effectText(0.0488, 0.0225, 0.075, 1 - 2 / 6)).toBe('0.0488 [0.0225, 0.0750] (67 %)');
    expect(effectText(Number.NaN, Number.NaN, Number.NaN)).toBe('');
  });
});
