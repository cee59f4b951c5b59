import { PrnnError } from '@prnn/core';
import { PATHWAYS, parameterCount, type NinePathwayArch } from '../family.js';

/** Bytes a fused population needs, in total and per network (shared scratch counted pro rata). */
export interface FusedMemoryEstimate {
  /** Bytes for the whole population. */
  readonly total: number;
  /** total / number of networks (shared scratch included pro rata). */
  readonly perNetwork: number;
}

/** The rollout's activations kept for the learning pass (batch 1), with their obs and tie noise. */
function keptActivationBytes(steps: number, P: number, I: number, Hp: number, O: number): number {
  return steps * P * (8 * (I + Hp + O) + 4 * (I + O));
}

/**
 * Memory of a fused population over a whole training run: training episodes (batch 1, activations kept for
 * the learning pass) and greedy tests of `testBatch` mazes per network (the kernel keeps both allocations).
 */
export function fusedTrainingMemoryBytes(archs: readonly NinePathwayArch[], steps: number, testBatch: number): FusedMemoryEstimate {
  const atTest = fusedMemoryBytes(archs, steps, Math.max(1, testBatch));
  if (testBatch <= 1) return atTest;
  const Hp = Math.max(...archs.map((a) => a.hidden));
  const total = atTest.total + keptActivationBytes(steps, archs.length, archs[0].inputs, Hp, archs[0].outputs);
  return { total, perNetwork: total / archs.length };
}

/**
 * Estimated memory that training `archs` as one fused population needs, for episodes of `steps` steps with
 * `batch` environments per network: the padded float32 variables, their gradients and Adam's two moments
 * (4 × the padded population layout), the kernel's float64 weight mirror, rollout state, kept rollout
 * activations and learning-pass scratch, and the float32 episode records and rollout buffers. (tfjs and V8
 * overheads are not counted.)
 */
export function fusedMemoryBytes(archs: readonly NinePathwayArch[], steps: number, batch: number): FusedMemoryEstimate {
  if (archs.length === 0) throw new PrnnError('archs must name at least 1 network (got 0)');
  if (!Number.isInteger(steps) || steps < 1) throw new PrnnError(`steps must be an integer ≥ 1 (got ${steps})`);
  if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
  const P = archs.length;
  const I = archs[0].inputs;
  const O = archs[0].outputs;
  const Hp = Math.max(...archs.map((a) => a.hidden));
  const size = (l: string): number => (l === 'i' ? I : l === 'h' ? Hp : O);
  const padded = PATHWAYS.reduce((s, p) => s + size(p[0]) * size(p[1]), 0) * P;
  const params = archs.reduce((s, a) => s + parameterCount(a), 0);
  const maxParams = Math.max(...archs.map(parameterCount));
  const tfjs = 4 * padded * 4;
  const mirror = 8 * params;
  const rolloutState = 2 * 8 * P * batch * (I + Hp + O); // current and next state
  const learnScratch = 8 * (steps * (I + Hp + O) + maxParams + 2 * (I + Hp + O) + O);
  const rolloutActivations = batch === 1 ? keptActivationBytes(steps, P, I, Hp, O) : 0;
  const records = 4 * steps * P * (I + 2 + O) + 4 * P;
  const rolloutBuffers = 4 * P * batch * (I + 2 * O);
  const total = tfjs + mirror + rolloutState + learnScratch + rolloutActivations + records + rolloutBuffers;
  return { total, perNetwork: total / P };
}
