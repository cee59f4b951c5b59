import type * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/env';
import type { PopulationMember } from '../sdk/architecture.js';
import { checkedShapes, stepSizes, type ArchitectureDefinition, type StepSizes } from '../sdk/define-architecture.js';
import type { EpisodeInputs, EpisodeVjp, PopulationModel, PopulationParameters } from '../sdk/population-model.js';
import { StepPopulation } from '../sdk/step-population.js';
import { createAdamStore } from './adam-wasm.js';
import { compileStep, type StepEngine } from './compile.js';
import { lowerStep, type LoweringLayout } from './lower.js';
import type { StepProgram } from './program.js';
import { LANES, SLOT, type StepKernel } from './step-kernel.js';

/** Largest tape of forward values kept for the backward per group; past it the backward recomputes each step. */
const TAPE_BYTES = 128 * 1024 * 1024;

/** Programs already lowered, per family definition and layout (populations are made per chunk and per run). */
const lowered = new WeakMap<ArchitectureDefinition, Map<string, StepProgram>>();

function loweredStep(def: ArchitectureDefinition, layout: LoweringLayout): StepProgram {
  let byLayout = lowered.get(def);
  if (!byLayout) lowered.set(def, (byLayout = new Map()));
  const key = JSON.stringify([layout.arch, layout.shapes, layout.sizes, layout.stateSize]);
  let program = byLayout.get(key);
  if (!program) byLayout.set(key, (program = lowerStep(def, layout)));
  return program;
}

/** The implementation name of compiled populations (the `--path` that selects them). */
export const COMPILED_PATH = 'compiled';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Networks of one layout: one program, one kernel, chunks of 4 networks in the 4 lanes. */
interface Group {
  readonly members: readonly number[];
  readonly program: StepProgram;
  readonly kernel: StepKernel;
  readonly chunks: number;
  readonly NP: number;
  readonly S: number;
  /** Parameter scalar i of the layout lives in values[srcArray[i]] at n·padSize + srcOffset[i]. */
  readonly srcArray: Int32Array;
  readonly srcOffset: Int32Array;
  /** Runs of parameter scalars [from, to) stored in one array k (the layout's parameters in order). */
  readonly runs: readonly { k: number; from: number; to: number; contiguous: boolean }[];
  readonly params: number;
  readonly grad: number;
  /** Offsets of the per-batch and per-episode areas (laid out by `layout`). */
  area: Areas;
}

interface Areas {
  batch: number;
  steps: number;
  inferState: [number, number];
  inferObs: number;
  inferNoise: number;
  inferOut: number;
  inferReg: number;
  /** One register area per (chunk, step) when `taped`, else one area the backward recomputes into. */
  tape: number;
  taped: boolean;
  states: number;
  obs: number;
  noise: number;
  out: number;
  outAdj: number;
  stateAdj: [number, number];
}

/**
 * A family's population run by its compiled step (see docs/guides/step-compiler.md): the step is traced
 * and lowered once per layout, compiled to a kernel that runs 4 networks in the lanes of each scalar, and
 * differentiated by the compiled reverse mode (BPTT: the forward keeps each step's state, the backward
 * recomputes each step from it and walks back). Parameters are StepPopulation's (same names, [P, ...padded]
 * shapes, same initial values), so optimisers, checkpoints and weight files work unchanged; they live in the
 * memory of a WebAssembly Adam update (`parameters.adam`, the optimiser's float32 operations in its order).
 * `unroll` stays available for losses without cotangents.
 */
export class CompiledPopulation implements PopulationModel {
  readonly family: string;
  readonly implementation = COMPILED_PATH;
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly parameters: PopulationParameters;
  private readonly inner: StepPopulation;
  private readonly groups: Group[];
  private readonly padSize: number[];
  private dirty = true;
  private batch = 1;
  private current = 0;
  private vjpSteps = -1;
  private disposed = false;
  private readonly tapeBytes: number;

