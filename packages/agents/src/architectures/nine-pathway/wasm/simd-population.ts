import { PrnnError, Rng } from '@prnn/core';
import { checkChannels, populationShape, writePaddedMember } from '../population-layout.js';
import { checkForwardBuffers } from '../../../sdk/population-model.js';
import { HEAD_PARAMETER_PREFIX } from '../../../sdk/output-heads.js';
import type { AdamConstants, AdamUpdate, EpisodeRecords, PopulationModel, PopulationParameters } from '../../../sdk/population-model.js';
import { STREAM } from '../../../sdk/streams.js';
import { PATHWAYS, hasPathway, initWeights, pathwayShape, type NinePathwayArch, type Pathway } from '../family.js';
import { NINE_PATHWAY_FAMILY } from '../names.js';
import { instantiateSimd, type SimdExports } from './simd-module.js';
import { DESC_INTS, LANES, laneWeightBytes, simdGroups, type SimdGroup } from './simd-layout.js';

/** Training path name of the WebAssembly SIMD 9-pathway population (`--path wasm-simd`). */
export const WASM_SIMD_PATH = 'wasm-simd';

const V128 = 16;
/** The store's shapes entry of a padded slice that is all weights (assembly/nine-pathway-simd.ts, adam). */
const SLICE_FULL = -1;
const PAGE = 65536;
const align = (x: number): number => Math.ceil(x / V128) * V128;

/**
 * The 9-pathway population on the WebAssembly SIMD kernel (kernel `wasm-simd` of the family), float32
 * throughout. Networks of one architecture share SIMD groups of four lanes (simd-layout.ts). Its parameters
 * are the same padded typed arrays as the fused population's (`values[k]` is PATHWAYS[k], [P, A, Bpad]);
 * `commit()` copies them into the module's memory and re-lays them out in lanes. Each population has its
 * own module instance and memory, which grows only when the batch or the episode length grows.
 */
