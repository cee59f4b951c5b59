import { PrnnError } from '@prnn/core';
import { populationShape } from '../population-layout.js';
import { checkForwardBuffers } from '../../../sdk/population-model.js';
import type { EpisodeRecords } from '../../../sdk/population-model.js';
import { PATHWAYS, hasPathway, pathwayShape, type NinePathwayArch, type Pathway } from '../family.js';
import { MAX_UNROLLED_PARAMETERS, compileMember, signature, type CompiledMember } from './codegen.js';

export interface FusedKernelOptions {
  /**
   * Which members run generated straight-line code instead of the typed-array loops (same results up to
   * rounding): `true` every member of up to MAX_UNROLLED_PARAMETERS weights, `false` none, `'auto'` (default)
   * those whose architecture at least UNROLL_MIN_MEMBERS members share.
   */
  readonly unrolled?: boolean | 'auto';
  /**
   * Let the learning pass reuse the activations of the rollout's advancing forwards (batch 1) instead of
   * recomputing them, for the networks whose recorded obs and tie noise are those the forwards saw and whose
   * weights have not changed since (default true; the results are the same either way).
   */
  readonly reuseRollout?: boolean;
}

/**
 * V8 optimises a generated function only after it has run a lot, and a population of many distinct
 * architectures runs each one rarely and overflows the instruction cache: measured with the paper's 129
 * architectures once each, unrolled code was several times slower than the loops. So by default only
 * architectures that several members share are unrolled.
 */
export const UNROLL_MIN_MEMBERS = 4;

// Pathway slots in canonical order (PATHWAYS).
const IH = 0;
const HO = 1;
const II = 2;
const HH = 3;
const OO = 4;
const IO = 5;
const OI = 6;
const HI = 7;
const OH = 8;
const NP = 9;

/** out[oo + b] += Σ_a v[vo + a]·W[wo + a*cols + b], for a < rows, b < cols. */
function matVecAcc(out: Float64Array, oo: number, v: Float64Array, vo: number, rows: number, w: Float64Array, wo: number, cols: number): void {
  for (let a = 0; a < rows; a++) {
    const va = v[vo + a];
    const r = wo + a * cols;
    for (let b = 0; b < cols; b++) out[oo + b] += va * w[r + b];
  }
}

/** out[oo + a] += Σ_b W[wo + a*cols + b]·d[dOff + b] (the transpose product used by back-propagation). */
function matTVecAcc(out: Float64Array, oo: number, w: Float64Array, wo: number, rows: number, cols: number, d: Float64Array, dOff: number): void {
  for (let a = 0; a < rows; a++) {
    const r = wo + a * cols;
    let s = 0;
    for (let b = 0; b < cols; b++) s += w[r + b] * d[dOff + b];
    out[oo + a] += s;
  }
}

/** G[go + a*cols + b] += u[uo + a]·d[dOff + b]. */
function outerAcc(g: Float64Array, go: number, u: Float64Array, uo: number, rows: number, d: Float64Array, dOff: number, cols: number): void {
  for (let a = 0; a < rows; a++) {
    const ua = u[uo + a];
    const r = go + a * cols;
    for (let b = 0; b < cols; b++) g[r + b] += ua * d[dOff + b];
  }
}

/**
 * Allocation-free typed-array implementation of a population of 9-pathway networks (docs/spec.md §2): the rollout
 * step and the learning pass (forward over recorded steps + back-propagation through time).
 *
 * Weights live in a compact double-precision mirror, each member's present pathways back to back as row-major
 * [A, B] with the member's own hidden size; `loadPadded` fills it from the population layout [P, A, Bpad]
 * (H padded to the population's largest hidden size) that the population's parameters use. Activations and gradients are
 * accumulated in double precision; float32 weights are exact in it, so results match `referenceStep`.
 *
 * Each member runs either generated straight-line code for its architecture (codegen.ts) or the typed-array
 * loops below (members above MAX_UNROLLED_PARAMETERS weights, or `unrolled: false`); both skip absent
 * pathways. Members never interact, so a network's results do not depend on the population it is in.
 * Scratch grows only in `resetState` (batch) and `learn` (steps); steps and passes allocate nothing.
 */
