/**
 * A gated recurrent unit network (Cho et al. 2014) of H units. One step, with the sensed input s_t and the
 * learner's tie noise u_t (gates z, r and candidate c side by side in W_x [I, 3H], W_h [H, 3H], b [3H]):
 *
 *   z = σ(s·W_xz + h·W_hz + b_z)    r = σ(s·W_xr + h·W_hr + b_r)    c = tanh(s·W_xc + r ⊙ (h·W_hc) + b_c)
 *   h_t = (1 − z) ⊙ c + z ⊙ h_{t−1}                                   q_t = softmax(h_t·W_out + b_out + u_t)
 *
 * The family is only this description: prnn compiles the step to a WebAssembly population kernel with a
 * vector-Jacobian product (the `compiled` path), and gives it checkpoints, weight files and ONNX export.
 */
import { PrnnError, defineArchitecture, tf, type ArchInfo, type ArchitectureDefinition, type Rng, type StepSizes } from '@prnn/agents';

/** Family name of the gated-recurrent-unit architecture (one member, `gru`). */
export const GRU_FAMILY = 'gru';

function info(hidden: number, channels: number): ArchInfo {
  if (!Number.isInteger(hidden) || hidden < 1) throw new PrnnError(`hidden must be an integer ≥ 1 (got ${hidden})`);
  const I = 4 * channels;
  return { family: GRU_FAMILY, name: 'gru', hidden, parameters: 3 * hidden * (I + hidden + 1) + hidden * 5 + 5 };
}

function uniform(n: number, k: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.float() - 1) * k);
}

/**
 * Definition of the GRU family: one member `gru` with hidden-size units, 3·H·(I+H+1) gate parameters plus a 5-action
 * readout.
 */
export const gruDefinition: ArchitectureDefinition = {
  family: GRU_FAMILY,
  description: 'gated recurrent units (Cho et al. 2014): gru',
  list: ({ channels, hidden }) => [info(hidden, channels)],
  resolve: (spec, { channels, hidden }) => (spec.trim().toLowerCase() === 'gru' ? info(hidden, channels) : undefined),
  parameters: (arch, { inputs, outputs }: StepSizes) => {
    const H = arch.hidden;
    return { w_x: [inputs, 3 * H], w_h: [H, 3 * H], b: [3 * H], w_out: [H, outputs], b_out: [outputs] };
  },
  init(arch, { inputs, outputs }, rng) {
    const H = arch.hidden;
    const k = Math.sqrt(1 / H);
    return {
      w_x: uniform(inputs * 3 * H, k, rng),
      w_h: uniform(H * 3 * H, k, rng),
      b: uniform(3 * H, k, rng),
      w_out: uniform(H * outputs, k, rng),
      b_out: new Float32Array(outputs),
    };
  },
  stateSize: (arch) => arch.hidden,
  step(p, h, obs, noise) {
    const H = h.shape[2];
    const [xz, xr, xc] = tf.split(tf.add(tf.matMul(obs, p.w_x as tf.Tensor3D), p.b), [H, H, H], 2);
    const [hz, hr, hc] = tf.split(tf.matMul(h, p.w_h as tf.Tensor3D), [H, H, H], 2);
    const z = tf.sigmoid(tf.add(xz, hz));
    const r = tf.sigmoid(tf.add(xr, hr));
    const c = tf.tanh(tf.add(xc, tf.mul(r, hc)));
    const next = tf.add(tf.mul(tf.sub(1, z), c), tf.mul(z, h)) as tf.Tensor3D;
    const logits = tf.add(tf.matMul(next, p.w_out as tf.Tensor3D), p.b_out);
    return { output: tf.softmax(noise ? tf.add(logits, noise) : logits) as tf.Tensor3D, state: next };
  },
};

/** The GRU family as a registrable architecture, built from {@link gruDefinition}. */
export const gruArchitecture = defineArchitecture(gruDefinition);