  /**
   * `engine`: `wasm-simd` (default) or the reference `interpreter`; `tapeBytes`: the largest tape of forward
   * values kept per group for the backward (default 128 MiB; past it the backward recomputes each step).
   */
  constructor(def: ArchitectureDefinition, members: readonly PopulationMember[], channels: number, engine: StepEngine = 'wasm-simd', opts: { tapeBytes?: number } = {}) {
    this.tapeBytes = opts.tapeBytes ?? TAPE_BYTES;
    this.inner = new StepPopulation(def, members, channels);
    this.family = def.family;
    this.population = members.length;
    const sizes: StepSizes = stepSizes(channels);
    this.inputs = sizes.inputs;
    this.outputs = sizes.outputs;
    const { names, shapes } = this.inner.parameters;
    this.padSize = shapes.map((s) => size(s.slice(1)));
    // the values live in the WebAssembly memory of the Adam update (StepPopulation's arrays are synced to them on demand)
    const store = createAdamStore(this.inner.parameters.values.map((v) => v.length), members.length);
    const values = store.values;
    values.forEach((v, k) => v.set(this.inner.parameters.values[k]));
    this.parameters = {
      names,
      shapes,
      values,
      commit: () => {
        this.dirty = true;
      },
      adam: store.adam,
    };
    const byLayout = new Map<string, number[]>();
    const memberShapes = members.map((m) => checkedShapes(def, m.arch, sizes));
    members.forEach((m, n) => {
      const key = JSON.stringify([m.arch.name, m.arch.hidden, memberShapes[n], def.stateSize(m.arch, sizes)]);
      const list = byLayout.get(key);
      if (list) list.push(n);
      else byLayout.set(key, [n]);
    });
    this.groups = [...byLayout.values()].map((list) => {
      const arch = members[list[0]].arch;
      const layoutShapes = memberShapes[list[0]];
      const S = def.stateSize(arch, sizes);
      const program = loweredStep(def, { arch, shapes: layoutShapes, sizes, stateSize: S });
      const kernel = compileStep(program, engine);
      const NP = program.inputs.params;
      const srcArray = new Int32Array(NP);
      const srcOffset = new Int32Array(NP);
      let i = 0;
      for (const [name, shape] of Object.entries(layoutShapes)) {
        const k = names.indexOf(name);
        const padded = shapes[k].slice(1);
        const ps = padded.map((_, j) => size(padded.slice(j + 1)));
        const c = new Array<number>(shape.length).fill(0);
        for (let e = 0; e < size(shape); e++) {
          srcArray[i] = k;
          srcOffset[i++] = c.reduce((s, cj, j) => s + cj * ps[j], 0);
          for (let j = shape.length - 1; j >= 0; j--) {
            if (++c[j] < shape[j]) break;
            c[j] = 0;
          }
        }
      }
      const runs: { k: number; from: number; to: number; contiguous: boolean }[] = [];
      for (let j = 0; j < NP; j++) {
        const last = runs[runs.length - 1];
        if (last && last.k === srcArray[j]) last.to = j + 1;
        else runs.push({ k: srcArray[j], from: j, to: j + 1, contiguous: true });
      }
      // a run whose member shape is the padded shape reads its array's slice in order
      for (const r of runs) r.contiguous = srcOffset.subarray(r.from, r.to).every((o, i) => o === i);
      const chunks = Math.ceil(list.length / LANES);
      const params = kernel.reserved;
      const grad = params + chunks * NP * SLOT;
      const group: Group = {
        members: list, program, kernel, chunks, NP, S, srcArray, srcOffset, runs, params, grad,
        area: { batch: 0, steps: -1, inferState: [0, 0], inferObs: 0, inferNoise: 0, inferOut: 0, inferReg: 0, tape: 0, taped: false, states: 0, obs: 0, noise: 0, out: 0, outAdj: 0, stateAdj: [0, 0] },
      };
      this.layout(group, 1, 0);
      return group;
    });
  }

  /** The engine every group runs on (`wasm-simd` or `interpreter`). */
  get engine(): string {
    return this.groups[0].kernel.engine;
  }

