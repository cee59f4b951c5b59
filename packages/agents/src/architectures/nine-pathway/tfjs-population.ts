import * as tf from '@tensorflow/tfjs-core';
import { HEAD_PARAMETER_PREFIX } from '../../sdk/output-heads.js';
import { PrnnError, Rng } from '@prnn/core';
import { checkForwardBuffers, type EpisodeInputs, type PopulationModel, type PopulationParameters } from '../../sdk/population-model.js';
import { STREAM } from '../../sdk/streams.js';
import { NINE_PATHWAY_FAMILY } from './names.js';
import {
  PATHWAYS,
  fromLayer,
  hasPathway,
  initWeights,
  pathwayShape,
  toLayer,
  type Layer,
  type NinePathwayArch,
  type Pathway,
} from './family.js';

/*
 * How one step is batched. Inside the model the state is ordered [x, o, h] (padding of h last, so a padded
 * network adds only trailing zeros to every sum) and a step is ONE matmul plus the output layer:
 *
 *   e_t = [s_t, u_t]  (sensed input, tie noise)      prev = [x_{t−1}, o_{t−1}, h_{t−1}]
 *   r_t = e_t · G_in + prev · G_state = [x_t | z_t − h_t·W_ho | h_t before relu]
 *   h_t = relu(…), o_t = softmax(r_t[z] + h_t · W_ho)
 *
 * G folds the linear input layer into the hidden and output layers: since x_t = s_t + prev·Mx,
 * x_t·W_ih = s_t·W_ih + prev·(Mx·W_ih), so x_t is never an intermediate. In the learning pass e_t·G_in
 * is one matmul over all steps (its weight gradient too); only prev·G_state is per step. The matrices are
 * rebuilt from the (masked) parameters once per weight change (commit) or learning pass, not per step.
 */

type Weights = Record<Pathway, tf.Tensor3D>;

interface StepMatrices {
  /** Rows for [s, noise]. [P, I+O, S] */
  readonly input: tf.Tensor3D;
  /** Rows for [x, o, h] of the previous state. [P, S, S] */
  readonly state: tf.Tensor3D;
  /** W_ho. [P, H, O] */
  readonly ho: tf.Tensor3D;
}

interface RecurrentState {
  readonly x: tf.Tensor3D;
  readonly o: tf.Tensor3D;
  readonly h: tf.Tensor3D;
}

/**
 * The generic population model of the 9-pathway family on tfjs: P networks of any mix of architectures and
 * hidden sizes in ONE batch, each pathway stored as [P, A, B] with H padded to the largest. Absent
 * pathways and padded units are multiplied by a 0/1 mask before use, so their gradient is exactly 0.
 * It computes the family's step (`ninePathwayStep`) with the matrices folded (below); tested equal to it.
 */
export class TfjsNinePathwayPopulation implements PopulationModel {
  readonly family = NINE_PATHWAY_FAMILY;
  readonly implementation = 'generic';
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  /** The padded hidden size (largest H of the population). */
  readonly hidden: number;
  /** Parameters in canonical pathway order (`PATHWAYS`), each [P, A, B]. */
  readonly parameters: PopulationParameters;

  private readonly S: number;
  private readonly masks: (tf.Tensor3D | null)[];
  private readonly eyeInputs: tf.Tensor3D;
  private readonly noiseRows: tf.Tensor3D;
  private readonly zerosXRows: tf.Tensor3D;
  private readonly zerosOI: tf.Tensor3D;
  private readonly zerosHE: tf.Tensor3D;
  /** For the rollout forward: the step matrices and G_in, G_state stacked ([P, I+O+S, S]). */
  private cache: { matrices: StepMatrices; full: tf.Tensor3D } | null = null;
  private state: RecurrentState | null = null;
  private batch = 1;
  private ext: Float32Array;
  private buffers: { steps: number; ext: Float32Array } | null = null;

