import * as tf from '@tensorflow/tfjs-core';
import { PrnnError, Rng } from '@prnn/env';
import type { EpisodeRecords, PopulationModel } from '../../../sdk/population-model.js';
import { STREAM } from '../../../sdk/streams.js';
import { PATHWAYS, initWeights, pathwayShape, type NinePathwayArch, type Pathway } from '../family.js';
import { FusedKernel } from './kernel.js';

let instances = 0;

/**
 * The 9-pathway population on the fused typed-array kernel. Weights are tfjs variables, one per pathway in
 * canonical order (`variables[k]` is PATHWAYS[k], shape [P, A, B] with H padded to the largest hidden size;
 * absent pathways and padded units stay zero because their gradient is zero), so the optimiser stays tfjs.
 * The learning pass is one `tf.customGrad` op whose forward and gradient both come from the kernel — like
 * TensorFlow's fused cuDNN RNN kernel; `forward` runs the kernel on a mirror of the variables that is
 * refreshed whenever a variable has been assigned (its dataId changes on `assign`; so change weights with
 * `assign`, as optimisers do, never by writing into a `dataSync()` array).
 */
export class FusedPopulation implements PopulationModel {
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly variables: readonly tf.Variable[];
  readonly kernel: FusedKernel;
  private readonly archs: readonly NinePathwayArch[];
  private readonly mirrorIds: unknown[];
  private readonly losses: Float32Array;
  private disposed = false;

  constructor(archs: readonly NinePathwayArch[], seeds: readonly number[]) {
    if (archs.length !== seeds.length) {
      throw new PrnnError(`seeds must have one entry per network (got ${seeds.length} for ${archs.length} networks)`);
    }
    for (const s of seeds) {
      if (!Number.isInteger(s)) throw new PrnnError(`seeds must be integers (got ${s})`);
    }
    this.kernel = new FusedKernel(archs);
    this.archs = archs;
    this.population = archs.length;
    this.inputs = this.kernel.inputs;
    this.outputs = this.kernel.outputs;
    const P = this.population;
    const padded = PATHWAYS.map((_, k) => new Float32Array(this.kernel.paddedSize(k)));
    for (let n = 0; n < P; n++) {
      const w = initWeights(archs[n], Rng.derive(seeds[n], STREAM.init));
      this.writeMember(padded, n, w);
    }
    const id = instances++;
    this.variables = PATHWAYS.map((p, k) => {
      const [a, b] = this.kernel.paddedShapes[k];
      const initial = tf.tensor3d(padded[k], [P, a, b]);
      const v = tf.variable(initial, true, `prnn/nine-pathway-fused/${id}/${p}`);
      initial.dispose();
      return v;
    });
    this.mirrorIds = this.variables.map(() => null);
    this.losses = new Float32Array(P);
  }