  /** Lays out (and grows) a group's memory for `batch` environments and episodes of `steps` steps. */
  private layout(g: Group, batch: number, steps: number): void {
    const a = g.area;
    if (batch <= a.batch && steps <= a.steps) return;
    const B = Math.max(batch, a.batch);
    const T = Math.max(steps, a.steps, 0);
    const { chunks: C, S } = g;
    const I = this.inputs;
    const O = this.outputs;
    let at = g.grad + C * g.NP * SLOT;
    const take = (slots: number): number => {
      const r = at;
      at += slots * SLOT;
      return r;
    };
    const inferState: [number, number] = [take(C * B * S), take(C * B * S)];
    const regSlots = g.kernel.registerBytes / SLOT;
    const taped = C * T * g.kernel.registerBytes <= this.tapeBytes;
    // growing the batch keeps nothing of the inference state: resetState zeroes it anyway
    g.area = {
      batch: B,
      steps: T,
      inferState,
      inferObs: take(C * B * I),
      inferNoise: take(C * B * O),
      inferOut: take(C * B * O),
      inferReg: take(regSlots),
      tape: take(taped ? C * T * regSlots : regSlots),
      taped,
      states: take(C * (T + 1) * S),
      obs: take(C * T * I),
      noise: take(C * T * O),
      out: take(O),
      outAdj: take(O),
      stateAdj: [take(S), take(S)],
    };
    g.kernel.grow(at);
    if (a.batch === B && a.batch > 0) {
      // the batch did not change: keep the running inference state where it now lives
      const f = g.kernel.view();
      for (const k of [0, 1]) f.copyWithin(inferState[k] / 4, a.inferState[k] / 4, a.inferState[k] / 4 + C * B * S * LANES);
    }
  }

  private check(): void {
    if (this.disposed) throw new PrnnError('this population model has been disposed');
  }

  /** Copies the parameter values into each group's lanes when they changed. */
  private pack(): void {
    if (!this.dirty) return;
    const values = this.parameters.values;
    for (const g of this.groups) {
      const f = g.kernel.view();
      const members = g.members;
      // spare lanes of the last chunk hold zeros
      if (members.length % LANES !== 0) f.fill(0, g.params / 4 + (g.chunks - 1) * g.NP * LANES, (g.params + g.chunks * g.NP * SLOT) / 4);
      const off = g.srcOffset;
      for (const { k, from, to, contiguous } of g.runs) {
        const v = values[k];
        const ps = this.padSize[k];
        for (let j = 0; j < members.length; j++) {
          const at = g.params / 4 + (j >> 2) * g.NP * LANES + (j & 3);
          const src = members[j] * ps;
          if (contiguous) {
            for (let i = from, x = src, y = at + from * LANES; i < to; i++, x++, y += LANES) f[y] = v[x];
          } else {
            for (let i = from; i < to; i++) f[at + i * LANES] = v[src + off[i]];
          }
        }
      }
    }
    this.dirty = false;
  }

  resetState(batch: number): void {
    this.check();
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    this.batch = batch;
    this.current = 0;
    for (const g of this.groups) {
      this.layout(g, batch, 0);
      const f = g.kernel.view();
      const n = g.chunks * batch * g.S * LANES;
      f.fill(0, g.area.inferState[0] / 4, g.area.inferState[0] / 4 + n);
    }
  }

