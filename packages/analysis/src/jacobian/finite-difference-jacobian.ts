import { PrnnError } from '@prnn/core';
import { POLICY_ACTIONS, type QEngine } from '@prnn/agents';
import type { RecordedTrials } from '../trials/recorded-trials.js';
import { allocateJacobians, allocateProfile, type SensitivityProfile, type TrialJacobians } from './sensitivity-profile.js';

/**
 * Default central-difference step on the sensed inputs (which lie in [0, 1]). With float32 outputs the
 * rounding error is about 6e-8 / h and the truncation error about h²·|o'''|; 1e-3 balances the two for the
 * 9-pathway family (measured: see test/finite-difference-jacobian.test.ts and the README).
 */
export const FD_STEP = 1e-3;

/** Options of the finite-difference sensitivity: step, trials per batch and whether to keep the full Jacobians. */
export interface FiniteDifferenceOptions {
  /** Step h of the central differences (default FD_STEP). */
  readonly step?: number;
  /** Trials per batch (default 128: 128 × T × I × 2 rows per engine call). */
  readonly chunk?: number;
  /** Also return the full Jacobians (tests). */
  readonly full?: boolean;
}

/**
 * Jacobians ∂o_t/∂s_τ of ANY policy engine (e.g. an ONNX policy from PyTorch or JAX) by batched central
 * finite differences: for each trial, source step τ and input e, two rows replay the recorded inputs with
 * s_τ[e] ± h, and (o_t⁺ − o_t⁻)/2h for t ≥ τ is column e of ∂o_t/∂s_τ. All rows of a chunk of trials go
 * through the engine as one batch per step; the engine's output q is taken as the output activity o.
 */
export async function finiteDifferenceSensitivity(
  engine: QEngine,
  trials: RecordedTrials,
  options: FiniteDifferenceOptions = {},
): Promise<{ profile: SensitivityProfile; jacobians?: TrialJacobians }> {
  return centralDifferences(engine, trials, options.step ?? FD_STEP, options, (n) => new Float32Array(n));
}

/** Central-difference step of the float64 path: rounding about 1e-16 / h, truncation about h². */
export const FD_STEP_FLOAT64 = 1e-5;

/** An engine that steps in double precision (see DoubleSession). */
export interface Float64Engine {
  readonly obsSize: number;
  /**
   * A policy engine that computes in float64: `reset` sets the batch and zeroes the state, `step` writes the Q-values
   * of one observation batch and advances the state.
   */
  reset(batch: number): void;
  /** Starts `batch` trials from the zero state. */
  step(obs: Float64Array, q: Float64Array): Promise<void> | void;
}

/** finiteDifferenceSensitivity through an engine that computes in float64 (default step FD_STEP_FLOAT64). */
export async function finiteDifferenceSensitivity64(
  engine: Float64Engine,
  trials: RecordedTrials,
  options: FiniteDifferenceOptions = {},
): Promise<{ profile: SensitivityProfile; jacobians?: TrialJacobians }> {
  return centralDifferences(engine, trials, options.step ?? FD_STEP_FLOAT64, options, (n) => new Float64Array(n));
}

async function centralDifferences<A extends Float32Array | Float64Array>(
  engine: { readonly obsSize: number; reset(batch: number): void; step(obs: A, q: A): Promise<void> | void },
  trials: RecordedTrials,
  h: number,
  options: FiniteDifferenceOptions,
  alloc: (n: number) => A,
): Promise<{ profile: SensitivityProfile; jacobians?: TrialJacobians }> {
  if (!(h > 0 && h < 1)) throw new PrnnError(`finite-difference step must be a number in (0, 1) (got ${h})`);
  const chunk = options.chunk ?? 128;
  if (!Number.isInteger(chunk) || chunk < 1) throw new PrnnError(`chunk must be an integer ≥ 1 (got ${chunk})`);
  const { count: N, steps: T, inputs: I, obs, lengths } = trials;
  if (engine.obsSize !== I) throw new PrnnError(`policy obs size must equal the trials' ${I} inputs (got ${engine.obsSize})`);
  const O = POLICY_ACTIONS;
  const profile = allocateProfile(trials);
  const jacobians = options.full ? allocateJacobians(trials, O) : undefined;
  const perTrial = T * I * 2;
  const maxRows = Math.min(chunk, N) * perTrial;
  const batchObs = alloc(maxRows * I);
  const q = alloc(maxRows * O);
  const sq = new Float64Array(Math.min(chunk, N) * T * T);
  for (let start = 0; start < N; start += chunk) {
    const trialsNow = Math.min(chunk, N - start);
    const rows = trialsNow * perTrial;
    const o = (rows === maxRows ? batchObs : batchObs.subarray(0, rows * I)) as A;
    const qv = (rows === maxRows ? q : q.subarray(0, rows * O)) as A;
    engine.reset(rows);
    sq.fill(0);
    let maxLength = 0;
    for (let r = 0; r < trialsNow; r++) maxLength = Math.max(maxLength, lengths[start + r]);
    for (let t = 0; t < maxLength; t++) {
      for (let r = 0; r < trialsNow; r++) {
        const src = ((start + r) * T + t) * I;
        for (let tau = 0; tau < T; tau++) {
          for (let e = 0; e < I; e++) {
            const row = ((r * T + tau) * I + e) * 2;
            for (let sign = 0; sign < 2; sign++) {
              const dst = (row + sign) * I;
              for (let j = 0; j < I; j++) o[dst + j] = obs[src + j];
              if (tau === t) o[dst + e] += sign === 0 ? h : -h;
            }
          }
        }
      }
      const pending = engine.step(o, qv);
      if (pending) await pending;
      for (let r = 0; r < trialsNow; r++) {
        const n = start + r;
        if (t >= lengths[n]) continue;
        for (let tau = 0; tau <= t; tau++) {
          let sum = 0;
          for (let e = 0; e < I; e++) {
            const row = ((r * T + tau) * I + e) * 2;
            for (let a = 0; a < O; a++) {
              const d = (qv[row * O + a] - qv[(row + 1) * O + a]) / (2 * h);
              sum += d * d;
              if (jacobians) jacobians.j[((((n * T + t) * T + tau) * O + a) * I) + e] = d;
            }
          }
          sq[(r * T + t) * T + (t - tau)] = sum;
        }
      }
    }
    for (let k = 0; k < trialsNow * T * T; k++) profile.s[start * T * T + k] = Math.sqrt(sq[k]);
  }
  return { profile, ...(jacobians ? { jacobians } : {}) };
}