export class SimdPopulation implements PopulationModel {
  readonly family = NINE_PATHWAY_FAMILY;
  readonly implementation = WASM_SIMD_PATH;
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly maxHidden: number;
  readonly parameters: PopulationParameters;
  readonly paddedShapes: readonly (readonly [number, number])[];
  readonly groups: readonly SimdGroup[];
  private readonly archs: readonly NinePathwayArch[];
  private readonly wasm: SimdExports;
  /** A second instance whose memory holds the parameters, their gradients and Adam's moments (never grown again). */
  private readonly store: SimdExports;
  private readonly storeTable: number;
  private readonly storeCoef: number;
  private readonly storeShapes: number;
  private readonly storePadCols: number;
  private readonly storeGrads: Float32Array[];
  private readonly storeM: Float32Array[];
  private readonly storeV: Float32Array[];
  private readonly maxGroupWeights: number;
  // fixed region
  private readonly padWTable: number;
  private readonly padGTable: number;
  private readonly padW: number[];
  private readonly padG: number[];
  private readonly fixedEnd: number;
  // batch region
  private batch = 0;
  private capBatch = 0;
  private cur = 0;
  private next = 0;
  private obsIn = 0;
  private noiseIn = 0;
  private qOut = 0;
  private sScratch = 0;
  private uScratch = 0;
  private batchEnd = 0;
  // rollout history (batch 1): the states of the advancing forwards since resetState and their obs and noise
  private capHist = 0;
  private hist = 0;
  private histObs = 0;
  private histNoise = 0;
  private histSteps = 0;
  private histValid = false;
  /** Whether the last learning pass reused the rollout's activations (diagnostics, tests). */
  reusedRollout = false;
  // episode region
  private capSteps = 0;
  private recObs = 0;
  private recNoise = 0;
  private recActions = 0;
  private recTargets = 0;
  private recLengths = 0;
  private lossOut = 0;
  private work = 0;
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);
  private disposed = false;

  constructor(archs: readonly NinePathwayArch[], seeds: readonly number[]) {
    const { inputs, outputs } = populationShape(archs);
    if (archs.length !== seeds.length) {
      throw new PrnnError(`seeds must have one entry per network (got ${seeds.length} for ${archs.length} networks)`);
    }
    for (const s of seeds) if (!Number.isInteger(s)) throw new PrnnError(`seeds must be integers (got ${s})`);
    this.archs = archs;
    this.population = archs.length;
    this.inputs = inputs;
    this.outputs = outputs;
    this.maxHidden = Math.max(...archs.map((a) => a.hidden));
    const P = this.population;
    const size = (l: string): number => (l === 'i' ? inputs : l === 'h' ? this.maxHidden : outputs);
    this.paddedShapes = PATHWAYS.map((p) => [size(p[0]), size(p[1])] as const);
    this.groups = simdGroups(archs);
    this.maxGroupWeights = Math.max(...this.groups.map((g) => g.weights));
    this.wasm = instantiateSimd();

    let at = align(this.wasm.heapBase());
    const desc = at;
    at = align(at + 4 * DESC_INTS * this.groups.length);
    this.padWTable = at;
    this.padGTable = at + 4 * 9;
    at = align(at + 8 * 9);
    const lanes = at;
    at = align(at + laneWeightBytes(this.groups));
    const paddedBytes = (k: number): number => 4 * P * this.paddedShapes[k][0] * this.paddedShapes[k][1];
    this.padW = PATHWAYS.map((_, k) => {
      const a = at;
      at = align(at + paddedBytes(k));
      return a;
    });
    this.padG = PATHWAYS.map((_, k) => {
      const a = at;
      at = align(at + paddedBytes(k));
      return a;
    });
    this.fixedEnd = at;
    this.reserve(at);

    let w = lanes;
    this.groups.forEach((g, i) => {
      const d = desc / 4 + i * DESC_INTS;
      this.i32[d] = g.hidden;
      this.i32[d + 1] = g.members.length;
      for (let l = 0; l < LANES; l++) this.i32[d + 2 + l] = g.members[l] ?? g.members[0];
      g.pathwayWeights.forEach((count, k) => {
        this.i32[d + 6 + k] = count === 0 ? 0 : w;
        w += count * V128;
      });
    });
    for (let k = 0; k < 9; k++) {
      this.i32[this.padWTable / 4 + k] = this.padW[k];
      this.i32[this.padGTable / 4 + k] = this.padG[k];
    }
    this.wasm.configure(inputs, outputs, this.maxHidden, P, this.groups.length, desc);

    this.store = instantiateSimd();
    let st = align(this.store.heapBase());
    this.storeTable = st;
    st = align(st + 4 * 5 * 9);
    this.storeCoef = st;
    st = align(st + 4 * P);
    // which entries of each network's padded slices hold weights (Adam and the clip norms skip the rest)
    this.storeShapes = st;
    st = align(st + 4 * 9 * P);
    this.storePadCols = st;
    st = align(st + 4 * 9);
    const region = PATHWAYS.map((_, k) => {
      const r = [st, st + align(paddedBytes(k)), st + 2 * align(paddedBytes(k)), st + 3 * align(paddedBytes(k))];
      st += 4 * align(paddedBytes(k));
      return r;
    });
    const smem = this.store.memory;
    if (st > smem.buffer.byteLength) smem.grow(Math.ceil((st - smem.buffer.byteLength) / PAGE));
    const view = (at: number, k: number): Float32Array => new Float32Array(smem.buffer, at, paddedBytes(k) / 4);
    const padded = region.map(([a], k) => view(a, k));
    this.storeGrads = region.map(([, a], k) => view(a, k));
    this.storeM = region.map(([, , a], k) => view(a, k));
    this.storeV = region.map(([, , , a], k) => view(a, k));
    const table = new Int32Array(smem.buffer, this.storeTable, 5 * 9);
    region.forEach((r, k) => table.set([...r, this.paddedShapes[k][0] * this.paddedShapes[k][1]], 5 * k));
    const shapes = new Int32Array(smem.buffer, this.storeShapes, 9 * P);
    const padCols = new Int32Array(smem.buffer, this.storePadCols, 9);
    PATHWAYS.forEach((p, k) => {
      const [Ap, Bp] = this.paddedShapes[k];
      padCols[k] = Bp;
      for (let n = 0; n < P; n++) {
        const [A, B] = pathwayShape(archs[n], p);
        shapes[k * P + n] = !hasPathway(archs[n], p) ? 0 : A === Ap && B === Bp ? SLICE_FULL : (A << 16) | B;
      }
    });
    for (let n = 0; n < P; n++) this.writeMember(padded, n, initWeights(archs[n], Rng.derive(seeds[n], STREAM.init)));
    const adam: AdamUpdate = {
      allocateMoments: () => {
        for (const a of [...this.storeM, ...this.storeV]) a.fill(0);
        return { m: [...this.storeM], v: [...this.storeV] };
      },
      allocateGradients: () => [...this.storeGrads],
      step: (gradients, m, v, coef, c) => this.adamStep(gradients, m, v, coef, c),
      gradientNorms: (gradients, norms) => this.gradientNorms(gradients, norms),
    };
    this.parameters = {
      names: [...PATHWAYS],
      shapes: PATHWAYS.map((_, k) => [P, ...this.paddedShapes[k]]),
      values: padded,
      commit: () => this.loadWeights(),
      adam,
    };
    this.loadWeights();
  }

  /** Grows the module's memory to at least `bytes` and refreshes the views. */
  private reserve(bytes: number): void {
    const mem = this.wasm.memory;
    const have = mem.buffer.byteLength;
    if (bytes > have) mem.grow(Math.ceil((bytes - have) / PAGE));
    if (this.f32.buffer !== mem.buffer) {
      this.f32 = new Float32Array(mem.buffer);
      this.i32 = new Int32Array(mem.buffer);
    }
  }

  /**
   * Lays out the variable regions after the fixed one: rollout state and buffers for `batch` environments,
   * the rollout history of `history` steps (batch 1), then the episode records and learning scratch for
   * `steps` steps. Growing a region moves only those after it (whose contents are rewritten before use).
   */
  private layout(batch: number, history: number, steps: number): void {
    if (batch <= this.capBatch && history <= this.capHist && steps <= this.capSteps) return;
    const P = this.population;
    const I = this.inputs;
    const O = this.outputs;
    const S = I + this.maxHidden + O;
    const G = this.groups.length;
    const B = Math.max(batch, this.capBatch);
    const Th = Math.max(history, this.capHist);
    const T = Math.max(steps, this.capSteps);
    let at = this.fixedEnd;
    const take = (bytes: number): number => {
      const a = at;
      at = align(at + bytes);
      return a;
    };
    const moved = B > this.capBatch;
    if (moved) {
      this.cur = take(G * B * S * V128);
      this.next = take(G * B * S * V128);
      this.obsIn = take(4 * P * B * I);
      this.noiseIn = take(4 * P * B * O);
      this.qOut = take(4 * P * B * O);
      this.sScratch = take(I * V128);
      this.uScratch = take(O * V128);
      this.batchEnd = at;
      this.capBatch = B;
      this.histSteps = 0;
      this.histValid = false;
    }
    at = this.batchEnd;
    this.hist = take(Th * G * S * V128);
    this.histObs = take(4 * Th * P * I);
    this.histNoise = take(4 * Th * P * O);
    this.capHist = Th;
    this.recObs = take(4 * T * P * I);
    this.recNoise = take(4 * T * P * O);
    this.recActions = take(4 * T * P);
    this.recTargets = take(4 * T * P);
    this.recLengths = take(4 * P);
    this.lossOut = take(4 * P);
    this.work = at;
    this.reserve(at + this.wasm.learnScratchBytes(T, this.maxGroupWeights));
    this.capSteps = T;
  }

  /** Adam in the store instance; moments that are not its own are copied in and out. */
  private adamStep(gradients: readonly Float32Array[], m: readonly Float32Array[], v: readonly Float32Array[], coef: Float32Array, c: AdamConstants): void {
    this.checkPadded(gradients, 'gradient');
    this.checkPadded(m, 'first moment');
    this.checkPadded(v, 'second moment');
    const own = (a: Float32Array, b: Float32Array): boolean => a.buffer === b.buffer && a.byteOffset === b.byteOffset;
    for (let k = 0; k < 9; k++) {
      if (!own(gradients[k], this.storeGrads[k])) this.storeGrads[k].set(gradients[k]);
      if (!own(m[k], this.storeM[k])) this.storeM[k].set(m[k]);
      if (!own(v[k], this.storeV[k])) this.storeV[k].set(v[k]);
    }
    new Float32Array(this.store.memory.buffer, this.storeCoef, this.population).set(coef.subarray(0, this.population));
    this.store.adam(9, this.storeTable, this.storeCoef, this.population, c.b1, c.b2, c.omb1, c.omb2, c.omAcc1, c.omAcc2, c.eps, c.negLr, this.storeShapes, this.storePadCols);
    for (let k = 0; k < 9; k++) {
      if (!own(m[k], this.storeM[k])) m[k].set(this.storeM[k]);
      if (!own(v[k], this.storeV[k])) v[k].set(this.storeV[k]);
    }
  }

  /** The clip's per-network norms in the store instance (gradients not its own are copied in). */
  private gradientNorms(gradients: readonly Float32Array[], norms: Float32Array): void {
    this.checkPadded(gradients, 'gradient');
    if (norms.length < this.population) throw new PrnnError(`norms must have at least ${this.population} values (got ${norms.length})`);
    for (let k = 0; k < 9; k++) {
      const g = gradients[k];
      const own = g.buffer === this.storeGrads[k].buffer && g.byteOffset === this.storeGrads[k].byteOffset;
      if (!own) this.storeGrads[k].set(g);
    }
    this.store.gradNorms(9, this.storeTable, this.population, this.storeCoef, this.storeShapes, this.storePadCols);
    norms.set(new Float32Array(this.store.memory.buffer, this.storeCoef, this.population));
  }

  private loadWeights(): void {
    const values = this.parameters.values;
    this.checkPadded(values, 'pathway');
    this.histValid = false;
    for (let k = 0; k < 9; k++) this.f32.set(values[k], this.padW[k] / 4);
    this.wasm.loadWeights(this.padWTable);
  }

  private checkPadded(arrays: readonly ArrayLike<number>[], what: string): void {
    if (arrays.length !== 9) throw new PrnnError(`expected 9 ${what} arrays (got ${arrays.length})`);
    PATHWAYS.forEach((p, k) => {
      const n = this.population * this.paddedShapes[k][0] * this.paddedShapes[k][1];
      if (arrays[k].length !== n) throw new PrnnError(`${what} ${p} must have ${n} values (got ${arrays[k].length})`);
    });
  }

  private writeMember(padded: Float32Array[], n: number, w: Partial<Record<Pathway, ArrayLike<number>>>): void {
    writePaddedMember(padded, this.paddedShapes, this.archs[n], n, w);
  }

  private checkAlive(): void {
    if (this.disposed) throw new PrnnError('this population model has been disposed');
  }

  private checkMember(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.population) {
      throw new PrnnError(`network index must be an integer from 0 to ${this.population - 1} (got ${n})`);
    }
  }

  resetState(batch: number): void {
    this.checkAlive();
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    this.layout(batch, this.capHist, this.capSteps);
    this.batch = batch;
    this.histValid = batch === 1;
    this.histSteps = 0;
    const S = this.inputs + this.maxHidden + this.outputs;
    this.f32.fill(0, this.cur / 4, this.cur / 4 + (this.groups.length * batch * S * V128) / 4);
  }

  forward(obs: Float32Array, noise: Float32Array | null, q: Float32Array, advance: boolean): void {
    this.checkAlive();
    const P = this.population;
    const B = this.batch;
    const I = this.inputs;
    const O = this.outputs;
    checkForwardBuffers(P, B, I, O, obs, noise, q);
    const f32 = this.f32;
    f32.set(obs, this.obsIn / 4);
    if (noise !== null) f32.set(noise, this.noiseIn / 4);
    this.wasm.forward(B, this.obsIn, noise === null ? 0 : this.noiseIn, this.qOut, this.cur, this.next, this.sScratch, this.uScratch);
    q.set(f32.subarray(this.qOut / 4, this.qOut / 4 + P * B * O));
    if (advance && this.histValid) this.remember(obs, noise);
    if (advance) {
      const c = this.cur;
      this.cur = this.next;
      this.next = c;
    }
  }

  /** Keeps the new state (before the swap) and its inputs as step `histSteps` of the rollout history. */
  private remember(obs: Float32Array, noise: Float32Array | null): void {
    const t = this.histSteps;
    if (t === this.capHist) this.layout(this.capBatch, Math.max(8, 2 * this.capHist), this.capSteps);
    const P = this.population;
    const O = this.outputs;
    const block = (this.groups.length * (this.inputs + this.maxHidden + this.outputs) * V128) / 4;
    const f32 = this.f32;
    f32.copyWithin(this.hist / 4 + t * block, this.next / 4, this.next / 4 + block);
    f32.set(obs, this.histObs / 4 + t * obs.length);
    if (noise === null) f32.fill(0, this.histNoise / 4 + t * P * O, this.histNoise / 4 + (t + 1) * P * O);
    else f32.set(noise, this.histNoise / 4 + t * P * O);
    this.histSteps = t + 1;
  }

  /**
   * Whether the records' first `steps` steps (already copied in at recObs, recNoise) hold bit for bit the
   * obs and tie noise the rollout history saw: then the history's states are those of these very steps.
   */
  private historyMatches(steps: number): boolean {
    if (!this.histValid || steps > this.histSteps) return false;
    const P = this.population;
    return (
      this.wasm.sameBits(this.recObs, this.histObs, 4 * steps * P * this.inputs) === 1 &&
      this.wasm.sameBits(this.recNoise, this.histNoise, 4 * steps * P * this.outputs) === 1
    );
  }

  /**
   * The learning pass (LearningKernel `selected-squared-error`): per network L_n = Σ_{t<len_n} (Q_t[a_t] − y_t)²
   * from a forward over the recorded obs from the zero state, into losses; with `grads` (9 padded arrays,
   * overwritten) dL_n/dθ_n by back-propagation through time.
   */
  learn(records: EpisodeRecords, losses: Float32Array | Float64Array, grads: Float32Array[] | null): void {
    this.checkAlive();
    const P = this.population;
    const I = this.inputs;
    const O = this.outputs;
    const T = records.steps;
    if (records.population !== P) throw new PrnnError(`records.population must be ${P} (got ${records.population})`);
    if (records.obs.length !== T * P * I || records.tieNoise.length !== T * P * O) {
      throw new PrnnError(`records must hold ${T} steps of ${P} networks with ${I} inputs and ${O} outputs`);
    }
    if (losses.length !== P) throw new PrnnError(`losses must have ${P} values (got ${losses.length})`);
    for (let n = 0; n < P; n++) {
      const len = records.lengths[n];
      if (!Number.isInteger(len) || len < 0 || len > T) throw new PrnnError(`lengths[${n}] must be an integer from 0 to ${T} (got ${len})`);
    }
    if (grads !== null) this.checkPadded(grads, 'gradient');
    this.layout(Math.max(1, this.capBatch), this.capHist, T);
    let steps = 0;
    for (let n = 0; n < P; n++) steps = Math.max(steps, records.lengths[n]);
    const f32 = this.f32;
    const i32 = this.i32;
    f32.set(records.obs, this.recObs / 4);
    f32.set(records.tieNoise, this.recNoise / 4);
    i32.set(records.actions.subarray(0, T * P), this.recActions / 4);
    f32.set(records.targets.subarray(0, T * P), this.recTargets / 4);
    i32.set(records.lengths, this.recLengths / 4);
    this.reusedRollout = this.historyMatches(steps);
    // (the padded gradient arrays' padding entries are zero from the start: learn never writes them)
    this.wasm.learn(
      T, this.recObs, this.recNoise, this.recActions, this.recTargets, this.recLengths, this.lossOut,
      grads === null ? 0 : this.padGTable, 0, this.work, this.reusedRollout ? this.hist : 0,
    );
    for (let n = 0; n < P; n++) losses[n] = f32[this.lossOut / 4 + n];
    if (grads !== null) for (let k = 0; k < 9; k++) grads[k].set(f32.subarray(this.padG[k] / 4, this.padG[k] / 4 + grads[k].length));
  }

  exportWeights(n: number): Record<string, Float32Array> {
    this.checkAlive();
    this.checkMember(n);
    const arch = this.archs[n];
    const out: Record<string, Float32Array> = {};
    PATHWAYS.forEach((p, k) => {
      if (!hasPathway(arch, p)) return;
      const [A, B] = pathwayShape(arch, p);
      const [Ap, Bp] = this.paddedShapes[k];
      const src = this.parameters.values[k];
      const w = new Float32Array(A * B);
      for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) w[a * B + b] = src[n * Ap * Bp + a * Bp + b];
      out[p] = w;
    });
    return out;
  }

  /**
   * Sets network n's weights from pathway name → row-major [A, B]; a PrnnError on an unknown or absent pathway or a
   * wrong length.
   */
  importWeights(n: number, weights: Record<string, Float32Array>): void {
    this.checkAlive();
    this.checkMember(n);
    const arch = this.archs[n];
    for (const name of Object.keys(weights)) {
      // output heads (head.*, a learner's readouts of the state) are not part of the network: ignored
      if (name.startsWith(HEAD_PARAMETER_PREFIX)) continue;
      if (!(PATHWAYS as readonly string[]).includes(name) || !hasPathway(arch, name as Pathway)) {
        throw new PrnnError(`weights for ${arch.name} may only name its pathways (got "${name}")`);
      }
    }
    for (const p of PATHWAYS) {
      if (hasPathway(arch, p) && weights[p] === undefined) throw new PrnnError(`weights for ${arch.name} must include pathway ${p}`);
    }
    this.writeMember(this.parameters.values as Float32Array[], n, weights);
    this.parameters.commit();
  }

  /** Bytes of the module's memory (weights, state, records, scratch). */
  memoryBytes(): number {
    return this.wasm.memory.buffer.byteLength;
  }

  /** Marks the population disposed; later calls fail. */
  dispose(): void {
    this.disposed = true;
  }
}

/** P networks of the 9-pathway family on the SIMD kernel, initialised exactly like the other paths. */
export function createSimdPopulation(archs: readonly NinePathwayArch[], seeds: readonly number[], channels: number): SimdPopulation {
  checkChannels(archs, channels);
  return new SimdPopulation(archs, seeds);
}
