import { PrnnError } from '@prnn/core';

/** Spearman's rank correlation of two paired samples, with its two-sided p-value. */
export interface SpearmanResult {
  /** ρ: the Pearson correlation of the two samples' ranks (tied values share their mean rank). NaN when undefined. */
  readonly rho: number;
  /**
   * Two-sided p-value of H0: ρ = 0, from t = ρ·√((n − 2)/(1 − ρ²)) on a Student t distribution with n − 2
   * degrees of freedom (the usual large-sample test; NaN for n < 3 or an undefined ρ).
   */
  readonly p: number;
  /** Pairs used (both values finite). */
  readonly n: number;
}

/** Ranks 1…n of `values`, tied values sharing the mean of the ranks they span. */
export function averageRanks(values: readonly number[]): Float64Array {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    // positions i…j (0-based) hold equal values: ranks i+1 … j+1, mean (i + j)/2 + 1
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 coefficients; relative error about 1e-15). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let k = 1; k < 9; k++) a += c[k] / (z + k);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the incomplete beta function (modified Lentz), for x < (a + 1)/(a + b + 2). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = Math.abs(d) < tiny ? tiny : d;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    // even step: m(b − m)x / ((a + 2m − 1)(a + 2m))
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = 1 + num / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    f *= d * c;
    // odd step: −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1))
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = 1 + num / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return f;
}

/** The regularised incomplete beta function I_x(a, b), 0 ≤ x ≤ 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new PrnnError(`x must be in [0, 1] (got ${x})`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** Two-sided tail of Student's t with `df` degrees of freedom: P(|T| ≥ |t|) = I_{df/(df + t²)}(df/2, 1/2). */
export function studentTTwoSided(t: number, df: number): number {
  if (!(df > 0) || Number.isNaN(t)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * Spearman's rank correlation of the pairs (x_i, y_i) whose values are both finite: the Pearson correlation
 * of their average ranks (which equals 1 − 6Σd²/(n(n² − 1)) without ties), and its two-sided p-value from
 * the t approximation (see SpearmanResult). ρ is NaN when either sample is constant.
 */
export function spearman(x: readonly number[], y: readonly number[]): SpearmanResult {
  if (x.length !== y.length) throw new PrnnError(`x and y must have the same length (got ${x.length} and ${y.length})`);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      xs.push(x[i]);
      ys.push(y[i]);
    }
  }
  const n = xs.length;
  if (n < 2) return { rho: Number.NaN, p: Number.NaN, n };
  const rx = averageRanks(xs);
  const ry = averageRanks(ys);
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i] - mean;
    const dy = ry[i] - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return { rho: Number.NaN, p: Number.NaN, n };
  const rho = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  if (n < 3) return { rho, p: Number.NaN, n };
  const df = n - 2;
  const p = Math.abs(rho) === 1 ? 0 : studentTTwoSided(rho * Math.sqrt(df / (1 - rho * rho)), df);
  return { rho, p, n };
}
