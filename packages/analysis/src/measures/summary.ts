import { quantileSorted } from '@prnn/core';

function sortedFinite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Median and the quartiles of the finite values (NaN when there are none), and how many there are. */
export function summarize(values: readonly number[]): { median: number; q1: number; q3: number; n: number } {
  const s = sortedFinite(values);
  return { median: quantileSorted(s, 0.5), q1: quantileSorted(s, 0.25), q3: quantileSorted(s, 0.75), n: s.length };
}

/** Mean of the finite values (NaN and ±Infinity are skipped); NaN when there is none. */
export function mean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}
