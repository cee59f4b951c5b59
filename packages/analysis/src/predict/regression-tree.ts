import { PrnnError } from '@prnn/core';

/** Settings of a regression tree: maximum depth and the smallest node that is still split. */
export interface TreeOptions {
  /** Maximum depth (the root is depth 0; docs/spec.md §4: 9). */
  readonly maxDepth: number;
  /** A node with fewer samples is a leaf (default 2). */
  readonly minSamplesSplit?: number;
  /**
   * The columns' ranks of X (`columnRanks(X, features)`), when many trees are fitted to samples of one X (a
   * forest): each tree's presort is then a counting sort by rank instead of a comparison sort. The same order,
   * so the same tree.
   */
  readonly ranks?: ColumnRanks;
}

/**
 * Dense ranks of every column of a row-major matrix: `rank[r·features + f]` is the number of distinct values of
 * column f below X[r·features + f] (equal values share a rank; −0 equals +0), `distinct[f]` the column's
 * count of distinct values.
 */
export interface ColumnRanks {
  readonly rank: Int32Array;
  readonly distinct: Int32Array;
}

/** The dense ranks of X's columns (see {@link ColumnRanks}): one comparison sort per column. */
export function columnRanks(X: Float64Array, features: number): ColumnRanks {
  const n = Math.floor(X.length / features);
  const rank = new Int32Array(n * features);
  const distinct = new Int32Array(features);
  const rowsByValue = Array.from({ length: n }, (_, r) => r);
  for (let f = 0; f < features; f++) {
    rowsByValue.sort((a, b) => X[a * features + f] - X[b * features + f]);
    let d = -1;
    let previous = Number.NaN;
    for (const r of rowsByValue) {
      const v = X[r * features + f];
      if (d < 0 || v !== previous) d++;
      previous = v;
      rank[r * features + f] = d;
    }
    distinct[f] = d + 1;
  }
  return { rank, distinct };
}

/**
 * A CART regression tree (squared-error splits, thresholds at midpoints between distinct values), stored
 * in flat arrays. Fitting presorts every feature once and keeps each node's samples as one contiguous
 * range of every sorted order (stable partition per split), so a level costs O(features · samples) and a
 * tree O(features · n log n + depth · features · n) — not the quadratic split search of naive CART. Given
 * the columns' ranks (a forest computes them once for all its trees), the presort is a counting sort:
 * O(features · (n + distinct values)) per tree.
 */
export class RegressionTree {
  private constructor(
    private readonly feature: Int32Array,
    private readonly threshold: Float64Array,
    private readonly left: Int32Array,
    private readonly right: Int32Array,
    private readonly value: Float64Array,
  ) {}

