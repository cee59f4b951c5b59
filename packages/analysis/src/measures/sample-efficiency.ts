import { PrnnError } from '@prnn/core';
import { summarize } from './summary.js';

/** docs/spec.md §4: θ = 0.9 × the median, over all networks of the sweep, of fitness at σs = 0.05. */
export function sampleEfficiencyThreshold(fitness: readonly number[]): number {
  const finite = fitness.filter((v) => Number.isFinite(v));
  if (finite.length === 0) throw new PrnnError('fitness must hold at least one finite value to set the sample-efficiency threshold');
  return 0.9 * summarize(finite).median;
}

/**
 * Sample efficiency (0–100, docs/spec.md §4): 100 − (index of the first training-curve point ≥ θ) when at least two
 * points reach θ, else 0. With a curve of other than 100 points the index is rescaled to 100 points
 * (100 − 100·index/length), which is the same for the paper's 100.
 */
export function sampleEfficiency(curve: readonly (number | null)[], threshold: number): number {
  if (curve.length === 0) throw new PrnnError('training curve must hold at least one point');
  let first = -1;
  let reached = 0;
  for (let k = 0; k < curve.length; k++) {
    const v = curve[k];
    if (v !== null && v >= threshold) {
      if (first < 0) first = k;
      reached++;
    }
  }
  if (reached < 2) return 0;
  return 100 - (100 * first) / curve.length;
}
