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
  /** The ranks column-major: `byColumn[f·n + r]` = `rank[r·features + f]` (a tree's presort reads a column at a time). */
  readonly byColumn: Int32Array;
  /** X column-major: `columns[f·n + r]` = X[r·features + f]. */
  readonly columns: Float64Array;
}

/** The dense ranks of X's columns (see {@link ColumnRanks}): one comparison sort per column. */
export function columnRanks(X: Float64Array, features: number): ColumnRanks {
  const n = Math.floor(X.length / features);
  const rank = new Int32Array(n * features);
  const distinct = new Int32Array(features);
  const byColumn = new Int32Array(n * features);
  const columns = new Float64Array(n * features);
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
      byColumn[f * n + r] = d;
      columns[f * n + r] = v;
    }
    distinct[f] = d + 1;
  }
  return { rank, distinct, byColumn, columns };
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
    // values[f·m + k]: feature f of the sample at order[f·m + k], kept beside the order through every partition
    const values = new Float64Array(F * m);
    const ranks = options.ranks;
    if (ranks) {
      const N = Math.floor(X.length / F);
      if (ranks.rank.length !== N * F || ranks.distinct.length !== F || ranks.byColumn.length !== N * F || ranks.columns.length !== N * F) {
        throw new PrnnError('ranks must be columnRanks of this X and features');
      }
      // counting sort by rank, positions visited in ascending order: ascending (value, position); the
      // values beside the order come from the same column
      const count = new Int32Array(Math.max(...ranks.distinct) + 1);
      for (let f = 0; f < F; f++) {
        const D = ranks.distinct[f];
        const column = f * N;
        count.fill(0, 0, D + 1);
        for (let p = 0; p < m; p++) count[ranks.byColumn[column + rows[p]] + 1]++;
        for (let d = 1; d <= D; d++) count[d] += count[d - 1];
        const base = f * m;
        for (let p = 0; p < m; p++) {
          const r = rows[p];
          const at = base + count[ranks.byColumn[column + r]]++;
          order[at] = p;
          values[at] = ranks.columns[column + r];
        }
      }
    } else {
      const keys = new Float64Array(m);
      const positions = Array.from({ length: m }, (_, k) => k);
      for (let f = 0; f < F; f++) {
        for (let p = 0; p < m; p++) keys[p] = X[rows[p] * F + f];
        positions.sort((a, b) => keys[a] - keys[b] || a - b);
        order.set(positions, f * m);
        for (let k = 0; k < m; k++) values[f * m + k] = keys[positions[k]];
      }
    }
    const target = new Float64Array(m);
    for (let p = 0; p < m; p++) target[p] = y[rows[p]];
    const scratchValues = new Float64Array(m);
    const goesLeft = new Uint8Array(m);
    const scratch = new Int32Array(m);
    const found = new Float64Array(2);
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
        // A feature with one value over the node (sorted: first = last) has no threshold here or below. Its
        // scan and its partition are skipped (feature 0 is still partitioned, for the target sums); its order
        // and values in the children's ranges stay as they were: still one value, and unread otherwise.
        if (values[f * m + lo] === values[f * m + hi - 1]) continue;
        if (scanFeature(order, values, target, f * m, lo, hi, sum, sumSq, bestScore, found)) {
          bestScore = found[0];
          bestThreshold = found[1];
          bestFeature = f;
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
      // stable partition of every feature's order and values: left samples first, each side still sorted.
      // Children at the maximum depth are leaves, which read only feature 0's order.
      const leaves = depth + 1 >= options.maxDepth;
      for (let f = 0; f < (leaves ? 1 : F); f++) {
        if (f > 0 && values[f * m + lo] === values[f * m + hi - 1]) continue;
        partition(order, values, goesLeft, scratch, scratchValues, f * m + lo, n, nLeft);
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

/**
 * The best split of one feature over a node's range [lo, hi) of its sorted order (at `base`): the lowest score
 * below `bestScore` − 1e-12, scanning thresholds upwards. Writes [score, threshold] to `found` and returns
 * true when there is one.
 */
function scanFeature(
  order: Int32Array,
  values: Float64Array,
  target: Float64Array,
  base: number,
  lo: number,
  hi: number,
  sum: number,
  sumSq: number,
  bestScore: number,
  found: Float64Array,
): boolean {
  const n = hi - lo;
  let leftSum = 0;
  let leftSq = 0;
  let better = false;
  let limit = bestScore - 1e-12;
  for (let k = base + lo, end = base + hi - 1; k < end; k++) {
    const v = target[order[k]];
    leftSum += v;
    leftSq += v * v;
    const x = values[k];
    const next = values[k + 1];
    if (next === x) continue; // no threshold between equal values
    const nl = k - base - lo + 1;
    const nr = n - nl;
    const rightSum = sum - leftSum;
    const score = leftSq - (leftSum * leftSum) / nl + (sumSq - leftSq) - (rightSum * rightSum) / nr;
    if (score < limit) {
      found[0] = score;
      found[1] = (x + next) / 2;
      limit = score - 1e-12;
      better = true;
    }
  }
  return better;
}

/**
 * Stable partition of `n` entries of one feature's order and values from `at`: the samples with goesLeft 1
 * first (`nLeft` of them), each side in its order.
 */
function partition(
  order: Int32Array,
  values: Float64Array,
  goesLeft: Uint8Array,
  scratch: Int32Array,
  scratchValues: Float64Array,
  at: number,
  n: number,
  nLeft: number,
): void {
  let a = 0;
  let b = nLeft;
  for (let k = at, end = at + n; k < end; k++) {
    const p = order[k];
    const v = values[k];
    if (goesLeft[p] === 1) {
      scratch[a] = p;
      scratchValues[a++] = v;
    } else {
      scratch[b] = p;
      scratchValues[b++] = v;
    }
  }
  order.set(scratch.subarray(0, n), at);
  values.set(scratchValues.subarray(0, n), at);
}