  constructor(
    readonly archs: readonly NinePathwayArch[],
    readonly seeds: readonly number[],
  ) {
    if (archs.length === 0) throw new PrnnError('population must have at least 1 network (got 0)');
    if (seeds.length !== archs.length) {
      throw new PrnnError(`seeds must have one entry per network (${archs.length}, got ${seeds.length})`);
    }
    const P = archs.length;
    const I = archs[0].inputs;
    const O = archs[0].outputs;
    for (const a of archs) {
      if (a.inputs !== I || a.outputs !== O) {
        throw new PrnnError(`all networks of a population must have the same inputs and outputs (${I}/${O}, got ${a.inputs}/${a.outputs} for ${a.name})`);
      }
    }
    const H = Math.max(...archs.map((a) => a.hidden));
    this.population = P;
    this.inputs = I;
    this.outputs = O;
    this.hidden = H;
    this.S = I + O + H;
    this.ext = new Float32Array(P * (I + O));

    const values = PATHWAYS.map((p) => new Float32Array(P * this.padded(p, 0) * this.padded(p, 1)));
    const maskValues = PATHWAYS.map((p) => new Float32Array(P * this.padded(p, 0) * this.padded(p, 1)));
    archs.forEach((arch, n) => {
      const init = initWeights(arch, Rng.derive(seeds[n], STREAM.init));
      PATHWAYS.forEach((p, k) => {
        if (!hasPathway(arch, p)) return;
        const [a, b] = pathwayShape(arch, p);
        const [A, B] = [this.padded(p, 0), this.padded(p, 1)];
        for (let r = 0; r < a; r++) {
          for (let c = 0; c < b; c++) {
            values[k][(n * A + r) * B + c] = init[p]![r * b + c];
            maskValues[k][(n * A + r) * B + c] = 1;
          }
        }
      });
    });
    this.parameters = {
      names: [...PATHWAYS],
      shapes: PATHWAYS.map((p) => [P, this.padded(p, 0), this.padded(p, 1)]),
      values,
      commit: () => this.disposeCache(),
    };
    // A mask of all ones changes nothing: skip the multiply (the gradient is the same).
    this.masks = PATHWAYS.map((p, k) =>
      maskValues[k].every((v) => v === 1) ? null : tf.keep(tf.tensor3d(maskValues[k], [P, this.padded(p, 0), this.padded(p, 1)])),
    );

    const eye = new Float32Array(P * I * I);
    for (let n = 0; n < P; n++) for (let j = 0; j < I; j++) eye[(n * I + j) * I + j] = 1;
    this.eyeInputs = tf.keep(tf.tensor3d(eye, [P, I, I]));
    const noise = new Float32Array(P * O * this.S);
    for (let n = 0; n < P; n++) for (let k = 0; k < O; k++) noise[(n * O + k) * this.S + I + k] = 1;
    this.noiseRows = tf.keep(tf.tensor3d(noise, [P, O, this.S]));
    this.zerosXRows = tf.keep(tf.zeros([P, I, this.S]));
    this.zerosOI = tf.keep(tf.zeros([P, O, I]));
    this.zerosHE = tf.keep(tf.zeros([P, H, I + O]));
  }

  /** Size of pathway p's from-layer (side 0) or to-layer (side 1) in the padded population. */
  private padded(p: Pathway, side: 0 | 1): number {
    const layer: Layer = side === 0 ? fromLayer(p) : toLayer(p);
    return layer === 'i' ? this.inputs : layer === 'h' ? this.hidden : this.outputs;
  }

  private maskedWeights(params: readonly tf.Tensor[]): Weights {
    const w = {} as Weights;
    PATHWAYS.forEach((p, k) => {
      const mask = this.masks[k];
      w[p] = (mask ? tf.mul(params[k], mask) : params[k]) as tf.Tensor3D;
    });
    return w;
  }

  private buildMatrices(w: Weights): StepMatrices {
    // Rows [s | noise] and [x; o; h] × columns [x | z | h]. Concatenating along rows is cheap on wasm
    // (one block per network); along columns it copies row by row, so only small blocks are joined that way.
    const fromS = tf.concat([this.eyeInputs, w.io, w.ih], 2);
    const mx = tf.concat([w.ii, w.oi, w.hi], 1);
    const rec = tf.concat([this.zerosXRows, tf.concat([this.zerosOI, w.oo, w.oh], 2), tf.concat([this.zerosHE, w.hh], 2)], 1);
    // Row ρ of G_state is Mx[ρ]·[I | W_io | W_ih] + the recurrent pathways out of ρ.
    const state = tf.add(tf.matMul(mx, fromS), rec) as tf.Tensor3D;
    const input = tf.concat([fromS, this.noiseRows], 1) as tf.Tensor3D;
    return { input, state, ho: w.ho };
  }