export class FusedKernel {
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly maxHidden: number;
  readonly archs: readonly NinePathwayArch[];
  /** Compact weights of all members (see class comment). */
  readonly weights: Float64Array;
  /** offsets[n*9 + k]: start of member n's pathway PATHWAYS[k] in `weights`, −1 when absent. */
  readonly offsets: Int32Array;
  /** Shape [A, B] of each pathway in the padded population layout (without the leading P). */
  readonly paddedShapes: readonly (readonly [number, number])[];
  private readonly hidden: Int32Array;
  /** rows[n*9 + k], cols[n*9 + k]: member n's own shape of pathway k. */
  private readonly rows: Int32Array;
  private readonly cols: Int32Array;
  private readonly paramsPerMember: Int32Array;
  /** Generated code of member n, or null for the loops. */
  private readonly compiled: (CompiledMember | null)[];

  // rollout state, network-major: x[(n*batch + b)*I], h[(n*batch + b)*Hmax], o[(n*batch + b)*O]
  private batch = 0;
  private stateX = new Float64Array(0);
  private stateH = new Float64Array(0);
  private stateO = new Float64Array(0);
  // a step writes the next state here; advancing swaps it with the current one (no copies)
  private nextX = new Float64Array(0);
  private nextH = new Float64Array(0);
  private nextO = new Float64Array(0);
  private readonly zeroX: Float64Array;
  private readonly zeroH: Float64Array;
  private readonly zeroO: Float64Array;

  // activations of the advancing forwards since resetState (batch 1), time-major like EpisodeRecords:
  // x [(t*P + n)*I], h [(t*P + n)*Hmax], o [(t*P + n)*O], with the obs and tie noise they were computed from
  private readonly reuseRollout: boolean;
  /** How many networks of the last `learn` reused their rollout activations (diagnostics, tests). */
  reusedInLastPass = 0;
  private seenValid = false;
  private seenSteps = 0;
  private seenCap = 0;
  private seenX = new Float64Array(0);
  private seenH = new Float64Array(0);
  private seenO = new Float64Array(0);
  private seenObs = new Float32Array(0);
  private seenNoise = new Float32Array(0);

  // learning-pass scratch for one member: activations per step (stride = member's own sizes) and gradients
  private steps = 0;
  private actX = new Float64Array(0);
  private actH = new Float64Array(0);
  private actO = new Float64Array(0);
  private readonly grad: Float64Array;
  private readonly dX: Float64Array;
  private readonly dH: Float64Array;
  private readonly dO: Float64Array;
  private readonly dXn: Float64Array;
  private readonly dHn: Float64Array;
  private readonly dOn: Float64Array;
  private readonly dz: Float64Array;

  constructor(archs: readonly NinePathwayArch[], options: FusedKernelOptions = {}) {
    const { inputs, outputs } = populationShape(archs);
    this.archs = archs;
    this.population = archs.length;
    this.inputs = inputs;
    this.outputs = outputs;
    this.maxHidden = Math.max(...archs.map((a) => a.hidden));
    const P = this.population;
    this.hidden = Int32Array.from(archs, (a) => a.hidden);
    this.offsets = new Int32Array(P * NP).fill(-1);
    this.paramsPerMember = new Int32Array(P);
    this.rows = new Int32Array(P * NP);
    this.cols = new Int32Array(P * NP);
    let total = 0;
    for (let n = 0; n < P; n++) {
      const start = total;
      PATHWAYS.forEach((p, k) => {
        if (!hasPathway(archs[n], p)) return;
        const [a, b] = pathwayShape(archs[n], p);
        this.rows[n * NP + k] = a;
        this.cols[n * NP + k] = b;
        this.offsets[n * NP + k] = total;
        total += a * b;
      });
      this.paramsPerMember[n] = total - start;
    }
    this.weights = new Float64Array(total);
    this.reuseRollout = options.reuseRollout ?? true;
    const unrolled = options.unrolled ?? 'auto';
    const shared = new Map<string, number>();
    for (const a of archs) shared.set(signature(a), (shared.get(signature(a)) ?? 0) + 1);
    this.compiled = archs.map((a, n) => {
      if (unrolled === false || this.paramsPerMember[n] > MAX_UNROLLED_PARAMETERS) return null;
      if (unrolled === 'auto' && shared.get(signature(a))! < UNROLL_MIN_MEMBERS) return null;
      return compileMember(a);
    });
    const size = (l: string): number => (l === 'i' ? inputs : l === 'h' ? this.maxHidden : outputs);
    this.paddedShapes = PATHWAYS.map((p) => [size(p[0]), size(p[1])] as const);
    const H = this.maxHidden;
    this.zeroX = new Float64Array(inputs);
    this.zeroH = new Float64Array(H);
    this.zeroO = new Float64Array(outputs);
    this.grad = new Float64Array(Math.max(...this.paramsPerMember));
    this.dX = new Float64Array(inputs);
    this.dH = new Float64Array(H);
    this.dO = new Float64Array(outputs);
    this.dXn = new Float64Array(inputs);
    this.dHn = new Float64Array(H);
    this.dOn = new Float64Array(outputs);
    this.dz = new Float64Array(outputs);
  }

