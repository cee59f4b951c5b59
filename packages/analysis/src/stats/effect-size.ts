import { PrnnError, median } from '@prnn/core';
import { normalSf } from './normal.js';

/** Confidence level of the Hodges–Lehmann intervals in tables and reports (two-sided). */
export const EFFECT_CONFIDENCE = 0.95;

/** Largest n1·n2 for which the interval uses the exact null distribution of U (50 vs 50 networks: 2 500). */
export const EXACT_U_LIMIT = 2500;

/** The effect size of one comparison of x against y (see hodgesLehmann). */
export interface EffectSize {
  /** Hodges–Lehmann shift: the median of the n1·n2 differences x_i − y_j (positive: x tends to be larger). */
  readonly shift: number;
  /** Confidence interval of the shift, [D_(k), D_(N+1−k)] of the sorted differences (see hodgesLehmann). */
  readonly low: number;
  readonly high: number;
  /** Confidence level asked for, and the coverage the chosen ranks give (exact method), else the level. */
  readonly level: number;
  readonly coverage: number;
  /** How the critical rank k was found. */
  readonly method: 'exact' | 'normal';
  /** Cliff's delta: (#(x > y) − #(x < y)) / (n1·n2), in [−1, 1]. */
  readonly cliffDelta: number;
}

const distributions = new Map<string, Float64Array>();

/**
 * P(U = u), u = 0 … m·n, of the Mann–Whitney statistic under the null hypothesis without ties, from the
 * recurrence p(m, n, u) = m/(m+n)·p(m−1, n, u−n) + n/(m+n)·p(m, n−1, u) (the largest of the pooled values
 * belongs to the first sample with probability m/(m+n), and then exceeds all n values of the second).
 */
export function mannWhitneyNullDistribution(m: number, n: number): Float64Array {
  const key = `${m},${n}`;
  const cached = distributions.get(key);
  if (cached) return cached;
  // rows[j] holds p(i, j, ·) for the current i; p(0, j) and p(i, 0) put all mass on u = 0
  let rows: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const next: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const p = new Float64Array(i * j + 1);
      const fromLeft = rows[j]; // p(i−1, j, ·), shifted by j
      const fromUp = next[j - 1]; // p(i, j−1, ·)
      const a = i / (i + j);
      const b = j / (i + j);
      for (let u = 0; u < fromLeft.length; u++) p[u + j] += a * fromLeft[u];
      for (let u = 0; u < fromUp.length; u++) p[u] += b * fromUp[u];
      next.push(p);
    }
    rows = next;
  }
  const out = rows[n];
  distributions.set(key, out);
  return out;
}

/** The z with P(Z > z) = p (0 < p < 1), by bisection on normalSf to 1e-12. */
export function normalQuantileUpper(p: number): number {
  if (!(p > 0 && p < 1)) throw new PrnnError(`p must be in (0, 1) (got ${p})`);
  let lo = -40;
  let hi = 40;
  for (let k = 0; k < 200 && hi - lo > 1e-12; k++) {
    const mid = (lo + hi) / 2;
    if (normalSf(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Hodges–Lehmann estimate of the shift between x and y with its confidence interval, and Cliff's delta.
 *
 * The shift is the median of all N = n1·n2 differences x_i − y_j. The interval is [D_(k), D_(N+1−k)] of the
 * sorted differences (1-based), where k is the critical rank of the Mann–Whitney statistic:
 * - exact (n1·n2 ≤ EXACT_U_LIMIT and no ties among the pooled values): k is the smallest u with
 *   P(U ≤ u) ≥ α/2 under the null distribution (mannWhitneyNullDistribution), at least 1; the interval then
 *   covers with probability 1 − 2·P(U ≤ k − 1) ≥ 1 − α (reported as `coverage`);
 * - normal approximation otherwise: k = round(N/2 − z_{α/2}·σ), σ² = n1·n2/12·(n + 1 − Σ(t³ − t)/(n(n − 1)))
 *   (the tie-corrected variance of U, as in mannWhitneyU), clamped to 1 … ⌈N/2⌉.
 * With α = 1 − level. Inputs must be non-empty arrays of finite numbers.
 */
export function hodgesLehmann(x: readonly number[], y: readonly number[], level: number = EFFECT_CONFIDENCE): EffectSize {
  for (const [name, v] of [['x', x], ['y', y]] as const) {
    if (v.length === 0 || v.some((a) => !Number.isFinite(a))) throw new PrnnError(`${name} must be a non-empty array of finite numbers`);
  }
  if (!(level > 0 && level < 1)) throw new PrnnError(`level must be in (0, 1) (got ${level})`);
  const n1 = x.length;
  const n2 = y.length;
  const N = n1 * n2;
  const d = new Float64Array(N);
  let greater = 0;
  let less = 0;
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) {
      const v = x[i] - y[j];
      d[i * n2 + j] = v;
      if (v > 0) greater++;
      else if (v < 0) less++;
    }
  }
  d.sort();
  const shift = median(d);
  const alpha = 1 - level;
  const pooled = Float64Array.from([...x, ...y]).sort();
  let tieTerm = 0;
  for (let s = 0; s < pooled.length; ) {
    let e = s + 1;
    while (e < pooled.length && pooled[e] === pooled[s]) e++;
    const t = e - s;
    tieTerm += t * t * t - t;
    s = e;
  }
  let k: number;
  let coverage = level;
  let method: EffectSize['method'];
  if (N <= EXACT_U_LIMIT && tieTerm === 0) {
    method = 'exact';
    const p = mannWhitneyNullDistribution(n1, n2);
    // k: the smallest u with P(U ≤ u) ≥ α/2 (at least 1); coverage 1 − 2·P(U ≤ k − 1)
    let below = 0;
    k = 0;
    while (k < p.length && below + p[k] < alpha / 2 - 1e-12) below += p[k++];
    if (k === 0) {
      k = 1;
      below = p[0];
    }
    coverage = 1 - 2 * below;
  } else {
    method = 'normal';
    const n = n1 + n2;
    const sigma = Math.sqrt((N / 12) * (n + 1 - tieTerm / (n * (n - 1))));
    k = Math.round(N / 2 - normalQuantileUpper(alpha / 2) * sigma);
    k = Math.min(Math.max(k, 1), Math.ceil(N / 2));
  }
  return { shift, low: d[k - 1], high: d[N - k], level, coverage, method, cliffDelta: (greater - less) / N };
}