  private writeMember(padded: Float32Array[], n: number, w: Partial<Record<Pathway, ArrayLike<number>>>): void {
    const arch = this.archs[n];
    PATHWAYS.forEach((p, k) => {
      const src = w[p];
      if (src === undefined) return;
      const [A, B] = pathwayShape(arch, p);
      if (src.length !== A * B) {
        throw new PrnnError(`weights of pathway ${p} for ${arch.name} must have ${A * B} values (got ${src.length})`);
      }
      const [Ap, Bp] = this.kernel.paddedShapes[k];
      const base = n * Ap * Bp;
      for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) padded[k][base + a * Bp + b] = src[a * B + b];
    });
  }

  /** Refreshes the kernel's weight mirror if any variable was assigned since the last refresh. */
  private syncMirror(): void {
    this.syncMirrorFrom(this.variables);
  }

  /** Loads the mirror from `tensors` (the 9 pathways) unless it already holds exactly their data. */
  private syncMirrorFrom(tensors: readonly tf.Tensor[]): void {
    let stale = false;
    for (let k = 0; k < tensors.length; k++) if (tensors[k].dataId !== this.mirrorIds[k]) stale = true;
    if (!stale) return;
    this.kernel.loadPadded(tensors.map((t) => t.dataSync() as Float32Array));
    for (let k = 0; k < tensors.length; k++) this.mirrorIds[k] = tensors[k].dataId;
  }

  private checkAlive(): void {
    if (this.disposed) throw new PrnnError('this population model has been disposed');
  }

  resetState(batch: number): void {
    this.checkAlive();
    this.syncMirror();
    this.kernel.resetState(batch);
  }

  forward(obs: Float32Array, tieNoise: Float32Array | null, q: Float32Array, advance: boolean): void {
    this.checkAlive();
    this.syncMirror();
    this.kernel.forwardStep(obs, tieNoise, q, advance);
  }

  /**
   * The learning pass as a differentiable tfjs op: (the 9 pathway tensors, i.e. `variables`) → losses [P].
   * Its forward and gradient come from the kernel; the gradient of network n is scaled by dy[n].
   */
  lossFunction(records: EpisodeRecords): (...weights: tf.Tensor[]) => tf.Tensor1D {
    const P = this.population;
    const kernel = this.kernel;
    const op = tf.customGrad((...args: unknown[]) => {
      const inputs = args.slice(0, PATHWAYS.length) as tf.Tensor[];
      this.syncMirrorFrom(inputs);
      // fresh buffers: the gradient tensors take ownership of them
      const grads = PATHWAYS.map((_, k) => new Float32Array(kernel.paddedSize(k)));
      kernel.learn(records, this.losses, grads);
      const value = tf.tensor1d(this.losses.slice());
      const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
        const d = (Array.isArray(dy) ? dy[0] : dy).dataSync();
        const scaled = !d.every((v) => v === 1);
        return grads.map((g, k) => {
          const [a, b] = kernel.paddedShapes[k];
          if (scaled) {
            for (let n = 0; n < P; n++) for (let i = n * a * b; i < (n + 1) * a * b; i++) g[i] *= d[n];
          }
          return tf.tensor3d(g, [P, a, b]);
        });
      };
      return { value, gradFunc };
    });
    return op as unknown as (...weights: tf.Tensor[]) => tf.Tensor1D;
  }

  lossAndGradients(records: EpisodeRecords): { losses: Float32Array; gradients: tf.Tensor[] } {
    this.checkAlive();
    const f = this.lossFunction(records);
    // valueAndGrads seeds dy = ones([P]) itself, so no tfjs gradient registrations are needed
    const { value, grads } = tf.valueAndGrads((...vs: tf.Tensor[]) => f(...vs))([...this.variables]);
    value.dispose();
    return { losses: this.losses.slice(), gradients: grads };
  }

  exportWeights(n: number): Record<string, Float32Array> {
    this.checkAlive();
    this.checkMember(n);
    this.syncMirror();
    return this.kernel.memberWeights(n) as Record<string, Float32Array>;
  }

  importWeights(n: number, weights: Record<string, Float32Array>): void {
    this.checkAlive();
    this.checkMember(n);
    const arch = this.archs[n];
    for (const name of Object.keys(weights)) {
      const p = name as Pathway;
      if (!(PATHWAYS as readonly string[]).includes(name) || !(p === 'ih' || p === 'ho' || arch.flags[p as keyof typeof arch.flags])) {
        throw new PrnnError(`weights for ${arch.name} may only name its pathways (got "${name}")`);
      }
    }
    for (const p of PATHWAYS) {
      if ((p === 'ih' || p === 'ho' || arch.flags[p]) && weights[p] === undefined) {
        throw new PrnnError(`weights for ${arch.name} must include pathway ${p}`);
      }
    }
    const padded = this.variables.map((v) => (v.dataSync() as Float32Array).slice());
    this.writeMember(padded, n, weights);
    this.variables.forEach((v, k) => {
      const [a, b] = this.kernel.paddedShapes[k];
      tf.tidy(() => v.assign(tf.tensor3d(padded[k], [this.population, a, b])));
    });
  }

  private checkMember(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.population) {
      throw new PrnnError(`network index must be an integer from 0 to ${this.population - 1} (got ${n})`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables) v.dispose();
  }
}

/**
 * P networks of the 9-pathway family on the fused kernel, initialised exactly like the generic path
 * (member n: `initWeights(archs[n], Rng.derive(seeds[n], STREAM.init))`). `channels` must match the archs.
 */
export function createFusedPopulation(archs: readonly NinePathwayArch[], seeds: readonly number[], channels: number): FusedPopulation {
  if (!Number.isInteger(channels) || channels < 1) throw new PrnnError(`channels must be an integer ≥ 1 (got ${channels})`);
  for (const a of archs) {
    if (a.inputs !== 4 * channels) {
      throw new PrnnError(`architecture ${a.name} has ${a.inputs} inputs but channels = ${channels} needs ${4 * channels}`);
    }
  }
  return new FusedPopulation(archs, seeds);
}