  /** Element count of pathway k in the padded population layout ([P, A, Bpad]). */
  paddedSize(k: number): number {
    const [a, b] = this.paddedShapes[k];
    return this.population * a * b;
  }

  /** Fills the compact mirror from the 9 padded population arrays (canonical pathway order). */
  loadPadded(padded: readonly ArrayLike<number>[]): void {
    this.checkPadded(padded);
    this.seenValid = false;
    for (let k = 0; k < NP; k++) {
      const [Ap, Bp] = this.paddedShapes[k];
      const src = padded[k];
      for (let n = 0; n < this.population; n++) {
        const off = this.offsets[n * NP + k];
        if (off < 0) continue;
        const A = this.rows[n * NP + k];
        const B = this.cols[n * NP + k];
        const base = n * Ap * Bp;
        for (let a = 0; a < A; a++) {
          for (let b = 0; b < B; b++) this.weights[off + a * B + b] = src[base + a * Bp + b];
        }
      }
    }
  }

  /** Member n's present pathways as row-major [A, B] float32 arrays (copies). */
  memberWeights(n: number): Partial<Record<Pathway, Float32Array>> {
    const out: Partial<Record<Pathway, Float32Array>> = {};
    PATHWAYS.forEach((p, k) => {
      const off = this.offsets[n * NP + k];
      if (off < 0) return;
      const [a, b] = pathwayShape(this.archs[n], p);
      out[p] = Float32Array.from(this.weights.subarray(off, off + a * b));
    });
    return out;
  }

  private checkPadded(arrays: readonly ArrayLike<number>[]): void {
    if (arrays.length !== NP) throw new PrnnError(`expected ${NP} pathway arrays (got ${arrays.length})`);
    for (let k = 0; k < NP; k++) {
      if (arrays[k].length !== this.paddedSize(k)) {
        throw new PrnnError(`pathway ${PATHWAYS[k]} must have ${this.paddedSize(k)} values (got ${arrays[k].length})`);
      }
    }
  }

  /** Zeroes the rollout state for `batch` environments per network (allocates only when the batch grows). */
  resetState(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    const P = this.population;
    if (this.stateX.length < P * batch * this.inputs) {
      this.stateX = new Float64Array(P * batch * this.inputs);
      this.stateH = new Float64Array(P * batch * this.maxHidden);
      this.stateO = new Float64Array(P * batch * this.outputs);
      this.nextX = new Float64Array(P * batch * this.inputs);
      this.nextH = new Float64Array(P * batch * this.maxHidden);
      this.nextO = new Float64Array(P * batch * this.outputs);
    }
    this.batch = batch;
    this.seenValid = this.reuseRollout && batch === 1;
    this.seenSteps = 0;
    this.stateX.fill(0);
    this.stateH.fill(0);
    this.stateO.fill(0);
  }

