/**
 * A low-rank recurrent network of tanh units (Mastrogiuseppe & Ostojic 2018): the recurrent weights are
 * W_hh = m·nᵀ / H with m, n ∈ R^{H×R}, rank R = 1 or 2, so the activity lives near the R-dimensional space
 * spanned by m. One step, with the sensed input s_t and the learner's tie noise u_t:
 *
 *   h_t = tanh(s_t·W_in + (h_{t−1}·n)·mᵀ / H)      q_t = softmax(h_t·W_out + u_t)
 *
 * The whole family is this description; prnn's defineArchitecture gives it training (tfjs autodiff),
 * checkpoints, weight files, ONNX export (traced from the step) and evaluation.
 */
import { PrnnError, defineArchitecture, tf, type ArchInfo, type ArchitectureDefinition, type Rng, type StepSizes } from '@prnn/agents';

/** Family name of the low-rank tanh RNNs (members `lowrank-r1`, `lowrank-r2`). */
export const LOWRANK_FAMILY = 'lowrank-rnn';
const SPEC = /^lowrank(?:-r([12]))?$/;

function rankOf(arch: ArchInfo): number {
  const m = SPEC.exec(arch.name);
  if (!m) throw new PrnnError(`architecture ${arch.name} is not a member of family ${LOWRANK_FAMILY} (lowrank-r1, lowrank-r2)`);
  return Number(m[1] ?? 1);
}

function info(rank: number, hidden: number, channels: number): ArchInfo {
  if (!Number.isInteger(hidden) || hidden < rank) throw new PrnnError(`hidden must be an integer ≥ ${rank} for rank ${rank} (got ${hidden})`);
  const I = 4 * channels;
  return { family: LOWRANK_FAMILY, name: `lowrank-r${rank}`, hidden, parameters: I * hidden + 2 * hidden * rank + hidden * 5 };
}

function uniform(n: number, k: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.float() - 1) * k);
}

/** Definition of the low-rank family: tanh RNNs whose recurrent weights are m·nᵀ/H of rank 1 or 2. */
export const lowRankDefinition: ArchitectureDefinition = {
  family: LOWRANK_FAMILY,
  description: 'tanh RNN with rank-1 or rank-2 recurrent weights m·nᵀ/H (Mastrogiuseppe & Ostojic 2018): lowrank-r1, lowrank-r2',
  list: ({ channels, hidden }) => [1, 2].map((r) => info(r, hidden, channels)),
  resolve(spec, { channels, hidden }) {
    const m = SPEC.exec(spec.trim().toLowerCase());
    return m ? info(Number(m[1] ?? 1), hidden, channels) : undefined;
  },
  parameters: (arch, { inputs, outputs }: StepSizes) => {
    const H = arch.hidden;
    const R = rankOf(arch);
    return { w_in: [inputs, H], m: [H, R], n: [H, R], w_out: [H, outputs] };
  },
  init(arch, { inputs, outputs }, rng) {
    const H = arch.hidden;
    const R = rankOf(arch);
    return {
      w_in: uniform(inputs * H, Math.sqrt(1 / inputs), rng),
      // unit-variance connectivity vectors: W_hh has eigenvalue nᵀm/H of order 1/√H at init
      m: Float32Array.from({ length: H * R }, () => rng.normal()),
      n: Float32Array.from({ length: H * R }, () => rng.normal()),
      w_out: uniform(H * outputs, Math.sqrt(1 / H), rng),
    };
  },
  stateSize: (arch) => arch.hidden,
  step(p, state, obs, noise, arch) {
    const recurrent = tf.div(tf.matMul(tf.matMul(state, p.n as tf.Tensor3D), p.m as tf.Tensor3D, false, true), arch.hidden);
    const h = tf.tanh(tf.add(tf.matMul(obs, p.w_in as tf.Tensor3D), recurrent)) as tf.Tensor3D;
    const z = tf.matMul(h, p.w_out as tf.Tensor3D);
    return { output: tf.softmax(noise ? tf.add(z, noise) : z) as tf.Tensor3D, state: h };
  },
};

/** The low-rank family as a registrable architecture, built from {@link lowRankDefinition}. */
export const lowRankArchitecture = defineArchitecture(lowRankDefinition);
