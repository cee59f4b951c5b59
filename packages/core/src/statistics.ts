// Order statistics shared by the benchmarks (medians of repeats) and the analysis (medians and quartiles of
// measures): one definition of the median and of the quantile for the whole project.

/**
 * The q-quantile of ascending `sorted` values by linear interpolation between order statistics (Hyndman & Fan
 * type 7, the default of R and NumPy): position q·(n − 1). NaN for no values; the caller sorts.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be in [0, 1] (got ${q})`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const at = q * (n - 1);
  const lo = Math.floor(at);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/**
 * The q-quantile of `values` by linear interpolation between order statistics (Hyndman & Fan type 7, the
 * default of R and NumPy): position q·(n − 1) in the sorted values. NaN for no values; `values` is left as is.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), q);
}

/**
 * The median of `values`: the middle value, or the mean of the middle two for an even count (as benchmarks
 * report their repeats); NaN for no values. `values` is left as is.
 */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
