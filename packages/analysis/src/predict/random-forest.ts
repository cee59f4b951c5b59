import { PrnnError, Rng } from '@prnn/core';
import { RegressionTree, columnRanks } from './regression-tree.js';

/** Settings of a random forest: number of trees, maximum depth and the bootstrap seed. */
export interface RandomForestOptions {
  readonly trees: number;
  readonly maxDepth: number;
  /** Seed of the bootstrap samples (tree t draws from Rng.derive(seed, t)). */
  readonly seed: number;
}

/**
 * A random-forest regressor: `trees` CART trees, each fitted to a bootstrap sample (n draws with
 * replacement) with all features considered at every split (scikit-learn's default for regression), the
 * prediction being the trees' mean.
 */
export class RandomForest {
  private constructor(
    private readonly trees: RegressionTree[],
    readonly features: number,
  ) {}

  /** Fits to the rows `rows` of the row-major X [· × features] with targets y (indexed like X's rows). */
  static fit(X: Float64Array, features: number, y: Float64Array, rows: Int32Array, options: RandomForestOptions): RandomForest {
    if (!Number.isInteger(options.trees) || options.trees < 1) throw new PrnnError(`trees must be an integer ≥ 1 (got ${options.trees})`);
    if (!Number.isInteger(options.maxDepth) || options.maxDepth < 0) throw new PrnnError(`maxDepth must be an integer ≥ 0 (got ${options.maxDepth})`);
    const n = rows.length;
    const sample = new Int32Array(n);
    const trees: RegressionTree[] = [];
    // one comparison sort per column for the whole forest; each tree's presort is then a counting sort
    const ranks = columnRanks(X, features);
    for (let t = 0; t < options.trees; t++) {
      const rng = Rng.derive(options.seed, t);
      for (let k = 0; k < n; k++) sample[k] = rows[rng.int(n)];
      trees.push(RegressionTree.fit(X, features, y, sample, { maxDepth: options.maxDepth, ranks }));
    }
    return new RandomForest(trees, features);
  }

  /** Mean of the trees' predictions for row `row` of the row-major feature matrix X. */
  predict(X: Float64Array, row: number): number {
    let sum = 0;
    for (const tree of this.trees) sum += tree.predict(X, this.features, row);
    return sum / this.trees.length;
  }
}