  /**
   * One network step of member n from previous state (px, ph, po) on sensed s; writes x, h and o (= softmax
   * (z + u)). `first` means the previous state is zero, so every recurrent term is skipped.
   */
  private step(
    n: number,
    first: boolean,
    s: Float32Array,
    so: number,
    u: Float32Array | null,
    uo: number,
    px: Float64Array,
    pxo: number,
    ph: Float64Array,
    pho: number,
    po: Float64Array,
    poo: number,
    x: Float64Array,
    xo: number,
    h: Float64Array,
    ho: number,
    o: Float64Array,
    oo: number,
  ): void {
    const I = this.inputs;
    const O = this.outputs;
    const H = this.hidden[n];
    const w = this.weights;
    const off = this.offsets;
    const base = n * NP;
    for (let j = 0; j < I; j++) x[xo + j] = s[so + j];
    if (!first) {
      const wii = off[base + II];
      if (wii >= 0) matVecAcc(x, xo, px, pxo, I, w, wii, I);
      const woi = off[base + OI];
      if (woi >= 0) matVecAcc(x, xo, po, poo, O, w, woi, I);
      const whi = off[base + HI];
      if (whi >= 0) matVecAcc(x, xo, ph, pho, H, w, whi, I);
    }
    for (let j = 0; j < H; j++) h[ho + j] = 0;
    matVecAcc(h, ho, x, xo, I, w, off[base + IH], H);
    if (!first) {
      const whh = off[base + HH];
      if (whh >= 0) matVecAcc(h, ho, ph, pho, H, w, whh, H);
      const woh = off[base + OH];
      if (woh >= 0) matVecAcc(h, ho, po, poo, O, w, woh, H);
    }
    for (let j = 0; j < H; j++) if (!(h[ho + j] > 0)) h[ho + j] = 0;
    for (let j = 0; j < O; j++) o[oo + j] = 0;
    matVecAcc(o, oo, h, ho, H, w, off[base + HO], O);
    const wio = off[base + IO];
    if (wio >= 0) matVecAcc(o, oo, x, xo, I, w, wio, O);
    if (!first) {
      const woo = off[base + OO];
      if (woo >= 0) matVecAcc(o, oo, po, poo, O, w, woo, O);
    }
    let max = -Infinity;
    for (let j = 0; j < O; j++) {
      if (u !== null) o[oo + j] += u[uo + j];
      if (o[oo + j] > max) max = o[oo + j];
    }
    let sum = 0;
    for (let j = 0; j < O; j++) {
      const e = Math.exp(o[oo + j] - max);
      o[oo + j] = e;
      sum += e;
    }
    for (let j = 0; j < O; j++) o[oo + j] /= sum;
  }

  /**
   * Rollout step for every network and environment: obs [P*batch*I] and tieNoise [P*batch*O] network-major,
   * writes Q-values into q [P*batch*O]; with `advance` the state moves on, without it is left untouched.
   */
  forwardStep(obs: Float32Array, tieNoise: Float32Array | null, q: Float32Array, advance: boolean): void {
    const P = this.population;
    const B = this.batch;
    const I = this.inputs;
    const O = this.outputs;
    const Hm = this.maxHidden;
    checkForwardBuffers(P, B, I, O, obs, tieNoise, q);
    const sx = this.stateX;
    const sh = this.stateH;
    const so = this.stateO;
    const nx = this.nextX;
    const nh = this.nextH;
    const no = this.nextO;
    const w = this.weights;
    for (let n = 0; n < P; n++) {
      const c = this.compiled[n];
      const wo = this.offsets[n * NP];
      for (let b = 0; b < B; b++) {
        const e = n * B + b;
        if (c !== null) c.step(w, wo, obs, e * I, tieNoise, e * O, sx, e * I, sh, e * Hm, so, e * O, nx, e * I, nh, e * Hm, no, e * O);
        else this.step(n, false, obs, e * I, tieNoise, e * O, sx, e * I, sh, e * Hm, so, e * O, nx, e * I, nh, e * Hm, no, e * O);
        for (let j = 0; j < O; j++) q[e * O + j] = no[e * O + j];
      }
    }
    if (advance && this.seenValid) this.remember(obs, tieNoise);
    if (advance) {
      this.stateX = nx;
      this.stateH = nh;
      this.stateO = no;
      this.nextX = sx;
      this.nextH = sh;
      this.nextO = so;
    }
  }

