import type { Rng } from '@prnn/core';
import { allocateEpisodeRecords, allocateLike, type EpisodeRecords, type PopulationModel } from '../src/sdk/population-model.js';
import type { KernelSet } from '../src/sdk/kernel.js';
import { learningPass } from '../src/sdk/learning-pass.js';
import { selectedSquaredError } from '../src/learners/selected-squared-error.js';
import { pathwayShape, presentPathways, type NinePathwayArch, type NinePathwayWeights } from '../src/architectures/nine-pathway/family.js';

/** Weights Uniform(−scale, scale) for every present pathway (larger than the init so recurrences matter). */
export function randomWeights(arch: NinePathwayArch, rng: Rng, scale: number): NinePathwayWeights {
  const w: NinePathwayWeights = {};
  for (const p of presentPathways(arch)) {
    const [a, b] = pathwayShape(arch, p);
    const m = new Float32Array(a * b);
    for (let j = 0; j < m.length; j++) m[j] = (2 * rng.float() - 1) * scale;
    w[p] = m;
  }
  return w;
}

/** Random but plausible episode records: obs in [0,1], targets around Q's range, tie noise U(0, 0.001). */
export function randomRecords(steps: number, population: number, inputs: number, outputs: number, rng: Rng, lengths?: number[]): EpisodeRecords {
  const r = allocateEpisodeRecords(steps, population, inputs, outputs);
  for (let j = 0; j < r.obs.length; j++) r.obs[j] = rng.float();
  for (let j = 0; j < r.actions.length; j++) r.actions[j] = rng.int(outputs);
  for (let j = 0; j < r.targets.length; j++) r.targets[j] = 1.2 * rng.float() - 0.3;
  for (let j = 0; j < r.tieNoise.length; j++) r.tieNoise[j] = 0.001 * rng.float();
  for (let n = 0; n < population; n++) r.lengths[n] = lengths ? lengths[n] : 1 + rng.int(steps);
  return r;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/**
 * The DQN's learning pass on `model` as trainers run it: the registered kernel when one runs on the model
 * (pass `kernels`), else tfjs autodiff of the family's step. Gradients are aligned with `model.parameters`.
 */
export function lossAndGradients(model: PopulationModel, records: EpisodeRecords, kernels?: KernelSet): { losses: Float32Array; gradients: Float32Array[] } {
  const losses = new Float32Array(model.population);
  const gradients = allocateLike(model.parameters);
  learningPass(model, kernels, selectedSquaredError, records, losses, gradients);
  return { losses, gradients };
}
