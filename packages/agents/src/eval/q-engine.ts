import { PrnnError } from '@prnn/core';

/**
 * What the evaluator needs from a policy: Q-values for a batch of observations, with the recurrent state
 * kept inside the engine. Everything else — the environments, the sensor-noise streams and the tie-breaking
 * draws — belongs to the evaluator, so two engines running the same network give identical fitness.
 */
export interface QEngine {
  /** Reported in results (`onnx`, `tfjs`, `reference`). */
  readonly engine: string;
  /** Length of one observation row (4·C). */
  readonly obsSize: number;
  /** Prepares for `batch` rows and sets every row's recurrent state to its initial (zero) value. */
  reset(batch: number): void;
  /**
   * Writes q ([batch·5], row-major) for the observations `obs` ([batch·obsSize]) and advances the state.
   * Must not keep references to `obs` or `q` beyond the call, except to reuse them in the next one.
   */
  step(obs: Float32Array, q: Float32Array): Promise<void> | void;
  /**
   * Optional: keeps rows `rows[0 … count)` of the current batch (strictly increasing), in that order, with
   * their recurrent state; the next steps take `count` rows of observations and write `count` rows of q, and
   * row k is the old row `rows[k]`. An engine whose rows are computed independently of one another (the
   * same bits for a row in any batch) offers it so that an evaluation runs only the trials still going;
   * `reset` restores the full batch.
   */
  compact?(rows: Int32Array, count: number): void;
}

/**
 * Checks compact's arguments against a batch of `batch` rows (PrnnError naming what is wrong); true when
 * every row is kept (nothing to move).
 */
export function checkCompactRows(rows: Int32Array, count: number, batch: number): boolean {
  if (batch === 0) throw new PrnnError('compact called before reset(batch)');
  if (!Number.isInteger(count) || count < 1 || count > batch || count > rows.length) {
    throw new PrnnError(`compact count must be an integer in [1, ${Math.min(batch, rows.length)}] (got ${count})`);
  }
  let previous = -1;
  for (let k = 0; k < count; k++) {
    const r = rows[k];
    if (r <= previous || r >= batch) {
      throw new PrnnError(`compact rows must be strictly increasing row indices in [0, ${batch - 1}] (rows[${k}] = ${r})`);
    }
    previous = r;
  }
  return count === batch;
}

/** Moves rows `rows[0 … count)` of a row-major [rows × width] buffer to rows 0 … count−1 (rows increasing). */
export function gatherRows(buffer: Float32Array, width: number, rows: Int32Array, count: number): void {
  for (let k = 0; k < count; k++) {
    const r = rows[k];
    if (r !== k) buffer.copyWithin(k * width, r * width, (r + 1) * width);
  }
}
