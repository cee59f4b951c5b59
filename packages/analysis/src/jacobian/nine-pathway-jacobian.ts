import { PrnnError } from '@prnn/core';
import type { RecordedTrials } from '../trials/recorded-trials.js';
import { allocateProfile, type SensitivityProfile, type TrialJacobians } from './sensitivity-profile.js';

/** Layer sizes of a 9-pathway network: I = 4·C inputs, H hidden, O = 5 outputs. */
export interface NinePathwaySizes {
  readonly inputs: number;
  readonly hidden: number;
  readonly outputs: number;
}

type W = Float32Array | undefined;

/** out[oo + b] += Σ_a v[vo + a]·W[a, b] for W of shape [rows, cols] (absent W: nothing). */
function acc(out: Float64Array, oo: number, v: Float64Array, vo: number, rows: number, w: W, cols: number): void {
  if (w === undefined) return;
  for (let a = 0; a < rows; a++) {
    const va = v[vo + a];
    if (va === 0) continue;
    const r = a * cols;
    for (let b = 0; b < cols; b++) out[oo + b] += va * w[r + b];
  }
}

/**
 * Exact Jacobians ∂o_t/∂s_τ of a 9-pathway network (docs/spec.md §2) along recorded trials, by forward-mode
 * differentiation through time in double precision: the forward pass records the ReLU mask and the softmax
 * output of each step, and the tangent of every earlier input (τ ≤ t, I directions each) is carried through
 * the step's linearisation. One instance holds all scratch and serves any number of trials; nothing is
 * allocated per step or per trial.
 */
export class NinePathwayJacobian {
  private readonly I: number;
  private readonly H: number;
  private readonly O: number;
  private readonly S: number;
  private readonly w: Record<'ih' | 'ho' | 'ii' | 'hh' | 'oo' | 'io' | 'oi' | 'hi' | 'oh', W>;
  private readonly state: Float64Array;
  private readonly next: Float64Array;
  private readonly mask: Float64Array;
  private readonly tangents: Float64Array;
  private readonly scratch: Float64Array;
  private readonly softmaxTangent: Float64Array;

  constructor(
    weights: Readonly<Record<string, Float32Array>>,
    sizes: NinePathwaySizes,
    readonly steps: number,
  ) {
    const { inputs: I, hidden: H, outputs: O } = sizes;
    this.I = I;
    this.H = H;
    this.O = O;
    this.S = I + H + O;
    const dims: Record<string, [number, number]> = {
      ih: [I, H], ho: [H, O], ii: [I, I], hh: [H, H], oo: [O, O], io: [I, O], oi: [O, I], hi: [H, I], oh: [O, H],
    };
    const w = {} as NinePathwayJacobian['w'];
    for (const [name, [a, b]] of Object.entries(dims)) {
      const m = weights[name];
      if (m !== undefined && m.length !== a * b) {
        throw new PrnnError(`weights.${name} must hold ${a}×${b} = ${a * b} values (got ${m.length})`);
      }
      w[name as keyof NinePathwayJacobian['w']] = m;
    }
    if (!w.ih || !w.ho) throw new PrnnError('weights must include the always-present pathways ih and ho');
    this.w = w;
    this.state = new Float64Array(this.S);
    this.next = new Float64Array(this.S);
    this.mask = new Float64Array(H);
    this.tangents = new Float64Array(steps * I * this.S);
    this.scratch = new Float64Array(this.S);
    this.softmaxTangent = new Float64Array(this.O);
  }

