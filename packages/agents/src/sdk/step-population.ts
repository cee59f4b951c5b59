import * as tf from '@tensorflow/tfjs-core';
import { PrnnError, Rng } from '@prnn/core';
import type { ArchInfo, PopulationMember } from './architecture.js';
import { checkedInit, checkedShapes, stepSizes, type ArchitectureDefinition, type ParameterShapes, type StepSizes } from './define-architecture.js';
import { checkForwardBuffers, type EpisodeInputs, type EpisodeVjp, type PopulationModel, type PopulationParameters } from './population-model.js';
import { parameterGradients } from './learning-pass.js';
import { STREAM } from './streams.js';
import { HEAD_PARAMETER_PREFIX } from './output-heads.js';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Copies an array of `shape` to/from its zero-padded place (element `base` on) in an array of `padded` shape. */
function copyPadded(small: Float32Array, shape: readonly number[], big: Float32Array, base: number, padded: readonly number[], toBig: boolean): void {
  const rank = shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) strides[k] = strides[k + 1] * padded[k + 1];
  const inner = shape[rank - 1];
  const rows = size(shape) / inner;
  const index = new Array<number>(rank).fill(0);
  for (let r = 0; r < rows; r++) {
    let at = base;
    for (let k = 0; k < rank - 1; k++) at += index[k] * strides[k];
    if (toBig) big.set(small.subarray(r * inner, (r + 1) * inner), at);
    else small.set(big.subarray(at, at + inner), r * inner);
    for (let k = rank - 2; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
}

/** Networks of one layout (same parameter names and shapes, same state size), stepped at once. */
interface Group {
  readonly members: readonly number[];
  readonly arch: ArchInfo;
  readonly shapes: ParameterShapes;
  readonly stateSize: number;
  readonly index: tf.Tensor1D;
  /** Members 0…P−1 in order with every parameter at its padded shape: no gather or slice needed. */
  readonly whole: boolean;
}

/**
 * Entries `list` of `t` along `axis`, like tf.gather, by slices and one concat: differentiable on every backend
 * (the gradient of gather is UnsortedSegmentSum, which tfjs's wasm backend lacks) with the same values.
 * Runs of consecutive indices are taken as one slice.
 */
function takeRows(t: tf.Tensor, list: readonly number[], axis: number): tf.Tensor {
  const parts: tf.Tensor[] = [];
  for (let a = 0; a < list.length; ) {
    let b = a + 1;
    while (b < list.length && list[b] === list[b - 1] + 1) b++;
    parts.push(tf.slice(t, t.shape.map((_, k) => (k === axis ? list[a] : 0)), t.shape.map((d, k) => (k === axis ? b - a : d))));
    a = b;
  }
  return parts.length === 1 ? parts[0] : tf.concat(parts, axis);
}

/**
 * The generic population of a family defined by its step: P networks, each parameter stored for the whole
 * population as [P, ...largest shape] (zero-padded; padding gets zero gradient, so optimisers never move
 * it). Networks of the same layout form a group whose step runs once for all of them (population
 * batching); the learning path unrolls the step through the episode and tfjs autodiff does BPTT.
 */
export class StepPopulation implements PopulationModel {
  readonly family: string;
  readonly implementation = 'generic';
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly parameters: PopulationParameters;
  /** The largest network's recurrent state size (what `vjp.forward` writes with `states`). */
  readonly stateSize: number;
  private readonly sizes: StepSizes;
  private readonly memberShapes: ParameterShapes[];
  private readonly padded: Record<string, readonly number[]>;
  private readonly groups: Group[];
  /** Position of each network in the groups' concatenated order (to put group outputs back in order). */
  private readonly order: tf.Tensor1D | null;
  /** `order` as numbers (the learning path takes rows by slices, see takeRows). */
  private readonly orderList: readonly number[] | null;
  private cache: Record<string, tf.Tensor>[] | null = null;
  private states: (tf.Tensor3D | null)[];
  private batch = 1;
  private disposed = false;

  constructor(
    private readonly def: ArchitectureDefinition,
    readonly members: readonly PopulationMember[],
    channels: number,
  ) {
    if (members.length === 0) throw new PrnnError('a population needs at least one network');
    this.family = def.family;
    this.sizes = stepSizes(channels);
    this.population = members.length;
    this.inputs = this.sizes.inputs;
    this.outputs = this.sizes.outputs;
    const P = members.length;
    this.memberShapes = members.map((m) => {
      if (m.arch.family !== def.family) throw new PrnnError(`network ${m.arch.name} belongs to family ${m.arch.family}, not ${def.family}`);
      return checkedShapes(def, m.arch, this.sizes);
    });
    // union of parameter names (first appearance order) at the largest shape of each
    const padded: Record<string, number[]> = {};
    this.memberShapes.forEach((shapes, n) => {
      for (const [name, shape] of Object.entries(shapes)) {
        const seen = padded[name];
        if (!seen) padded[name] = [...shape];
        else if (seen.length !== shape.length) {
          throw new PrnnError(`parameter ${name} has rank ${shape.length} in ${members[n].arch.name} but rank ${seen.length} in another network`);
        } else shape.forEach((d, k) => (seen[k] = Math.max(seen[k], d)));
      }
    });
    this.padded = padded;
    const names = Object.keys(padded);
    const values = names.map((name) => new Float32Array(P * size(padded[name])));
    members.forEach((m, n) => {
      const init = checkedInit(def, m.arch, this.sizes, Rng.derive(m.seed, STREAM.init));
      for (const [name, shape] of Object.entries(this.memberShapes[n])) {
        const k = names.indexOf(name);
        copyPadded(init[name], shape, values[k], n * size(padded[name]), padded[name], true);
      }
    });
    this.parameters = {
      names,
      shapes: names.map((name) => [P, ...padded[name]]),
      values,
      commit: () => this.disposeCache(),
    };

    const byLayout = new Map<string, number[]>();
    members.forEach((m, n) => {
      const key = JSON.stringify([m.arch.name, m.arch.hidden, this.memberShapes[n], def.stateSize(m.arch, this.sizes)]);
      const list = byLayout.get(key);
      if (list) list.push(n);
      else byLayout.set(key, [n]);
    });
    this.groups = [...byLayout.values()].map((list) => {
      const shapes = this.memberShapes[list[0]];
      const whole =
        list.length === P &&
        names.every((name) => shapes[name]?.every((d, k) => d === padded[name][k]) === true);
      return {
        members: list,
        arch: members[list[0]].arch,
        shapes,
        stateSize: def.stateSize(members[list[0]].arch, this.sizes),
        index: tf.keep(tf.tensor1d(list, 'int32')),
        whole,
      };
    });
    const concatenated = this.groups.flatMap((g) => g.members);
    const position = new Int32Array(P);
    concatenated.forEach((n, at) => (position[n] = at));
    this.order = concatenated.every((n, at) => n === at) ? null : tf.keep(tf.tensor1d(position, 'int32'));
    this.orderList = this.order ? [...position] : null;
    this.states = this.groups.map(() => null);
    this.stateSize = Math.max(...this.groups.map((g) => g.stateSize));
  }

  /** Number of layouts (groups stepped separately). */
  get groupCount(): number {
    return this.groups.length;
  }

  /** A group's parameters from whole-population tensors [P, ...padded]: gathered, sliced, vectors as [G, 1, n]. */
  private groupParams(g: Group, full: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, shape] of Object.entries(g.shapes)) {
      let t = full[name];
      if (!g.whole) {
        t = takeRows(t, g.members, 0);
        if (!shape.every((d, k) => d === this.padded[name][k])) t = tf.slice(t, [0, ...shape.map(() => 0)], [g.members.length, ...shape]);
      }
      out[name] = shape.length === 1 ? tf.reshape(t, [g.members.length, 1, shape[0]]) : t;
    }
    return out;
  }

  private fullTensors(params: readonly tf.Tensor[]): Record<string, tf.Tensor> {
    return Object.fromEntries(this.parameters.names.map((name, k) => [name, params[k]]));
  }

  private groupCache(): Record<string, tf.Tensor>[] {
    if (this.cache) return this.cache;
    this.cache = tf.tidy(() => {
      const full = this.parameters.values.map((v, k) => tf.tensor(v, this.parameters.shapes[k] as number[]));
      const fullByName = this.fullTensors(full);
      return this.groups.map((g) => {
        const p = this.groupParams(g, fullByName);
        // whole groups may hand out the full tensors themselves: clone so the cache owns what it keeps
        return Object.fromEntries(Object.entries(p).map(([k, t]) => [k, tf.keep(tf.clone(t))]));
      });
    });
    return this.cache;
  }

  private check(): void {
    if (this.disposed) throw new PrnnError('this population model has been disposed');
  }

  resetState(batch: number): void {
    this.check();
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    this.disposeStates();
    this.batch = batch;
  }

  forward(obs: Float32Array, noise: Float32Array | null, q: Float32Array, advance: boolean): void {
    this.check();
    const { population: P, batch: B, inputs: I, outputs: O } = this;
    checkForwardBuffers(P, B, I, O, obs, noise, q);
    const cache = this.groupCache();
    tf.tidy(() => {
      const obsT = tf.tensor3d(obs, [P, B, I]);
      const noiseT = noise ? tf.tensor3d(noise, [P, B, O]) : null;
      this.groups.forEach((g, k) => {
        const G = g.members.length;
        const o = g.whole ? obsT : (tf.gather(obsT, g.index) as tf.Tensor3D);
        const u = noiseT ? (g.whole ? noiseT : (tf.gather(noiseT, g.index) as tf.Tensor3D)) : null;
        const state = this.states[k] ?? (tf.zeros([G, B, g.stateSize]) as tf.Tensor3D);
        const r = this.def.step(cache[k], state, o, u, g.arch);
        const out = r.output.dataSync() as Float32Array;
        if (out.length !== G * B * O) {
          throw new PrnnError(`step of ${this.family}:${g.arch.name} must return an output of shape [G, B, ${O}] = [${G}, ${B}, ${O}] (got [${r.output.shape.join(', ')}])`);
        }
        g.members.forEach((n, j) => q.set(out.subarray(j * B * O, (j + 1) * B * O), n * B * O));
        if (advance) {
          if (r.state.shape.join() !== [G, B, g.stateSize].join()) {
            throw new PrnnError(`step of ${this.family}:${g.arch.name} must return a state of shape [${G}, ${B}, ${g.stateSize}] (got [${r.state.shape.join(', ')}])`);
          }
          this.states[k]?.dispose();
          this.states[k] = tf.keep(r.state);
        }
      });
    });
  }

  unroll(params: readonly tf.Tensor[], episode: EpisodeInputs, steps: number): tf.Tensor3D {
    return this.unrollWith(params, episode, steps, false);
  }

  /**
   * `unroll`, and with `withStates` each step's next state (zero-padded to `stateSize`) after the outputs on
   * the last axis: [steps, P, O + S].
   */
  private unrollWith(params: readonly tf.Tensor[], episode: EpisodeInputs, steps: number, withStates: boolean): tf.Tensor3D {
    this.check();
    const { population: P, inputs: I, outputs: O } = this;
    const full = this.fullTensors(params);
    const obsAll = tf.tensor3d(episode.obs.subarray(0, steps * P * I), [steps, P, I]);
    const noiseAll = tf.tensor3d(episode.tieNoise.subarray(0, steps * P * O), [steps, P, O]);
    const outputs = this.groups.map((g) => {
      const G = g.members.length;
      const p = this.groupParams(g, full);
      const obsG = g.whole ? obsAll : tf.gather(obsAll, g.index, 1);
      const noiseG = g.whole ? noiseAll : tf.gather(noiseAll, g.index, 1);
      const obsSteps = steps > 1 ? tf.unstack(obsG) : [tf.reshape(obsG, [G, I])];
      const noiseSteps = steps > 1 ? tf.unstack(noiseG) : [tf.reshape(noiseG, [G, O])];
      let state = tf.zeros([G, 1, g.stateSize]) as tf.Tensor3D;
      const outs: tf.Tensor[] = [];
      for (let t = 0; t < steps; t++) {
        const r = this.def.step(p, state, tf.reshape(obsSteps[t], [G, 1, I]) as tf.Tensor3D, tf.reshape(noiseSteps[t], [G, 1, O]) as tf.Tensor3D, g.arch);
        state = r.state;
        const out = tf.reshape(r.output, [1, G, O]);
        if (!withStates) outs.push(out);
        else {
          const padded = g.stateSize < this.stateSize ? tf.pad(r.state, [[0, 0], [0, 0], [0, this.stateSize - g.stateSize]]) : r.state;
          outs.push(tf.concat([out, tf.reshape(padded, [1, G, this.stateSize])], 2));
        }
      }
      return steps > 1 ? tf.concat(outs, 0) : outs[0];
    });
    const joined = outputs.length > 1 ? tf.concat(outputs, 1) : outputs[0];
    return (this.orderList ? takeRows(joined, this.orderList, 1) : joined) as tf.Tensor3D;
  }

  /** The last `vjp.forward`'s episode and length, which `vjp.backward` differentiates. */
  private vjpEpisode: { episode: EpisodeInputs; steps: number } | null = null;

  /**
   * The generic vector-Jacobian product: tfjs autodiff through `unroll` with dL/d(outputs) as the seed
   * (backward runs the episode's forward again under the tape: the reference, not the fast path).
   */
  readonly vjp: EpisodeVjp = {
    forward: (episode, steps, outputs, states) => {
      this.check();
      const { population: P, outputs: O, stateSize: S } = this;
      const n = steps * P * O;
      if (outputs.length < n) throw new PrnnError(`outputs must have at least steps·P·O = ${n} values (got ${outputs.length})`);
      if (states && states.length < steps * P * S) throw new PrnnError(`states must have at least steps·P·S = ${steps * P * S} values (got ${states.length})`);
      tf.tidy(() => {
        const params = this.parameters.values.map((v, k) => tf.tensor(v, this.parameters.shapes[k] as number[]));
        const y = this.unrollWith(params, episode, steps, states !== undefined).dataSync() as Float32Array;
        if (!states) outputs.set(y);
        else {
          for (let r = 0; r < steps * P; r++) {
            outputs.set(y.subarray(r * (O + S), r * (O + S) + O), r * O);
            states.set(y.subarray(r * (O + S) + O, (r + 1) * (O + S)), r * S);
          }
        }
      });
      this.vjpEpisode = { episode, steps };
    },
    backward: (cotangents, gradients, stateCotangents) => {
      this.check();
      const last = this.vjpEpisode;
      if (!last) throw new PrnnError('vjp.backward needs a vjp.forward over the episode first');
      this.vjpEpisode = null;
      const { episode, steps } = last;
      const n = steps * this.population * this.outputs;
      if (cotangents.length < n) throw new PrnnError(`cotangents must have at least steps·P·O = ${n} values (got ${cotangents.length})`);
      const { population: P, outputs: O, stateSize: S } = this;
      let seed = cotangents.subarray(0, n);
      if (stateCotangents) {
        if (stateCotangents.length < steps * P * S) throw new PrnnError(`stateCotangents must have at least steps·P·S = ${steps * P * S} values (got ${stateCotangents.length})`);
        seed = new Float32Array(steps * P * (O + S));
        for (let r = 0; r < steps * P; r++) {
          seed.set(cotangents.subarray(r * O, (r + 1) * O), r * (O + S));
          seed.set(stateCotangents.subarray(r * S, (r + 1) * S), r * (O + S) + O);
        }
      }
      const dy = tf.tensor3d(seed, [steps, P, stateCotangents ? O + S : O]);
      try {
        parameterGradients(this.parameters, (params) => this.unrollWith(params, episode, steps, stateCotangents !== undefined), gradients, dy);
      } finally {
        dy.dispose();
      }
    },
  };

  private memberIndex(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.population) {
      throw new PrnnError(`network index must be an integer from 0 to ${this.population - 1} (got ${n})`);
    }
  }

  exportWeights(n: number): Record<string, Float32Array> {
    this.memberIndex(n);
    const out: Record<string, Float32Array> = {};
    for (const [name, shape] of Object.entries(this.memberShapes[n])) {
      const k = this.parameters.names.indexOf(name);
      const w = new Float32Array(size(shape));
      copyPadded(w, shape, this.parameters.values[k], n * size(this.padded[name]), this.padded[name], false);
      out[name] = w;
    }
    return out;
  }

  /**
   * Sets network n's parameters by name (unpadded, as `exportWeights` returns them); a PrnnError on an unknown name or
   * a wrong length.
   */
  importWeights(n: number, weights: Record<string, Float32Array>): void {
    this.memberIndex(n);
    const shapes = this.memberShapes[n];
    const arch = this.members[n].arch;
    for (const name of Object.keys(weights)) {
      // output heads (head.*, a learner's readouts of the state) are not part of the network: ignored
      if (name.startsWith(HEAD_PARAMETER_PREFIX)) continue;
      if (!shapes[name]) throw new PrnnError(`weights of ${arch.name} have no parameter ${JSON.stringify(name)}: expected ${Object.keys(shapes).join(', ')}`);
    }
    for (const [name, shape] of Object.entries(shapes)) {
      const w = weights[name];
      if (!(w instanceof Float32Array) || w.length !== size(shape)) {
        throw new PrnnError(`weights.${name} of ${arch.name} must be a Float32Array of ${shape.join('×')} = ${size(shape)} values (got ${w ? w.length : 'none'})`);
      }
    }
    for (const [name, shape] of Object.entries(shapes)) {
      const k = this.parameters.names.indexOf(name);
      copyPadded(weights[name], shape, this.parameters.values[k], n * size(this.padded[name]), this.padded[name], true);
    }
    this.parameters.commit();
  }

  private disposeCache(): void {
    if (this.cache) for (const c of this.cache) tf.dispose(Object.values(c));
    this.cache = null;
  }

  private disposeStates(): void {
    for (const s of this.states) s?.dispose();
    this.states = this.groups.map(() => null);
  }

  /** Disposes the population's cached tensors and states; later calls fail. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeCache();
    this.disposeStates();
    for (const g of this.groups) g.index.dispose();
    this.order?.dispose();
  }
}