  /** Keeps the new state (batch 1, before the swap) and its inputs as step `seenSteps` of the episode. */
  private remember(obs: Float32Array, tieNoise: Float32Array | null): void {
    const P = this.population;
    const I = this.inputs;
    const O = this.outputs;
    const Hm = this.maxHidden;
    const t = this.seenSteps;
    if (t === this.seenCap) {
      // grows during the first episode only
      const cap = Math.max(8, 2 * this.seenCap);
      const grow = <A extends Float64Array | Float32Array>(a: A, per: number, make: (n: number) => A): A => {
        const b = make(cap * P * per);
        b.set(a);
        return b;
      };
      this.seenX = grow(this.seenX, I, (n) => new Float64Array(n));
      this.seenH = grow(this.seenH, Hm, (n) => new Float64Array(n));
      this.seenO = grow(this.seenO, O, (n) => new Float64Array(n));
      this.seenObs = grow(this.seenObs, I, (n) => new Float32Array(n));
      this.seenNoise = grow(this.seenNoise, O, (n) => new Float32Array(n));
      this.seenCap = cap;
    }
    const nx = this.nextX;
    const nh = this.nextH;
    const no = this.nextO;
    for (let j = 0, base = t * P * I; j < P * I; j++) {
      this.seenX[base + j] = nx[j];
      this.seenObs[base + j] = obs[j];
    }
    for (let j = 0, base = t * P * Hm; j < P * Hm; j++) this.seenH[base + j] = nh[j];
    for (let j = 0, base = t * P * O; j < P * O; j++) {
      this.seenO[base + j] = no[j];
      this.seenNoise[base + j] = tieNoise === null ? 0 : tieNoise[j];
    }
    this.seenSteps = t + 1;
  }

  /**
   * Copies member n's rollout activations for steps < len into the learning-pass scratch when the records
   * hold exactly the obs and tie noise they came from; false (nothing usable) otherwise.
   */
  private reuseSeen(n: number, len: number, r: EpisodeRecords): boolean {
    if (!this.seenValid || len > this.seenSteps) return false;
    const P = this.population;
    const I = this.inputs;
    const O = this.outputs;
    const Hm = this.maxHidden;
    const H = this.hidden[n];
    for (let t = 0; t < len; t++) {
      const e = t * P + n;
      for (let j = 0; j < I; j++) if (r.obs[e * I + j] !== this.seenObs[e * I + j]) return false;
      for (let j = 0; j < O; j++) if (r.tieNoise[e * O + j] !== this.seenNoise[e * O + j]) return false;
    }
    for (let t = 0; t < len; t++) {
      const e = t * P + n;
      for (let j = 0; j < I; j++) this.actX[t * I + j] = this.seenX[e * I + j];
      for (let j = 0; j < H; j++) this.actH[t * H + j] = this.seenH[e * Hm + j];
      for (let j = 0; j < O; j++) this.actO[t * O + j] = this.seenO[e * O + j];
    }
    return true;
  }

  private ensureSteps(steps: number): void {
    if (steps <= this.steps) return;
    this.steps = steps;
    this.actX = new Float64Array(steps * this.inputs);
    this.actH = new Float64Array(steps * this.maxHidden);
    this.actO = new Float64Array(steps * this.outputs);
  }

