import * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/core';
import { registerGradients, type NetworkStep } from '@prnn/agents';
import type { RecordedTrials } from '../trials/recorded-trials.js';
import { allocateJacobians, allocateProfile, type SensitivityProfile, type TrialJacobians } from './sensitivity-profile.js';

/**
 * Options of autodiff Jacobians through a network's step: backward-pass rows per batch and whether to keep the full
 * Jacobians.
 */
export interface NetworkStepJacobianOptions {
  /** Backward-pass rows per batch, at most (default 8192): a chunk holds ⌊rows / (T·O)⌋ trials, at least 1. */
  readonly rows?: number;
  /** Also return the full Jacobians (tests, small analyses). */
  readonly full?: boolean;
}

/** selectors[k][(r·T + t)·O + a, a] = 1 when t = k: row (r, t, a) keeps only output a of step t. */
function outputSelectors(trials: number, T: number, O: number): Float32Array[] {
  return Array.from({ length: T }, (_, k) => {
    const m = new Float32Array(trials * T * O * O);
    for (let r = 0; r < trials; r++) for (let a = 0; a < O; a++) m[((r * T + k) * O + a) * O + a] = 1;
    return m;
  });
}

/**
 * Exact Jacobians ∂o_t/∂s_τ of any architecture's differentiable step (SDK v2 `NetworkStep`: built-in or
 * plugin) along recorded trials, by tfjs reverse-mode autodiff batched over trials, steps and outputs: each
 * trial is replicated T·O times, replica (t, a) keeps only output a of step t in the summed loss, and ONE
 * backward pass through the replayed trials gives ∂o_t[a]/∂s_τ of every replica at once (trials and replicas
 * never interact). Float32, as tfjs computes.
 */
export function networkStepSensitivity(
  network: NetworkStep,
  trials: RecordedTrials,
  options: NetworkStepJacobianOptions = {},
): { profile: SensitivityProfile; jacobians?: TrialJacobians } {
  registerGradients();
  const { count: N, steps: T, inputs: I, obs, lengths } = trials;
  if (network.inputs !== I) throw new PrnnError(`network must read the trials' ${I} inputs per step (it reads ${network.inputs})`);
  const O = network.outputs;
  const maxRows = options.rows ?? 8192;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new PrnnError(`rows must be an integer ≥ 1 (got ${maxRows})`);
  const chunk = Math.max(1, Math.min(N, Math.floor(maxRows / (T * O))));
  const profile = allocateProfile(trials);
  const jacobians = options.full ? allocateJacobians(trials, O) : undefined;
  const replicas = T * O;
  let selectors = outputSelectors(chunk, T, O);
  let selectorTrials = chunk;
  const sq = new Float64Array(chunk * T * T);
  for (let start = 0; start < N; start += chunk) {
    const rows = Math.min(chunk, N - start);
    if (rows !== selectorTrials) {
      selectors = outputSelectors(rows, T, O);
      selectorTrials = rows;
    }
    let length = 0;
    for (let r = 0; r < rows; r++) length = Math.max(length, lengths[start + r]);
    sq.fill(0);
    // filled inside the tidy, which then returns nothing (it would walk returned typed arrays element by element)
    const grads: Float32Array[] = [];
    tf.tidy(() => {
      const inputs: tf.Tensor2D[] = [];
      for (let k = 0; k < length; k++) {
        const values = new Float32Array(rows * replicas * I);
        for (let r = 0; r < rows; r++) {
          const src = obs.subarray(((start + r) * T + k) * I, ((start + r) * T + k + 1) * I);
          for (let q = 0; q < replicas; q++) values.set(src, (r * replicas + q) * I);
        }
        inputs.push(tf.tensor2d(values, [rows * replicas, I]));
      }
      const masks = selectors.slice(0, length).map((m) => tf.tensor2d(m, [rows * replicas, O]));
      const loss = (...s: tf.Tensor[]): tf.Scalar => {
        let state = network.initialState(rows * replicas);
        let total: tf.Tensor = tf.scalar(0);
        for (let k = 0; k < length; k++) {
          const next = network.step(state, s[k] as tf.Tensor2D, null);
          total = tf.add(total, tf.sum(tf.mul(next.output, masks[k])));
          state = next.state;
        }
        return total as tf.Scalar;
      };
      for (const g of tf.grads(loss)(inputs)) grads.push(g.dataSync() as Float32Array);
    });
    for (let tau = 0; tau < length; tau++) {
      const g = grads[tau];
      for (let r = 0; r < rows; r++) {
        const n = start + r;
        for (let t = tau; t < lengths[n]; t++) {
          let sum = 0;
          for (let a = 0; a < O; a++) {
            const row = ((r * T + t) * O + a) * I;
            for (let e = 0; e < I; e++) {
              const d = g[row + e];
              sum += d * d;
              if (jacobians) jacobians.j[((((n * T + t) * T + tau) * O + a) * I) + e] = d;
            }
          }
          sq[(r * T + t) * T + (t - tau)] = sum;
        }
      }
    }
    for (let k = 0; k < rows * T * T; k++) profile.s[start * T * T + k] = Math.sqrt(sq[k]);
  }
  return { profile, ...(jacobians ? { jacobians } : {}) };
}