  forward(obs: Float32Array, noise: Float32Array | null, q: Float32Array, advance: boolean): void {
    this.check();
    const { population: P, batch: B, inputs: I, outputs: O } = this;
    if (obs.length !== P * B * I) throw new PrnnError(`obs must have P·batch·I = ${P * B * I} values (got ${obs.length})`);
    if (q.length !== P * B * O) throw new PrnnError(`q must have P·batch·O = ${P * B * O} values (got ${q.length})`);
    if (noise && noise.length !== P * B * O) throw new PrnnError(`noise must have P·batch·O = ${P * B * O} values (got ${noise.length})`);
    this.pack();
    const cur = this.current;
    for (const g of this.groups) {
      const a = g.area;
      const kernel = g.kernel;
      const f = kernel.view();
      const fo = a.inferObs / 4;
      const fu = a.inferNoise / 4;
      const members = g.members;
      const G = members.length;
      // lanes past the last network read zeros; without noise every lane does
      if (G % LANES !== 0) f.fill(0, fo + (g.chunks - 1) * B * I * LANES, fo + g.chunks * B * I * LANES);
      if (!noise || G % LANES !== 0) f.fill(0, noise ? fu + (g.chunks - 1) * B * O * LANES : fu, fu + g.chunks * B * O * LANES);
      for (let j = 0; j < G; j++) {
        const n = members[j];
        const c = j >> 2;
        const l = j & 3;
        for (let b = 0; b < B; b++) {
          const ob = fo + (c * B + b) * I * LANES + l;
          const src = (n * B + b) * I;
          for (let x = 0; x < I; x++) f[ob + x * LANES] = obs[src + x];
          if (noise) {
            const ub = fu + (c * B + b) * O * LANES + l;
            const us = (n * B + b) * O;
            for (let k = 0; k < O; k++) f[ub + k * LANES] = noise[us + k];
          }
        }
      }
      const stride = g.NP * SLOT;
      const from = a.inferState[cur];
      const to = a.inferState[1 - cur];
      for (let c = 0; c < g.chunks; c++) {
        for (let b = 0; b < B; b++) {
          const cb = c * B + b;
          kernel.forward(g.params + c * stride, from + cb * g.S * SLOT, a.inferObs + cb * I * SLOT, a.inferNoise + cb * O * SLOT, a.inferOut + cb * O * SLOT, to + cb * g.S * SLOT, a.inferReg);
        }
      }
      const qo = a.inferOut / 4;
      for (let j = 0; j < G; j++) {
        const n = members[j];
        const c = j >> 2;
        const l = j & 3;
        for (let b = 0; b < B; b++) {
          const src = qo + (c * B + b) * O * LANES + l;
          const dst = (n * B + b) * O;
          for (let k = 0; k < O; k++) q[dst + k] = f[src + k * LANES];
        }
      }
    }
    if (advance) this.current = 1 - cur;
  }

  unroll(params: readonly tf.Tensor[], episode: EpisodeInputs, steps: number): tf.Tensor3D {
    return this.inner.unroll(params, episode, steps);
  }

