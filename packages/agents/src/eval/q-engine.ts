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
}
