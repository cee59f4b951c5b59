import { PrnnError } from '@prnn/core';
import { POLICY_ACTIONS, POLICY_INPUTS, POLICY_OUTPUTS, readOnnxGraph, type QEngine } from '@prnn/agents';
import type { RecordedTrials } from '../trials/recorded-trials.js';
import { OnnxProgram, unsupportedOnnxOps, type Value } from './onnx-interpreter.js';
import { allocateJacobians, allocateProfile, type SensitivityProfile, type TrialJacobians } from './sensitivity-profile.js';

/** Name of the exact ONNX path in reports (`jacobian` column). */
export const ONNX_EXACT_JACOBIAN = 'onnx-exact';

/**
 * How close the interpreter's forward pass must be to onnxruntime's before its Jacobians are trusted: the
 * largest |q_interp − q_ort| and |state_interp − state_ort| over every recorded step, each divided by the
 * largest magnitude entering that row's step (obs and state, at least 1; for the state at least |state_ort|).
 * onnxruntime computes in float32 and the interpreter in float64, so they agree at float32 rounding (about
 * 1e-7 per op, growing with the magnitudes involved — hence the scaling); 1e-4 leaves room for long chains of
 * ops and still catches any op whose semantics differ (an O(1) deviation).
 */
export const ONNX_FORWARD_TOLERANCE = 1e-4;

/** Options of onnxExactSensitivity. */
export interface OnnxJacobianOptions {
  /** Trials per batch (default 64). */
  readonly chunk?: number;
  /** Also return the full Jacobians (tests). */
  readonly full?: boolean;
  /**
   * onnxruntime's engine of the same model: the forward pass is compared with it step by step. When the engine
   * exposes its recurrent state (SessionPolicy, OnnxPolicy), its state_out is compared too and then replaced by
   * the interpreter's, so every step is checked from the same state: a recurrent policy whose float32
   * trajectory drifts away from the float64 one (chaotic dynamics) is not mistaken for a wrong op.
   */
  readonly engine?: QEngine & { readonly state?: Float32Array };
}

/** The profile (and full Jacobians on request) of onnxExactSensitivity, with the forward check's deviation. */
export interface OnnxJacobianResult {
  readonly profile: SensitivityProfile;
  readonly jacobians?: TrialJacobians;
  /** Largest forward deviation from the engine (NaN without an engine). */
  readonly forwardDeviation: number;
}

/** The model's graph as an interpreter program, or why it cannot be one (unsupported ops, undecodable). */
export function onnxProgram(bytes: Uint8Array): { program: OnnxProgram } | { reason: string } {
  try {
    const graph = readOnnxGraph(bytes);
    const bad = unsupportedOnnxOps(graph);
    if (bad.length > 0) return { reason: `ops outside the interpreter: ${bad.join(', ')}` };
    for (const name of [POLICY_INPUTS.obs, POLICY_INPUTS.state]) {
      if (!graph.inputs.includes(name)) return { reason: `graph input ${name} is missing` };
    }
    for (const name of [POLICY_OUTPUTS.q, POLICY_OUTPUTS.stateOut]) {
      if (!graph.outputs.includes(name)) return { reason: `graph output ${name} is missing` };
    }
    return { program: new OnnxProgram(graph) };
  } catch (e) {
    if (e instanceof PrnnError) return { reason: e.message };
    throw e;
  }
}

/**
 * Exact Jacobians ∂o_t/∂s_τ of an ONNX policy along recorded trials: the graph runs in the double-precision
 * interpreter with forward-mode tangents, a chunk of trials as one batch. At step t the tangent directions are
 * (τ, e) for τ ≤ t and every input e — direction (τ, e) perturbs input e of every row's own trial at step τ,
 * which is exact because a policy never mixes rows — so the tangent of q at step t is column e of
 * ∂o_t/∂s_τ for every row at once. The state's tangents carry the earlier directions from step to step.
 * With `engine`, onnxruntime runs the same inputs and the largest forward deviation is returned; a deviation
 * above ONNX_FORWARD_TOLERANCE throws.
 */
