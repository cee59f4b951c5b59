/**
 * A tanh RNN whose recurrent connectivity is a fixed mask M (unit i → unit j where M[i][j] = 1):
 *
 *   h_t = tanh(s_t·W_in + h_{t−1}·(W_hh ⊙ D) + b)        q_t = softmax(h_t·W_out + u_t)
 *
 * with D = M, or under Dale's law (each unit's outgoing weights one sign) W_hh ⊙ D replaced by |W_hh| ⊙ D,
 * D[i][j] = sign_i·M[i][j]. Members:
 * - `masked-ring<k>`: ring locality, unit i reaches the units at ring distance ≤ k (itself included);
 * - `masked-file-<name>`: the mask of `<name>.json` in the masks directory ($PRNN_MASKS, else ./masks), a
 *   JSON object {"mask": H rows of H 0/1 numbers, "sign"?: H numbers ±1 (Dale's law)};
 * - a `-dale` suffix on a ring member: Dale's law with every fifth unit inhibitory (sign −1).
 * The masked-out weights are stored (weight files keep the H×H shape) but never reach the output, so they
 * get zero gradient; the step compiler folds them away.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PrnnError, defineArchitecture, tf, type ArchInfo, type ArchitectureDefinition, type Rng, type StepSizes } from '@prnn/agents';

/** Family name of the masked-connectivity tanh RNNs (`masked-ring<k>[-dale]`, `masked-file-<name>[-dale]`). */
export const MASKED_FAMILY = 'masked-rnn';
/** Environment variable naming the directory of mask files (default ./masks). */
export const MASKS_ENV = 'PRNN_MASKS';
const SPEC = /^masked-(?:ring(\d+)(-dale)?|file-([a-z0-9_.-]+?)(-dale)?)$/;

/** A member's connectivity: D (H×H, row-major; 0 where masked) and whether Dale's law applies. */
export interface Connectivity {
  readonly hidden: number;
  readonly d: Float32Array;
  readonly dale: boolean;
  readonly connections: number;
}

/** Ring locality of radius k; with Dale's law every fifth unit (i mod 5 = 4) is inhibitory. */
export function ringConnectivity(hidden: number, k: number, dale: boolean): Connectivity {
  const d = new Float32Array(hidden * hidden);
  let connections = 0;
  for (let i = 0; i < hidden; i++) {
    for (let j = 0; j < hidden; j++) {
      const dist = Math.min(Math.abs(i - j), hidden - Math.abs(i - j));
      if (dist <= k) {
        d[i * hidden + j] = dale && i % 5 === 4 ? -1 : 1;
        connections++;
      }
    }
  }
  return { hidden, d, dale, connections };
}

/** The connectivity in a mask file (checked: H×H of 0/1, optional signs ±1). */
export function fileConnectivity(file: string, hidden: number): Connectivity {
  const bad = (what: string) => new PrnnError(`mask file ${file}: ${what}; write {"mask": [[0|1, …] × ${hidden}], "sign": [±1 × ${hidden}] (optional)}`);
  if (!existsSync(file)) throw new PrnnError(`mask file ${file} does not exist: put <name>.json in $${MASKS_ENV} or ./masks`);
  let json: { mask?: unknown; sign?: unknown };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw bad('not valid JSON');
  }
  const mask = json.mask;
  if (!Array.isArray(mask) || mask.length !== hidden || !mask.every((row) => Array.isArray(row) && row.length === hidden && row.every((v) => v === 0 || v === 1))) {
    throw bad(`"mask" must be ${hidden} rows of ${hidden} numbers 0 or 1 (the network's hidden size)`);
  }
  const sign = json.sign;
  if (sign !== undefined && (!Array.isArray(sign) || sign.length !== hidden || !sign.every((v) => v === 1 || v === -1))) {
    throw bad(`"sign" must be ${hidden} numbers 1 or -1`);
  }
  const d = new Float32Array(hidden * hidden);
  let connections = 0;
  for (let i = 0; i < hidden; i++) {
    for (let j = 0; j < hidden; j++) {
      if (mask[i][j] === 1) {
        d[i * hidden + j] = sign ? (sign as number[])[i] : 1;
        connections++;
      }
    }
  }
  return { hidden, d, dale: sign !== undefined, connections };
}