  /**
   * The learning pass. Per network n: L_n = Σ_{t<len_n} (Q_t[a_t] − y_t)² with Q_t from a forward over the
   * recorded obs from the zero state, written to losses[n]; with `grads` (9 padded population arrays in
   * canonical order, overwritten), also dL_n/dθ_n by back-propagation through time, times scale[n] when given.
   */
  learn(records: EpisodeRecords, losses: Float32Array | Float64Array, grads: Float32Array[] | null, scale?: ArrayLike<number>): void {
    const P = this.population;
    const I = this.inputs;
    const O = this.outputs;
    const T = records.steps;
    if (records.population !== P) throw new PrnnError(`records.population must be ${P} (got ${records.population})`);
    if (records.obs.length !== T * P * I || records.tieNoise.length !== T * P * O) {
      throw new PrnnError(`records must hold ${T} steps of ${P} networks with ${I} inputs and ${O} outputs`);
    }
    if (losses.length !== P) throw new PrnnError(`losses must have ${P} values (got ${losses.length})`);
    if (grads !== null) {
      this.checkPadded(grads);
      for (const g of grads) g.fill(0);
    }
    this.ensureSteps(T);
    this.reusedInLastPass = 0;
    for (let n = 0; n < P; n++) {
      const len = records.lengths[n];
      if (!Number.isInteger(len) || len < 0 || len > T) {
        throw new PrnnError(`lengths[${n}] must be an integer from 0 to ${T} (got ${len})`);
      }
      losses[n] = this.forwardMember(n, len, records);
      if (grads !== null && len > 0) {
        this.backwardMember(n, len, records);
        this.scatterGrad(n, grads, scale === undefined ? 1 : scale[n]);
      }
    }
  }

  /** Forward of member n over its recorded steps, keeping activations; returns its loss. */
  private forwardMember(n: number, len: number, r: EpisodeRecords): number {
    const P = this.population;
    const I = this.inputs;
    const O = this.outputs;
    const H = this.hidden[n];
    const ax = this.actX;
    const ah = this.actH;
    const ao = this.actO;
    const c = this.compiled[n];
    const w = this.weights;
    const wo = this.offsets[n * NP];
    let loss = 0;
    if (this.reuseSeen(n, len, r)) {
      this.reusedInLastPass++;
      for (let t = 0; t < len; t++) {
        const e = t * P + n;
        const d = ao[t * O + r.actions[e]] - r.targets[e];
        loss += d * d;
      }
      return loss;
    }
    for (let t = 0; t < len; t++) {
      const e = t * P + n;
      const first = t === 0;
      const pt = first ? 0 : t - 1;
      if (c !== null) {
        if (first) c.step(w, wo, r.obs, e * I, r.tieNoise, e * O, this.zeroX, 0, this.zeroH, 0, this.zeroO, 0, ax, 0, ah, 0, ao, 0);
        else c.step(w, wo, r.obs, e * I, r.tieNoise, e * O, ax, pt * I, ah, pt * H, ao, pt * O, ax, t * I, ah, t * H, ao, t * O);
      } else {
        this.step(n, first, r.obs, e * I, r.tieNoise, e * O, ax, pt * I, ah, pt * H, ao, pt * O, ax, t * I, ah, t * H, ao, t * O);
      }
      const d = ao[t * O + r.actions[e]] - r.targets[e];
      loss += d * d;
    }
    return loss;
  }