  /**
   * Fits a tree to the samples `rows` (indices into X, repeats allowed: a bootstrap sample) of the
   * row-major matrix X [n × features] and targets y.
   */
  static fit(X: Float64Array, features: number, y: Float64Array, rows: Int32Array, options: TreeOptions): RegressionTree {
    const m = rows.length;
    const F = features;
    if (m < 1) throw new PrnnError('a regression tree needs at least one sample');
    const minSplit = Math.max(2, options.minSamplesSplit ?? 2);
    // order[f·m + k]: the k-th sample position (into rows) in ascending order of feature f, equal values in
    // ascending position
    const order = new Int32Array(F * m);
    const ranks = options.ranks;
    if (ranks) {
      if (ranks.rank.length !== Math.floor(X.length / F) * F || ranks.distinct.length !== F) throw new PrnnError('ranks must be columnRanks of this X and features');
      // counting sort by rank, positions visited in ascending order: ascending (value, position)
      const count = new Int32Array(Math.max(...ranks.distinct) + 1);
      for (let f = 0; f < F; f++) {
        const D = ranks.distinct[f];
        count.fill(0, 0, D + 1);
        for (let p = 0; p < m; p++) count[ranks.rank[rows[p] * F + f] + 1]++;
        for (let d = 1; d <= D; d++) count[d] += count[d - 1];
        const base = f * m;
        for (let p = 0; p < m; p++) order[base + count[ranks.rank[rows[p] * F + f]]++] = p;
      }
    } else {
      const keys = new Float64Array(m);
      const positions = Array.from({ length: m }, (_, k) => k);
      for (let f = 0; f < F; f++) {
        for (let p = 0; p < m; p++) keys[p] = X[rows[p] * F + f];
        positions.sort((a, b) => keys[a] - keys[b] || a - b);
        order.set(positions, f * m);
      }
    }
    const target = new Float64Array(m);
    for (let p = 0; p < m; p++) target[p] = y[rows[p]];
    // values[f·m + k]: feature f of the sample at order[f·m + k], kept beside the order through every partition
    const values = new Float64Array(F * m);
    for (let f = 0; f < F; f++) {
      const base = f * m;
      for (let k = 0; k < m; k++) values[base + k] = X[rows[order[base + k]] * F + f];
    }
    const scratchValues = new Float64Array(m);
    const goesLeft = new Uint8Array(m);
    const scratch = new Int32Array(m);
    const nodes = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[] };
    const newNode = () => {
      nodes.feature.push(-1);
      nodes.threshold.push(0);
      nodes.left.push(-1);
      nodes.right.push(-1);
      nodes.value.push(0);
      return nodes.feature.length - 1;
    };
    const grow = (node: number, lo: number, hi: number, depth: number): void => {
      const n = hi - lo;
      let sum = 0;
      let sumSq = 0;
      for (let k = lo; k < hi; k++) {
        const v = target[order[k]];
        sum += v;
        sumSq += v * v;
      }
      nodes.value[node] = sum / n;
      const sse = sumSq - (sum * sum) / n;
      if (depth >= options.maxDepth || n < minSplit || sse <= 1e-12 * Math.max(1, sumSq)) return;
      let bestScore = sse;
      let bestFeature = -1;
      let bestThreshold = 0;
      for (let f = 0; f < F; f++) {
        const base = f * m;
        let leftSum = 0;
        let leftSq = 0;
        for (let k = lo; k < hi - 1; k++) {
          const p = order[base + k];
          const v = target[p];
          leftSum += v;
          leftSq += v * v;
          const x = values[base + k];
          const next = values[base + k + 1];
          if (next === x) continue; // no threshold between equal values
          const nl = k - lo + 1;
          const nr = n - nl;
          const rightSum = sum - leftSum;
          const score = leftSq - (leftSum * leftSum) / nl + (sumSq - leftSq) - (rightSum * rightSum) / nr;
          if (score < bestScore - 1e-12) {
            bestScore = score;
            bestFeature = f;
            bestThreshold = (x + next) / 2;
          }
        }
      }
      if (bestFeature < 0) return;
      let nLeft = 0;
      for (let k = lo; k < hi; k++) {
        const p = order[bestFeature * m + k];
        const l = values[bestFeature * m + k] <= bestThreshold ? 1 : 0;
        goesLeft[p] = l;
        nLeft += l;
      }
      // stable partition of every feature's order and values: left samples first, each side still sorted
      for (let f = 0; f < F; f++) {
        const base = f * m;
        let a = 0;
        let b = nLeft;
        for (let k = lo; k < hi; k++) {
          const p = order[base + k];
          const v = values[base + k];
          if (goesLeft[p] === 1) {
            scratch[a] = p;
            scratchValues[a++] = v;
          } else {
            scratch[b] = p;
            scratchValues[b++] = v;
          }
        }
        order.set(scratch.subarray(0, n), base + lo);
        values.set(scratchValues.subarray(0, n), base + lo);
      }
      nodes.feature[node] = bestFeature;
      nodes.threshold[node] = bestThreshold;
      const l = newNode();
      const r = newNode();
      nodes.left[node] = l;
      nodes.right[node] = r;
      grow(l, lo, lo + nLeft, depth + 1);
      grow(r, lo + nLeft, hi, depth + 1);
    };
    // every order shares the node ranges; the target sums may be taken from any one of them (feature 0)
    grow(newNode(), 0, m, 0);
    return new RegressionTree(
      Int32Array.from(nodes.feature),
      Float64Array.from(nodes.threshold),
      Int32Array.from(nodes.left),
      Int32Array.from(nodes.right),
      Float64Array.from(nodes.value),
    );
  }

  /** Prediction for the sample at row `row` of the row-major X [· × features]. */
  predict(X: Float64Array, features: number, row: number): number {
    let node = 0;
    while (this.feature[node] >= 0) {
      node = X[row * features + this.feature[node]] <= this.threshold[node] ? this.left[node] : this.right[node];
    }
    return this.value[node];
  }

  /** Number of nodes of the fitted tree (leaves included). */
  get nodes(): number {
    return this.feature.length;
  }
}