const cache = new Map<string, Connectivity>();

/** The connectivity of a member (read once per name, hidden size and masks directory). */
export function connectivityOf(name: string, hidden: number): Connectivity {
  const m = SPEC.exec(name);
  if (!m) throw new PrnnError(`architecture ${name} is not a member of family ${MASKED_FAMILY} (masked-ring<k>[-dale], masked-file-<name>)`);
  const dir = process.env[MASKS_ENV] || path.resolve('masks');
  const key = `${name}/${hidden}/${dir}`;
  let c = cache.get(key);
  if (!c) {
    c = m[1] !== undefined ? ringConnectivity(hidden, Number(m[1]), m[2] !== undefined) : fileConnectivity(path.join(dir, `${m[3]}.json`), hidden);
    if (m[3] !== undefined && m[4] !== undefined && !c.dale) throw new PrnnError(`architecture ${name}: Dale's law needs "sign" in the mask file ${path.join(dir, `${m[3]}.json`)}`);
    cache.set(key, c);
  }
  return c;
}

function info(name: string, hidden: number, channels: number): ArchInfo {
  if (!Number.isInteger(hidden) || hidden < 1) throw new PrnnError(`hidden must be an integer ≥ 1 (got ${hidden})`);
  connectivityOf(name, hidden); // checks the mask now
  // parameters counts the stored weights (W_hh whole); the connections the mask keeps are what trains
  return { family: MASKED_FAMILY, name, hidden, parameters: 4 * channels * hidden + hidden * hidden + hidden + hidden * 5 };
}

function uniform(n: number, k: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.float() - 1) * k);
}

/**
 * Definition of the masked family: tanh RNNs whose recurrent matrix is zero outside a ring-locality or file mask,
 * optionally sign-constrained by Dale's law.
 */
export const maskedRnnDefinition: ArchitectureDefinition = {
  family: MASKED_FAMILY,
  description: 'tanh RNN with masked recurrent connectivity (ring locality or a JSON mask file; optional Dale\'s law): masked-ring<k>[-dale], masked-file-<name>',
  list: ({ channels, hidden }) => ['masked-ring1', 'masked-ring2-dale'].map((n) => info(n, hidden, channels)),
  resolve(spec, { channels, hidden }) {
    const name = spec.trim().toLowerCase();
    return SPEC.test(name) ? info(name, hidden, channels) : undefined;
  },
  parameters: (arch, { inputs, outputs }: StepSizes) => {
    const H = arch.hidden;
    return { w_in: [inputs, H], w_hh: [H, H], b: [H], w_out: [H, outputs] };
  },
  init(arch, { inputs, outputs }, rng) {
    const H = arch.hidden;
    const c = connectivityOf(arch.name, H);
    const k = Math.sqrt(1 / Math.max(1, c.connections / H));
    return {
      w_in: uniform(inputs * H, Math.sqrt(1 / inputs), rng),
      w_hh: uniform(H * H, k, rng),
      b: new Float32Array(H),
      w_out: uniform(H * outputs, Math.sqrt(1 / H), rng),
    };
  },
  stateSize: (arch) => arch.hidden,
  step(p, h, obs, noise, arch) {
    const c = connectivityOf(arch.name, arch.hidden);
    const d = tf.tensor3d(c.d, [1, arch.hidden, arch.hidden]);
    const w = c.dale ? tf.abs(p.w_hh) : p.w_hh;
    const next = tf.tanh(tf.add(tf.add(tf.matMul(obs, p.w_in as tf.Tensor3D), tf.matMul(h, tf.mul(w, d) as tf.Tensor3D)), p.b)) as tf.Tensor3D;
    const z = tf.matMul(next, p.w_out as tf.Tensor3D);
    return { output: tf.softmax(noise ? tf.add(z, noise) : z) as tf.Tensor3D, state: next };
  },
};

/** The masked family as a registrable architecture, built from {@link maskedRnnDefinition}. */
export const maskedRnnArchitecture = defineArchitecture(maskedRnnDefinition);
