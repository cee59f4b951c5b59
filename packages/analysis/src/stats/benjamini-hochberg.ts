import { PrnnError } from '@prnn/core';

/**
 * Benjamini–Hochberg adjusted p-values, in input order: q_(i) = min over j ≥ i of p_(j)·m/j (sorted
 * ascending, 1-based), capped at 1. A test is significant at false-discovery rate α when q ≤ α.
 */
export function benjaminiHochberg(p: number[]): number[] {
  if (!Array.isArray(p)) throw new PrnnError('p must be an array of p-values');
  const m = p.length;
  for (let k = 0; k < m; k++) {
    if (typeof p[k] !== 'number' || !(p[k] >= 0 && p[k] <= 1)) {
      throw new PrnnError(`p-values must be numbers in [0, 1] (got ${String(p[k])} at position ${k})`);
    }
  }
  const order = [...p.keys()].sort((a, b) => p[a] - p[b]);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const k = order[rank - 1];
    running = Math.min(running, (p[k] * m) / rank);
    adjusted[k] = running;
  }
  return adjusted;
}