  /** The compiled vector-Jacobian product (see EpisodeVjp). */
  readonly vjp: EpisodeVjp = {
    forward: (episode, steps, outputs) => {
      this.check();
      const { population: P, inputs: I, outputs: O } = this;
      const n = steps * P * O;
      if (outputs.length < n) throw new PrnnError(`outputs must have at least steps·P·O = ${n} values (got ${outputs.length})`);
      if (episode.population !== P) throw new PrnnError(`episode.population must be ${P} (got ${episode.population})`);
      if (!Number.isInteger(steps) || steps < 0 || steps > episode.steps) throw new PrnnError(`steps must be an integer from 0 to ${episode.steps} (got ${steps})`);
      this.pack();
      for (const g of this.groups) {
        this.layout(g, this.batch, steps);
        const a = g.area;
        const f = g.kernel.view();
        const C = g.chunks;
        // lane-interleave the episode: obs[c][t][j][lane], noise likewise; states[c][0] = 0
        f.fill(0, a.obs / 4, a.obs / 4 + C * steps * I * LANES);
        f.fill(0, a.noise / 4, a.noise / 4 + C * steps * O * LANES);
        g.members.forEach((m, j) => {
          const c = j >> 2;
          const l = j & 3;
          for (let t = 0; t < steps; t++) {
            const ob = a.obs / 4 + (c * steps + t) * I * LANES + l;
            const src = (t * P + m) * I;
            for (let x = 0; x < I; x++) f[ob + x * LANES] = episode.obs[src + x];
            const ub = a.noise / 4 + (c * steps + t) * O * LANES + l;
            const us = (t * P + m) * O;
            for (let k = 0; k < O; k++) f[ub + k * LANES] = episode.tieNoise[us + k];
          }
        });
        for (let c = 0; c < C; c++) {
          const states = a.states + c * (steps + 1) * g.S * SLOT;
          f.fill(0, states / 4, states / 4 + g.S * LANES);
          const lanes = Math.min(LANES, g.members.length - c * LANES);
          for (let t = 0; t < steps; t++) {
            const reg = a.taped ? a.tape + (c * a.steps + t) * g.kernel.registerBytes : a.tape;
            g.kernel.forward(g.params + c * g.NP * SLOT, states + t * g.S * SLOT, a.obs + (c * steps + t) * I * SLOT, a.noise + (c * steps + t) * O * SLOT, a.out, states + (t + 1) * g.S * SLOT, reg);
            for (let l = 0; l < lanes; l++) {
              const m = g.members[c * LANES + l];
              for (let k = 0; k < O; k++) outputs[(t * P + m) * O + k] = f[a.out / 4 + k * LANES + l];
            }
          }
        }
      }
      this.vjpSteps = steps;
    },
    backward: (cotangents, gradients) => {
      this.check();
      const steps = this.vjpSteps;
      if (steps < 0) throw new PrnnError('vjp.backward needs a vjp.forward over the episode first');
      this.vjpSteps = -1;
      const { population: P, inputs: I, outputs: O } = this;
      const values = this.parameters.values;
      if (gradients.length !== values.length) throw new PrnnError(`expected ${values.length} gradient arrays (got ${gradients.length})`);
      gradients.forEach((g, k) => {
        if (g.length !== values[k].length) throw new PrnnError(`gradients[${k}] must have ${values[k].length} values (got ${g.length})`);
        g.fill(0);
      });
      const n = steps * P * O;
      if (cotangents.length < n) throw new PrnnError(`cotangents must have at least steps·P·O = ${n} values (got ${cotangents.length})`);
      for (const g of this.groups) {
        const a = g.area;
        const f = g.kernel.view();
        const C = g.chunks;
        f.fill(0, g.grad / 4, (g.grad + C * g.NP * SLOT) / 4);
        for (let c = 0; c < C; c++) {
          const states = a.states + c * (steps + 1) * g.S * SLOT;
          const lanes = Math.min(LANES, g.members.length - c * LANES);
          let adjIn = a.stateAdj[0];
          let adjOut = a.stateAdj[1];
          f.fill(0, adjIn / 4, adjIn / 4 + g.S * LANES);
          f.fill(0, a.outAdj / 4, a.outAdj / 4 + O * LANES);
          for (let t = steps - 1; t >= 0; t--) {
            for (let l = 0; l < lanes; l++) {
              const m = g.members[c * LANES + l];
              for (let k = 0; k < O; k++) f[a.outAdj / 4 + k * LANES + l] = cotangents[(t * P + m) * O + k];
            }
            const params = g.params + c * g.NP * SLOT;
            const state = states + t * g.S * SLOT;
            const obs = a.obs + (c * steps + t) * I * SLOT;
            const noise = a.noise + (c * steps + t) * O * SLOT;
            let reg = a.tape;
            if (a.taped) reg += (c * a.steps + t) * g.kernel.registerBytes;
            else g.kernel.forward(params, state, obs, noise, a.out, states + (t + 1) * g.S * SLOT, reg); // recompute (rewrites the same next state)
            g.kernel.backward(params, state, obs, noise, a.outAdj, adjIn, adjOut, g.grad + c * g.NP * SLOT, reg);
            [adjIn, adjOut] = [adjOut, adjIn];
          }
        }
        const off = g.srcOffset;
        const members = g.members;
        for (const { k, from, to } of g.runs) {
          const out = gradients[k];
          const ps = this.padSize[k];
          for (let j = 0; j < members.length; j++) {
            const at = g.grad / 4 + (j >> 2) * g.NP * LANES + (j & 3);
            const dst = members[j] * ps;
            for (let i = from; i < to; i++) out[dst + off[i]] = f[at + i * LANES];
          }
        }
      }
    },
  };

  exportWeights(n: number): Record<string, Float32Array> {
    this.inner.parameters.values.forEach((v, k) => v.set(this.parameters.values[k]));
    return this.inner.exportWeights(n);
  }

  importWeights(n: number, weights: Record<string, Float32Array>): void {
    this.inner.parameters.values.forEach((v, k) => v.set(this.parameters.values[k]));
    this.inner.importWeights(n, weights);
    this.parameters.values.forEach((v, k) => v.set(this.inner.parameters.values[k]));
    this.dirty = true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.inner.dispose();
  }
}
