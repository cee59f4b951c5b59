import type * as tf from '@tensorflow/tfjs-core';

/**
 * What one population-episode rollout records (T = steps, P = population, I = inputs, O = outputs).
 * Index order is time-major: obs[(t*P + n)*I + j], actions[t*P + n], targets[t*P + n], tieNoise[(t*P + n)*O + k].
 * Entries with t ≥ lengths[n] are ignored by the learning pass.
 */
export interface EpisodeRecords {
  readonly steps: number;
  readonly population: number;
  readonly obs: Float32Array;
  readonly actions: Int32Array;
  /** y_t = r_t + γ·max Q'_t − 0.1, computed during the rollout with the episode's (fixed) weights. */
  readonly targets: Float32Array;
  /** The tie-breaking noise u_t used in the rollout; the learning pass reuses it. */
  readonly tieNoise: Float32Array;
  readonly lengths: Int32Array;
}

export function allocateEpisodeRecords(steps: number, population: number, inputs: number, outputs: number): EpisodeRecords {
  return {
    steps,
    population,
    obs: new Float32Array(steps * population * inputs),
    actions: new Int32Array(steps * population),
    targets: new Float32Array(steps * population),
    tieNoise: new Float32Array(steps * population * outputs),
    lengths: new Int32Array(population),
  };
}

/**
 * P networks of one architecture family, trained in lockstep. Implementations: the generic tfjs path and,
 * for the 9-pathway family, the fused typed-array kernel. The learner owns the optimiser and clipping;
 * the model owns the variables, the recurrent state and the learning-pass op.
 */
export interface PopulationModel {
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  /** Trainable variables; each has the population as its leading dimension (network n's slice is [n]). */
  readonly variables: readonly tf.Variable[];
  /** Zeroes the recurrent state of every network, for `batch` environments per network. */
  resetState(batch: number): void;
  /**
   * Q-values from each network's current state on `obs` ([P*batch*I], network-major), with `tieNoise`
   * ([P*batch*O]) added before the softmax when given; writes `q` ([P*batch*O]). With `advance` the state
   * moves on to this step's state; without, the state is left as it was (the DQN's target forward).
   */
  forward(obs: Float32Array, tieNoise: Float32Array | null, q: Float32Array, advance: boolean): void;
  /**
   * The learning pass: per network, L_n = Σ_{t < lengths[n]} (Q_t[a_t] − y_t)² with Q from a forward over
   * the recorded obs from the zero state (states not detached), and dL/dθ for every variable
   * (aligned with `variables`; network n's gradient lives in slice [n]). The caller disposes `gradients`.
   */
  lossAndGradients(records: EpisodeRecords): { losses: Float32Array; gradients: tf.Tensor[] };
  /** Network n's weights by name (for the 9-pathway family: pathway name → row-major [A, B]). */
  exportWeights(n: number): Record<string, Float32Array>;
  importWeights(n: number, weights: Record<string, Float32Array>): void;
  dispose(): void;
}
