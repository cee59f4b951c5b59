import { PrnnError, Rng } from '@prnn/core';
import { RandomForest } from './random-forest.js';

/** Settings of the cross-validated random forest: folds, trees, depth and seed (defaults docs/spec.md §4). */
export interface ForestOptions {
  /** Folds of the shuffled cross-validation (default 10; at most the number of samples). */
  readonly folds?: number;
  /** Trees per forest (default 100). */
  readonly trees?: number;
  /** Maximum tree depth (docs/spec.md §4: 9). */
  readonly maxDepth?: number;
  /** Seed of the fold shuffle and of the forests' bootstrap samples. */
  readonly seed?: number;
}

/** Result of a cross-validated forest: its RMSE, the mean-predictor baseline RMSE, and every out-of-fold prediction. */
export interface CrossValidatedRmse {
  /** RMSE of the forest's out-of-fold predictions. */
  readonly rmse: number;
  /** RMSE of predicting each test fold by its training folds' mean. */
  readonly baselineRmse: number;
  /** Out-of-fold prediction of every sample (input order). */
  readonly predictions: number[];
  readonly folds: number;
  readonly samples: number;
}

/**
 * Random-forest regression (RandomForest: bootstrap samples, all features at every split, max depth 9)
 * scored by k-fold cross-validation over a seeded shuffle of the samples, next to the mean-prediction baseline
 * (docs/spec.md §4, prediction).
 */
export function crossValidatedForest(features: readonly (readonly number[])[], target: readonly number[], options: ForestOptions = {}): CrossValidatedRmse {
  const n = target.length;
  if (features.length !== n) throw new PrnnError(`features must have one row per target value (${features.length} rows, ${n} values)`);
  if (n < 2) throw new PrnnError(`prediction needs at least 2 samples (got ${n})`);
  const width = features[0]?.length ?? 0;
  if (width < 1) throw new PrnnError('features must have at least one column');
  for (let r = 0; r < n; r++) {
    if (features[r].length !== width || features[r].some((v) => !Number.isFinite(v)) || !Number.isFinite(target[r])) {
      throw new PrnnError(`features and target must be finite numbers with ${width} columns (row ${r})`);
    }
  }
  const folds = Math.min(options.folds ?? 10, n);
  if (!Number.isInteger(folds) || folds < 2) throw new PrnnError(`folds must be an integer ≥ 2 (got ${options.folds})`);
  const trees = options.trees ?? 100;
  if (!Number.isInteger(trees) || trees < 1) throw new PrnnError(`trees must be an integer ≥ 1 (got ${trees})`);
  const maxDepth = options.maxDepth ?? 9;
  const seed = options.seed ?? 0;
  const rng = Rng.derive(seed, 1);
  const order = [...Array(n).keys()];
  for (let k = n - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [order[k], order[j]] = [order[j], order[k]];
  }
  const X = new Float64Array(n * width);
  features.forEach((row, r) => X.set(row, r * width));
  const y = Float64Array.from(target);
  const predictions = new Array<number>(n).fill(Number.NaN);
  const baseline = new Array<number>(n).fill(Number.NaN);
  for (let f = 0; f < folds; f++) {
    const lo = Math.floor((f * n) / folds);
    const hi = Math.floor(((f + 1) * n) / folds);
    const test = order.slice(lo, hi);
    const train = Int32Array.from([...order.slice(0, lo), ...order.slice(hi)]);
    let mean = 0;
    for (const i of train) mean += y[i];
    mean /= train.length;
    const forest = RandomForest.fit(X, width, y, train, { trees, maxDepth, seed: Rng.derive(seed, 2, f).nextUint32() });
    for (const i of test) {
      predictions[i] = forest.predict(X, i);
      baseline[i] = mean;
    }
  }
  const rmse = (p: number[]) => Math.sqrt(p.reduce((s, v, i) => s + (v - target[i]) ** 2, 0) / n);
  return { rmse: rmse(predictions), baselineRmse: rmse(baseline), predictions, folds, samples: n };
}
