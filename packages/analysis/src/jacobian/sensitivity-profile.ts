import type { RecordedTrials } from '../trials/recorded-trials.js';

/**
 * S(t, k) = ‖∂o_t/∂s_{t+k}‖_F for every trial, step t < length and lag k = 0, −1, …, −t (docs/spec.md §4), stored by
 * lag magnitude: s[(n·T + t)·T + (−k)]; entries outside a trial (t ≥ length or t + k < 0) are 0.
 */
export interface SensitivityProfile {
  readonly count: number;
  readonly steps: number;
  readonly s: Float64Array;
  readonly lengths: Int32Array;
}

/** A zeroed sensitivity profile for these trials: S(t, k) for every trial and pair of steps (count × T × T). */
export function allocateProfile(trials: RecordedTrials): SensitivityProfile {
  const { count, steps } = trials;
  return { count, steps, s: new Float64Array(count * steps * steps), lengths: trials.lengths };
}

/**
 * Full Jacobians ∂o_t/∂s_τ of the trials: j[((((n·T + t)·T + τ)·O + a)·I + e] (zero for τ > t or t ≥ length).
 * For tests and small analyses; the measures need only the profile.
 */
export interface TrialJacobians {
  readonly count: number;
  readonly steps: number;
  readonly outputs: number;
  readonly inputs: number;
  readonly j: Float64Array;
}

/** Zeroed full Jacobians for these trials: an outputs × inputs block for every trial and pair of steps. */
export function allocateJacobians(trials: RecordedTrials, outputs: number): TrialJacobians {
  const { count, steps, inputs } = trials;
  return { count, steps, outputs, inputs, j: new Float64Array(count * steps * steps * outputs * inputs) };
}

/** The profile of full Jacobians (the Frobenius norm of each block). */
export function profileOfJacobians(jac: TrialJacobians, lengths: Int32Array): SensitivityProfile {
  const { count: N, steps: T, outputs: O, inputs: I } = jac;
  const s = new Float64Array(N * T * T);
  const block = O * I;
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < lengths[n]; t++) {
      for (let tau = 0; tau <= t; tau++) {
        const base = ((n * T + t) * T + tau) * block;
        let sum = 0;
        for (let q = 0; q < block; q++) sum += jac.j[base + q] * jac.j[base + q];
        s[(n * T + t) * T + (t - tau)] = Math.sqrt(sum);
      }
    }
  }
  return { count: N, steps: T, s, lengths };
}
