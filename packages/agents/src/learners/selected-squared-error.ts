import * as tf from '@tensorflow/tfjs-core';
import type { LossOperation } from '../sdk/learning-pass.js';
import type { EpisodeRecords } from '../sdk/population-model.js';

/** The loss of the reference DQN (docs/spec.md §3) as an operation kernels can implement: Σ_t (o_t[a_t] − y_t)². */
export const SELECTED_SQUARED_ERROR = 'selected-squared-error';

interface Scratch {
  readonly select: Float32Array;
  readonly targets: Float32Array;
}
const scratch = new Map<number, Scratch>();

/**
 * Per network n: L_n = Σ_{t < lengths[n]} (o_t[a_t] − y_t)² with `targets` as y, over the outputs of the
 * whole episode (BPTT through the unrolled step). Steps past a network's length select nothing and have
 * target 0, so they add exactly 0.
 */
export const selectedSquaredError: LossOperation<EpisodeRecords> = {
  operation: SELECTED_SQUARED_ERROR,
  loss(outputs, records, steps) {
    const P = records.population;
    const O = outputs.shape[2];
    let s = scratch.get(steps * P * O);
    if (!s || s.targets.length !== steps * P) {
      s = { select: new Float32Array(steps * P * O), targets: new Float32Array(steps * P) };
      scratch.set(steps * P * O, s);
    }
    s.select.fill(0);
    s.targets.fill(0);
    for (let t = 0; t < steps; t++) {
      for (let n = 0; n < P; n++) {
        if (t >= records.lengths[n]) continue;
        const row = t * P + n;
        s.select[row * O + records.actions[row]] = 1;
        s.targets[row] = records.targets[row];
      }
    }
    const chosen = tf.sum(tf.mul(outputs, tf.tensor3d(s.select, [steps, P, O])), 2);
    return tf.sum(tf.square(tf.sub(chosen, tf.tensor2d(s.targets, [steps, P]))), 0) as tf.Tensor1D;
  },
  // dL/do_t[k] = 2·(o_t[a_t] − y_t) for k = a_t, else 0; the loss sums the squares in step order (float32)
  cotangents(outputs, records, steps, cotangents, losses) {
    const P = records.population;
    const O = outputs.length / (steps * P);
    cotangents.fill(0, 0, steps * P * O);
    losses.fill(0);
    for (let t = 0; t < steps; t++) {
      for (let n = 0; n < P; n++) {
        if (t >= records.lengths[n]) continue;
        const row = t * P + n;
        const at = row * O + records.actions[row];
        const e = Math.fround(outputs[at] - records.targets[row]);
        losses[n] = Math.fround(losses[n] + Math.fround(e * e));
        cotangents[at] = Math.fround(2 * e);
      }
    }
  },
};