  /**
   * One linearised step: from the previous state (or tangent) `prev` at `po` and the input (tangent) `s`
   * to `out`. With `forward` it is the network step itself and records mask/softmax; otherwise it applies
   * the recorded mask and softmax Jacobian to a tangent.
   */
  private step(prev: Float64Array, po: number, out: Float64Array, forward: boolean): void {
    const { I, H, O, w, mask } = this;
    const xo = 0;
    const ho = I;
    const oo = I + H;
    // x_t = s_t + W_ii·x + W_oi·o + W_hi·h   (s_t already written into out[0..I))
    acc(out, xo, prev, po + xo, I, w.ii, I);
    acc(out, xo, prev, po + oo, O, w.oi, I);
    acc(out, xo, prev, po + ho, H, w.hi, I);
    for (let j = 0; j < H; j++) out[ho + j] = 0;
    acc(out, ho, out, xo, I, w.ih, H);
    acc(out, ho, prev, po + ho, H, w.hh, H);
    acc(out, ho, prev, po + oo, O, w.oh, H);
    if (forward) {
      for (let j = 0; j < H; j++) {
        const on = out[ho + j] > 0 ? 1 : 0;
        mask[j] = on;
        out[ho + j] *= on;
      }
    } else {
      for (let j = 0; j < H; j++) out[ho + j] *= mask[j];
    }
    for (let j = 0; j < O; j++) out[oo + j] = 0;
    acc(out, oo, out, ho, H, w.ho, O);
    acc(out, oo, prev, po + oo, O, w.oo, O);
    acc(out, oo, out, xo, I, w.io, O);
    const o = this.next;
    if (forward) {
      let max = -Infinity;
      for (let j = 0; j < O; j++) max = Math.max(max, out[oo + j]);
      let sum = 0;
      for (let j = 0; j < O; j++) {
        out[oo + j] = Math.exp(out[oo + j] - max);
        sum += out[oo + j];
      }
      for (let j = 0; j < O; j++) out[oo + j] /= sum;
    } else {
      // d softmax = o ⊙ (dz − o·dz), with o the step's recorded output (this.next), written as
      // o_j·Σ_i o_i·(dz_j − dz_i) (Σ o_i = 1): for a saturated output (o_m ≈ 1) dz_m − o·dz cancels to rounding,
      // while the terms o_i·(dz_m − dz_i) keep full relative precision however small S(t, 0) becomes
      const d = this.softmaxTangent;
      for (let j = 0; j < O; j++) {
        const dj = out[oo + j];
        let c = 0;
        for (let i = 0; i < O; i++) c += o[oo + i] * (dj - out[oo + i]);
        d[j] = o[oo + j] * c;
      }
      for (let j = 0; j < O; j++) out[oo + j] = d[j];
    }
  }

  /** Fills `profile` (and `jacobians` when given) for every trial of `trials`. */
  run(trials: RecordedTrials, profile: SensitivityProfile = allocateProfile(trials), jacobians?: TrialJacobians): SensitivityProfile {
    const { I, O, S, state, next, tangents, scratch } = this;
    const T = this.steps;
    if (trials.inputs !== I) throw new PrnnError(`trials must have ${I} inputs per step for this network (got ${trials.inputs})`);
    if (trials.steps !== T) throw new PrnnError(`trials must have ${T} steps (got ${trials.steps})`);
    const oo = S - O;
    const { obs, lengths } = trials;
    const s = profile.s;
    for (let n = 0; n < trials.count; n++) {
      state.fill(0);
      const length = lengths[n];
      for (let t = 0; t < length; t++) {
        const ob = (n * T + t) * I;
        for (let j = 0; j < I; j++) next[j] = obs[ob + j];
        this.step(state, 0, next, true);
        for (let tau = 0; tau <= t; tau++) {
          let sum = 0;
          for (let e = 0; e < I; e++) {
            const base = (tau * I + e) * S;
            scratch.fill(0, 0, I);
            if (tau === t) {
              // fresh tangent of s_t in direction e, from a zero previous tangent
              tangents.fill(0, base, base + S);
              scratch[e] = 1;
            }
            this.step(tangents, base, scratch, false);
            tangents.set(scratch, base);
            for (let j = 0; j < O; j++) sum += scratch[oo + j] * scratch[oo + j];
            if (jacobians) {
              const jb = (((n * T + t) * T + tau) * O) * I;
              for (let j = 0; j < O; j++) jacobians.j[jb + j * I + e] = scratch[oo + j];
            }
          }
          s[(n * T + t) * T + (t - tau)] = Math.sqrt(sum);
        }
        state.set(next);
      }
    }
    return profile;
  }
}