export async function onnxExactSensitivity(
  program: OnnxProgram,
  stateSize: number,
  trials: RecordedTrials,
  options: OnnxJacobianOptions = {},
): Promise<OnnxJacobianResult> {
  const chunk = options.chunk ?? 64;
  if (!Number.isInteger(chunk) || chunk < 1) throw new PrnnError(`chunk must be an integer ≥ 1 (got ${chunk})`);
  const { count: N, steps: T, inputs: I, obs, lengths } = trials;
  const O = POLICY_ACTIONS;
  const S = stateSize;
  const profile = allocateProfile(trials);
  const jacobians = options.full ? allocateJacobians(trials, O) : undefined;
  const engine = options.engine;
  let deviation = engine ? 0 : Number.NaN;
  for (let start = 0; start < N; start += chunk) {
    const B = Math.min(chunk, N - start);
    let length = 0;
    for (let r = 0; r < B; r++) length = Math.max(length, lengths[start + r]);
    let state: Value = { dims: [B, S], dtype: 'float', v: new Float64Array(B * S), t: null };
    const engineObs = new Float32Array(B * I);
    const engineQ = new Float32Array(B * O);
    engine?.reset(B);
    for (let t = 0; t < length; t++) {
      const D = (t + 1) * I;
      const obsV = new Float64Array(B * I);
      for (let r = 0; r < B; r++) for (let e = 0; e < I; e++) obsV[r * I + e] = obs[((start + r) * T + t) * I + e];
      const obsT = new Float64Array(D * B * I);
      for (let e = 0; e < I; e++) for (let r = 0; r < B; r++) obsT[((t * I + e) * B + r) * I + e] = 1;
      const stateT = new Float64Array(D * B * S);
      if (state.t) stateT.set(state.t.subarray(0, Math.min(state.t.length, stateT.length)));
      const out = program.run(
        {
          [POLICY_INPUTS.obs]: { dims: [B, I], dtype: 'float', v: obsV, t: obsT },
          [POLICY_INPUTS.state]: { dims: [B, S], dtype: 'float', v: state.v, t: stateT },
        },
        D,
      );
      const q = out.get(POLICY_OUTPUTS.q)!;
      const next = out.get(POLICY_OUTPUTS.stateOut)!;
      if (q.v.length !== B * O || next.v.length !== B * S) {
        throw new PrnnError(`the interpreted graph gives q [${q.dims.join(', ')}] and state_out [${next.dims.join(', ')}]; expected [${B}, ${O}] and [${B}, ${S}]`);
      }
      if (engine) {
        for (let r = 0; r < B; r++) engineObs.set(obs.subarray(((start + r) * T + t) * I, ((start + r) * T + t + 1) * I), r * I);
        const pending = engine.step(engineObs, engineQ);
        if (pending) await pending;
        const engineState = engine.state;
        for (let r = 0; r < B; r++) {
          if (t >= lengths[start + r]) continue;
          // onnxruntime rounds in float32, so its error grows with the magnitudes that enter the step
          let scale = 1;
          for (let k = r * I; k < (r + 1) * I; k++) scale = Math.max(scale, Math.abs(obsV[k]));
          for (let k = r * S; k < (r + 1) * S; k++) scale = Math.max(scale, Math.abs(state.v[k]));
          for (let a = 0; a < O; a++) deviation = Math.max(deviation, Math.abs(q.v[r * O + a] - engineQ[r * O + a]) / scale);
          if (engineState && engineState.length === B * S) {
            for (let k = r * S; k < (r + 1) * S; k++) deviation = Math.max(deviation, Math.abs(next.v[k] - engineState[k]) / Math.max(scale, Math.abs(engineState[k])));
          }
        }
        if (engineState && engineState.length === B * S) for (let k = 0; k < B * S; k++) engineState[k] = next.v[k];
      }
      const n = B * O;
      for (let r = 0; r < B; r++) {
        const trial = start + r;
        if (t >= lengths[trial]) continue;
        for (let tau = 0; tau <= t; tau++) {
          let sum = 0;
          for (let e = 0; e < I; e++) {
            const d = tau * I + e;
            for (let a = 0; a < O; a++) {
              const g = q.t ? q.t[d * n + r * O + a] : 0;
              sum += g * g;
              if (jacobians) jacobians.j[((((trial * T + t) * T + tau) * O + a) * I) + e] = g;
            }
          }
          profile.s[(trial * T + t) * T + (t - tau)] = Math.sqrt(sum);
        }
      }
      state = { dims: [B, S], dtype: 'float', v: next.v, t: next.t };
    }
    if (deviation > ONNX_FORWARD_TOLERANCE) {
      throw new PrnnError(`the interpreter's forward pass differs from onnxruntime's by ${deviation.toExponential(2)} (relative), more than ${ONNX_FORWARD_TOLERANCE}`);
    }
  }
  return { profile, ...(jacobians ? { jacobians } : {}), forwardDeviation: deviation };
}
