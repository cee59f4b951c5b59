// Fixtures shared by the Jacobian tests (jacobian, compiled-jacobian, plugin-jacobian, onnx-jacobian): random
// recorded trials, scaled-up 9-pathway weights, the exact Jacobians derived from a family's lowered step, and the
// error measures the tests compare with.
import { Rng } from '@prnn/core';
import { initWeights, type ArchInfo, type ArchitectureDefinition, type JacobianEmbedding, type NinePathwayArch } from '@prnn/agents';
import { allocateTrials, programSensitivity, type RecordedTrials } from '../src/index.js';

/** Observation size of the Track and General tasks (2 cue channels × 4 directions). */
export const I = 8;
/** Outputs: one Q-value per action. */
export const O = 5;

/**
 * `count` trials of up to `steps` steps with uniform observations in [0, 1) from `seed`: trial 0 runs all `steps`,
 * the others a random length 1 … steps, so every length occurs.
 */
export function randomTrials(count: number, steps: number, seed: number): RecordedTrials {
  const trials = allocateTrials(count, steps, I);
  const rng = Rng.derive(seed, 2);
  for (let n = 0; n < count; n++) {
    trials.lengths[n] = n === 0 ? steps : 1 + rng.int(steps);
    for (let t = 0; t < trials.lengths[n]; t++) for (let j = 0; j < I; j++) trials.obs[(n * steps + t) * I + j] = rng.float();
  }
  return trials;
}

/** Initial weights scaled up so that the dynamics are far from linear (ReLUs switch, softmax saturates). */
export function weightsOf(arch: NinePathwayArch, seed: number, scale = 3): Record<string, Float32Array> {
  const w = initWeights(arch, Rng.derive(seed, 1)) as Record<string, Float32Array>;
  for (const m of Object.values(w)) for (let k = 0; k < m.length; k++) m[k] *= scale;
  return w;
}

/**
 * The exact float64 Jacobians derived from the family's lowered step (the `compiled` jacobian kernel), in the
 * program of the wider member per `embed` (default: the kernel's own choice).
 */
export function derivedJacobians(def: ArchitectureDefinition, arch: ArchInfo, weights: Record<string, Float32Array>, trials: RecordedTrials, embed?: JacobianEmbedding) {
  const r = programSensitivity(def, arch, weights, trials, { full: true, embed });
  if (!r) throw new Error(`${def.family}:${arch.name} must lower`);
  return { profile: r.profile, jacobians: r.jacobians! };
}

/** Largest absolute entry. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]));
  return m;
}

/** Largest absolute difference, entry by entry. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}
