import * as tf from '@tensorflow/tfjs-core';
import { registerGradients, type NetworkStep } from '@prnn/agents';
import type { RecordedTrials } from '../trials/recorded-trials.js';
import { allocateJacobians, type TrialJacobians } from './sensitivity-profile.js';

/**
 * Exact Jacobians ∂o_t/∂s_τ of a NetworkStep in the reference style: for each step t and output a, one
 * backward pass (tf.grads) of Σ_n o_t[n, a] over the prefix s_0 … s_t, the trials of a chunk in one batch.
 * What `networkStepSensitivity` replaces (one pass per chunk); kept as the benchmark's reference.
 */
export function autodiffJacobians(net: NetworkStep, trials: RecordedTrials, options: { chunk?: number } = {}): TrialJacobians {
  registerGradients();
  const { count: N, steps: T, inputs: I } = trials;
  const O = net.outputs;
  const jac = allocateJacobians(trials, O);
  const chunk = options.chunk ?? 256;
  for (let start = 0; start < N; start += chunk) {
    const rows = Math.min(chunk, N - start);
    const maxLength = Math.max(...trials.lengths.subarray(start, start + rows));
    const inputs: tf.Tensor2D[] = [];
    for (let t = 0; t < maxLength; t++) {
      const values = new Float32Array(rows * I);
      for (let r = 0; r < rows; r++) values.set(trials.obs.subarray(((start + r) * T + t) * I, ((start + r) * T + t + 1) * I), r * I);
      inputs.push(tf.tensor2d(values, [rows, I]));
    }
    for (let t = 0; t < maxLength; t++) {
      for (let a = 0; a < O; a++) {
        const pick = tf.tensor2d(Float32Array.from({ length: O }, (_, k) => (k === a ? 1 : 0)), [O, 1]);
        const f = (...s: tf.Tensor[]): tf.Scalar => {
          let state = net.initialState(rows);
          let o: tf.Tensor2D | undefined;
          for (let k = 0; k <= t; k++) ({ output: o, state } = net.step(state, s[k] as tf.Tensor2D, null));
          // 0·Σ s_τ keeps every input connected, so inputs the output does not depend on get a zero gradient
          const connected = s.reduce<tf.Tensor>((acc, x) => tf.add(acc, tf.sum(x)), tf.scalar(0));
          return tf.add(tf.sum(tf.matMul(o as tf.Tensor2D, pick)), tf.mul(connected, 0)) as tf.Scalar;
        };
        const grads = tf.tidy(() => tf.grads(f)(inputs.slice(0, t + 1)).map((g) => g.dataSync() as Float32Array));
        pick.dispose();
        for (let tau = 0; tau <= t; tau++) {
          const g = grads[tau];
          for (let r = 0; r < rows; r++) {
            const n = start + r;
            if (t >= trials.lengths[n]) continue;
            const base = (((n * T + t) * T + tau) * O + a) * I;
            for (let e = 0; e < I; e++) jac.j[base + e] = g[r * I + e];
          }
        }
      }
    }
    for (const x of inputs) x.dispose();
  }
  return jac;
}