  /** The step matrices for the current parameter values (rebuilt after each commit). */
  private matrices(): { matrices: StepMatrices; full: tf.Tensor3D } {
    if (this.cache) return this.cache;
    const { values, shapes } = this.parameters;
    const built = tf.tidy(() => {
      const m = this.buildMatrices(this.maskedWeights(values.map((v, k) => tf.tensor(v, shapes[k] as number[]))));
      // W_ho may be the variable itself; clone so the cache owns what it disposes.
      return { input: m.input, state: m.state, ho: tf.clone(m.ho), full: tf.concat([m.input, m.state], 1) as tf.Tensor3D };
    });
    const { full, ...matrices } = built;
    this.cache = { matrices, full };
    return this.cache;
  }

  /** The rest of a step once r = [x | z − h·W_ho | h before relu] is known. */
  private finishStep(r: tf.Tensor3D, ho: tf.Tensor3D): RecurrentState {
    const [x, z, hPre] = tf.split(r, [this.inputs, this.outputs, this.hidden], 2) as tf.Tensor3D[];
    const h = tf.relu(hPre);
    const o = tf.softmax(tf.add(z, tf.matMul(h, ho))) as tf.Tensor3D;
    return { x, o, h };
  }

  resetState(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    this.disposeState();
    this.batch = batch;
    const size = this.population * batch * (this.inputs + this.outputs);
    if (this.ext.length !== size) this.ext = new Float32Array(size);
  }