  /** Back-propagation through time for member n into the compact gradient scratch `grad`. */
  private backwardMember(n: number, len: number, r: EpisodeRecords): void {
    const P = this.population;
    const I = this.inputs;
    const O = this.outputs;
    const H = this.hidden[n];
    const w = this.weights;
    const base = n * NP;
    const wOff0 = this.offsets[base + IH];
    const gIH = this.relOffset(base + IH, wOff0);
    const gHO = this.relOffset(base + HO, wOff0);
    const gII = this.relOffset(base + II, wOff0);
    const gHH = this.relOffset(base + HH, wOff0);
    const gOO = this.relOffset(base + OO, wOff0);
    const gIO = this.relOffset(base + IO, wOff0);
    const gOI = this.relOffset(base + OI, wOff0);
    const gHI = this.relOffset(base + HI, wOff0);
    const gOH = this.relOffset(base + OH, wOff0);
    const g = this.grad;
    g.fill(0, 0, this.paramsPerMember[n]);
    const c = this.compiled[n];
    if (c !== null) {
      c.backward(w, wOff0, g, this.actX, this.actH, this.actO, r.actions, r.targets, P, n, len);
      return;
    }
    const ax = this.actX;
    const ah = this.actH;
    const ao = this.actO;
    const dX = this.dX;
    const dH = this.dH;
    const dO = this.dO;
    const dXn = this.dXn;
    const dHn = this.dHn;
    const dOn = this.dOn;
    const dz = this.dz;
    dXn.fill(0);
    dHn.fill(0);
    dOn.fill(0);
    for (let t = len - 1; t >= 0; t--) {
      const e = t * P + n;
      const xo = t * I;
      const ho = t * H;
      const oo = t * O;
      // dL/do_t: the loss at t plus what step t+1 sent back; then through the softmax to z_t
      for (let j = 0; j < O; j++) {
        dO[j] = dOn[j];
        dOn[j] = 0;
      }
      const a = r.actions[e];
      dO[a] += 2 * (ao[oo + a] - r.targets[e]);
      let dot = 0;
      for (let j = 0; j < O; j++) dot += ao[oo + j] * dO[j];
      for (let j = 0; j < O; j++) dz[j] = ao[oo + j] * (dO[j] - dot);
      for (let j = 0; j < H; j++) {
        dH[j] = dHn[j];
        dHn[j] = 0;
      }
      for (let j = 0; j < I; j++) {
        dX[j] = dXn[j];
        dXn[j] = 0;
      }
      const last = t === 0;
      const px = (t - 1) * I;
      const ph = (t - 1) * H;
      const po = (t - 1) * O;
      // into o: ho, io, oo
      outerAcc(g, gHO, ah, ho, H, dz, 0, O);
      matTVecAcc(dH, 0, w, wOff0 + gHO, H, O, dz, 0);
      if (gIO >= 0) {
        outerAcc(g, gIO, ax, xo, I, dz, 0, O);
        matTVecAcc(dX, 0, w, wOff0 + gIO, I, O, dz, 0);
      }
      if (!last && gOO >= 0) {
        outerAcc(g, gOO, ao, po, O, dz, 0, O);
        matTVecAcc(dOn, 0, w, wOff0 + gOO, O, O, dz, 0);
      }
      // through the relu; dH becomes dL/d(pre-activation of h_t)
      for (let j = 0; j < H; j++) if (!(ah[ho + j] > 0)) dH[j] = 0;
      outerAcc(g, gIH, ax, xo, I, dH, 0, H);
      matTVecAcc(dX, 0, w, wOff0 + gIH, I, H, dH, 0);
      if (last) continue;
      if (gHH >= 0) {
        outerAcc(g, gHH, ah, ph, H, dH, 0, H);
        matTVecAcc(dHn, 0, w, wOff0 + gHH, H, H, dH, 0);
      }
      if (gOH >= 0) {
        outerAcc(g, gOH, ao, po, O, dH, 0, H);
        matTVecAcc(dOn, 0, w, wOff0 + gOH, O, H, dH, 0);
      }
      // into x (linear): ii, oi, hi
      if (gII >= 0) {
        outerAcc(g, gII, ax, px, I, dX, 0, I);
        matTVecAcc(dXn, 0, w, wOff0 + gII, I, I, dX, 0);
      }
      if (gOI >= 0) {
        outerAcc(g, gOI, ao, po, O, dX, 0, I);
        matTVecAcc(dOn, 0, w, wOff0 + gOI, O, I, dX, 0);
      }
      if (gHI >= 0) {
        outerAcc(g, gHI, ah, ph, H, dX, 0, I);
        matTVecAcc(dHn, 0, w, wOff0 + gHI, H, I, dX, 0);
      }
    }
  }

  private relOffset(slot: number, start: number): number {
    const off = this.offsets[slot];
    return off < 0 ? -1 : off - start;
  }

  private scatterGrad(n: number, grads: Float32Array[], scale: number): void {
    const base = n * NP;
    const wOff0 = this.offsets[base + IH];
    for (let k = 0; k < NP; k++) {
      const off = this.offsets[base + k];
      if (off < 0) continue;
      const [Ap, Bp] = this.paddedShapes[k];
      const A = this.rows[base + k];
      const B = this.cols[base + k];
      const dst = grads[k];
      const go = off - wOff0;
      const pb = n * Ap * Bp;
      for (let a = 0; a < A; a++) {
        for (let b = 0; b < B; b++) dst[pb + a * Bp + b] = scale * this.grad[go + a * B + b];
      }
    }
  }
}
