import { PrnnError, Rng } from '@prnn/core';
import { HEAD_PARAMETER_PREFIX } from '../../../sdk/output-heads.js';
import type { PopulationModel, PopulationParameters } from '../../../sdk/population-model.js';
import { STREAM } from '../../../sdk/streams.js';
import { PATHWAYS, initWeights, type NinePathwayArch, type Pathway } from '../family.js';
import { NINE_PATHWAY_FAMILY } from '../names.js';
import { checkChannels, writePaddedMember } from '../population-layout.js';
import { FusedKernel } from './kernel.js';

/**
 * The 9-pathway population on the fused typed-array kernel (registered as kernel `fused` of the family).
 * Its parameters are typed arrays, one per pathway in canonical order (`values[k]` is PATHWAYS[k], shape
 * [P, A, B] with H padded to the largest hidden size; absent pathways and padded units stay zero because
 * their gradient is zero); `commit()` reloads the kernel's float64 mirror from them. No tfjs is involved:
 * the optimiser steps the same arrays, and the learning pass is the kernel's (`fusedLearningKernel`).
 */
export class FusedPopulation implements PopulationModel {
  readonly family = NINE_PATHWAY_FAMILY;
  readonly implementation = 'fused';
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly parameters: PopulationParameters;
  readonly kernel: FusedKernel;
  private readonly archs: readonly NinePathwayArch[];
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
    this.parameters = {
      names: [...PATHWAYS],
      shapes: PATHWAYS.map((_, k) => [P, ...this.kernel.paddedShapes[k]]),
      values: padded,
      commit: () => this.kernel.loadPadded(padded),
    };
    this.kernel.loadPadded(padded);
  }

  private writeMember(padded: Float32Array[], n: number, w: Partial<Record<Pathway, ArrayLike<number>>>): void {
    writePaddedMember(padded, this.kernel.paddedShapes, this.archs[n], n, w);
  }

  private checkAlive(): void {
    if (this.disposed) throw new PrnnError('this population model has been disposed');
  }

  resetState(batch: number): void {
    this.checkAlive();
    this.kernel.resetState(batch);
  }

  forward(obs: Float32Array, noise: Float32Array | null, q: Float32Array, advance: boolean): void {
    this.checkAlive();
    this.kernel.forwardStep(obs, noise, q, advance);
  }

  exportWeights(n: number): Record<string, Float32Array> {
    this.checkAlive();
    this.checkMember(n);
    return this.kernel.memberWeights(n) as Record<string, Float32Array>;
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
    this.writeMember(this.parameters.values as Float32Array[], n, weights);
    this.parameters.commit();
  }

  private checkMember(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.population) {
      throw new PrnnError(`network index must be an integer from 0 to ${this.population - 1} (got ${n})`);
    }
  }

  /** Marks the population disposed; later calls fail. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
  }
}

/**
 * P networks of the 9-pathway family on the fused kernel, initialised exactly like the generic path
 * (member n: `initWeights(archs[n], Rng.derive(seeds[n], STREAM.init))`). `channels` must match the archs.
 */
export function createFusedPopulation(archs: readonly NinePathwayArch[], seeds: readonly number[], channels: number): FusedPopulation {
  checkChannels(archs, channels);
  return new FusedPopulation(archs, seeds);
}