  forward(obs: Float32Array, tieNoise: Float32Array | null, q: Float32Array, advance: boolean): void {
    const { population: P, batch: B, inputs: I, outputs: O } = this;
    const rows = P * B;
    checkForwardBuffers(P, B, I, O, obs, tieNoise, q);
    const ext = this.ext;
    const E = I + O;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < I; j++) ext[r * E + j] = obs[r * I + j];
      for (let k = 0; k < O; k++) ext[r * E + I + k] = tieNoise ? tieNoise[r * O + k] : 0;
    }
    const { matrices: m, full } = this.matrices();
    const prev = this.state;
    let next: RecurrentState | null = null;
    tf.tidy(() => {
      const e = tf.tensor3d(ext, [P, B, E]);
      const r = (prev ? tf.matMul(tf.concat([e, prev.x, prev.o, prev.h], 2), full) : tf.matMul(e, m.input)) as tf.Tensor3D;
      const s = this.finishStep(r, m.ho);
      q.set(s.o.dataSync());
      if (advance) next = { x: tf.keep(s.x), o: tf.keep(s.o), h: tf.keep(s.h) };
    });
    if (next) {
      this.disposeState();
      this.state = next;
    }
  }

  unroll(params: readonly tf.Tensor[], episode: EpisodeInputs, steps: number): tf.Tensor3D {
    const { population: P, inputs: I, outputs: O } = this;
    // Inputs network-major [n][t][s | noise] (for one matmul over all steps). Entries past a network's
    // length are zeroed so that whatever the rollout left there cannot reach its outputs.
    const E = I + O;
    const ext = this.learningBuffer(steps);
    for (let t = 0; t < steps; t++) {
      for (let n = 0; n < P; n++) {
        if (t >= episode.lengths[n]) continue;
        const row = t * P + n;
        const at = (n * steps + t) * E;
        for (let j = 0; j < I; j++) ext[at + j] = episode.obs[row * I + j];
        for (let k = 0; k < O; k++) ext[at + I + k] = episode.tieNoise[row * O + k];
      }
    }
    const extT = tf.tensor3d(ext, [P, steps, E]);
    const m = this.buildMatrices(this.maskedWeights(params));
    // Time-major before splitting: slices along the leading axis are single block copies.
    const fromInput = tf.transpose(tf.matMul(extT, m.input), [1, 0, 2]);
    const r = (steps > 1 ? tf.split(fromInput, steps, 0) : [fromInput]).map((x) => tf.reshape(x, [P, 1, this.S]) as tf.Tensor3D);
    const q: tf.Tensor3D[] = [];
    let s = this.finishStep(r[0], m.ho);
    q.push(s.o);
    for (let t = 1; t < steps; t++) {
      s = this.finishStep(tf.add(r[t], tf.matMul(tf.concat([s.x, s.o, s.h], 2), m.state)) as tf.Tensor3D, m.ho);
      q.push(s.o);
    }
    return tf.reshape(steps > 1 ? tf.concat(q, 0) : q[0], [steps, P, O]) as tf.Tensor3D;
  }

  /** The zeroed input buffer of the learning pass, reused while the episode length stays the same. */
  private learningBuffer(steps: number): Float32Array {
    const { population: P, inputs: I, outputs: O } = this;
    if (this.buffers?.steps === steps) this.buffers.ext.fill(0);
    else this.buffers = { steps, ext: new Float32Array(P * steps * (I + O)) };
    return this.buffers.ext;
  }

  exportWeights(n: number): Record<string, Float32Array> {
    const arch = this.member(n);
    const out: Record<string, Float32Array> = {};
    PATHWAYS.forEach((p, k) => {
      if (!hasPathway(arch, p)) return;
      const [a, b] = pathwayShape(arch, p);
      const [, , B] = this.parameters.shapes[k];
      const A = this.parameters.shapes[k][1];
      const w = new Float32Array(a * b);
      for (let r = 0; r < a; r++) w.set(this.parameters.values[k].subarray((n * A + r) * B, (n * A + r) * B + b), r * b);
      out[p] = w;
    });
    return out;
  }

  /**
   * Sets network n's weights from pathway name → row-major [A, B]; a PrnnError on an unknown or absent pathway or a
   * wrong length.
   */
  importWeights(n: number, weights: Record<string, Float32Array>): void {
    const arch = this.member(n);
    for (const name of Object.keys(weights)) {
      // output heads (head.*, a learner's readouts of the state) are not part of the network: ignored
      if (name.startsWith(HEAD_PARAMETER_PREFIX)) continue;
      if (!(PATHWAYS as readonly string[]).includes(name) || !hasPathway(arch, name as Pathway)) {
        throw new PrnnError(
          `weights of ${arch.name} have no pathway ${JSON.stringify(name)}: expected ${PATHWAYS.filter((p) => hasPathway(arch, p)).join(', ')}`,
        );
      }
    }
    PATHWAYS.forEach((p) => {
      if (!hasPathway(arch, p)) return;
      const [a, b] = pathwayShape(arch, p);
      const w = weights[p];
      if (!w || w.length !== a * b) {
        throw new PrnnError(`weights.${p} of ${arch.name} must be a Float32Array of ${a}×${b} = ${a * b} values (got ${w ? w.length : 'none'})`);
      }
    });
    PATHWAYS.forEach((p, k) => {
      if (!hasPathway(arch, p)) return;
      const [a, b] = pathwayShape(arch, p);
      const [, A, B] = this.parameters.shapes[k];
      const data = this.parameters.values[k];
      const w = weights[p];
      for (let r = 0; r < a; r++) data.set(w.subarray(r * b, (r + 1) * b), (n * A + r) * B);
    });
    this.parameters.commit();
  }

  private member(n: number): NinePathwayArch {
    if (!Number.isInteger(n) || n < 0 || n >= this.population) {
      throw new PrnnError(`network index must be an integer from 0 to ${this.population - 1} (got ${n})`);
    }
    return this.archs[n];
  }

  private disposeState(): void {
    if (!this.state) return;
    this.state.x.dispose();
    this.state.o.dispose();
    this.state.h.dispose();
    this.state = null;
  }

  private disposeCache(): void {
    if (!this.cache) return;
    const { input, state, ho } = this.cache.matrices;
    input.dispose();
    state.dispose();
    this.cache.full.dispose();
    ho.dispose();
    this.cache = null;
  }

  /** Disposes every tensor the population holds: state, caches, masks and constant tensors. */
  dispose(): void {
    this.disposeState();
    this.disposeCache();
    for (const m of this.masks) m?.dispose();
    this.eyeInputs.dispose();
    this.noiseRows.dispose();
    this.zerosXRows.dispose();
    this.zerosOI.dispose();
    this.zerosHE.dispose();
  }
}

/** P networks (any mix of 9-pathway architectures and hidden sizes), network n initialised from seeds[n]. */
export function createTfjsPopulation(archs: readonly NinePathwayArch[], seeds: readonly number[]): TfjsNinePathwayPopulation {
  return new TfjsNinePathwayPopulation(archs, seeds);
}
