import { PrnnError } from '@prnn/core';
import { normalSf } from './normal.js';

/** Alternative hypothesis of the Mann-Whitney U test about the first sample against the second. */
export type Alternative = 'two-sided' | 'less' | 'greater';
/** Every {@link Alternative}, for argument validation. */
export const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'less', 'greater'];

function checkSample(name: string, v: readonly number[]): void {
  if (!Array.isArray(v) || v.length === 0) throw new PrnnError(`${name} must be a non-empty array of numbers`);
  for (let k = 0; k < v.length; k++) {
    if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) {
      throw new PrnnError(`${name} must hold finite numbers (got ${String(v[k])} at position ${k})`);
    }
  }
}

/**
 * Mann–Whitney U test of x against y: U is the statistic of x (the number of pairs with x > y, ties
 * counting one half); p from the normal approximation with tie correction and continuity correction
 * (the convention of scipy.stats.mannwhitneyu(method='asymptotic', use_continuity=True)).
 * 'greater': x tends to be larger than y. When every value is tied the variance is 0 and p is 1.
 */
export function mannWhitneyU(x: number[], y: number[], alternative: Alternative): { u: number; p: number } {
  checkSample('x', x);
  checkSample('y', y);
  if (!ALTERNATIVES.includes(alternative)) {
    throw new PrnnError(`alternative must be one of ${ALTERNATIVES.join(', ')} (got ${JSON.stringify(alternative)})`);
  }
  const n1 = x.length;
  const n2 = y.length;
  const n = n1 + n2;
  const all = new Float64Array(n);
  const order = new Int32Array(n);
  for (let k = 0; k < n1; k++) all[k] = x[k];
  for (let k = 0; k < n2; k++) all[n1 + k] = y[k];
  for (let k = 0; k < n; k++) order[k] = k;
  order.sort((a, b) => all[a] - all[b]);
  // Mid-ranks (1-based) and the tie term Σ (t³ − t).
  let rankSumX = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && all[order[end]] === all[order[start]]) end++;
    const t = end - start;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (order[k] < n1) rankSumX += rank;
    tieTerm += t * t * t - t;
    start = end;
  }
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u: u1, p: 1 };
  const sd = Math.sqrt(variance);
  const tail = (u: number) => normalSf((u - mean - 0.5) / sd);
  let p: number;
  if (alternative === 'greater') p = tail(u1);
  else if (alternative === 'less') p = tail(u2);
  else p = Math.min(1, 2 * tail(Math.max(u1, u2)));
  return { u: u1, p };
}
