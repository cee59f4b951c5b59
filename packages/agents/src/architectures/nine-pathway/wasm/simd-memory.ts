import { PrnnError } from '@prnn/core';
import { PATHWAYS } from '../family.js';
import type { NinePathwayArch } from '../family.js';
import { LANES, laneWeightBytes, simdGroups } from './simd-layout.js';

export interface SimdMemoryEstimate {
  readonly total: number;
  readonly perNetwork: number;
}

/**
 * Memory of a SIMD population over a training run with episodes of `steps` steps and greedy tests of
 * `testBatch` mazes per network: the padded parameters, gradients and Adam moments in JavaScript, the
 * module's copy of weights (padded and in lanes) and gradients, rollout state for the larger batch, the
 * episode records and the learning-pass scratch of one group. (V8 overheads and the module's own 64 KiB
 * page rounding are not counted.)
 */
export function simdMemoryBytes(archs: readonly NinePathwayArch[], steps: number, testBatch: number): SimdMemoryEstimate {
  if (archs.length === 0) throw new PrnnError('archs must name at least 1 network (got 0)');
  if (!Number.isInteger(steps) || steps < 1) throw new PrnnError(`steps must be an integer ≥ 1 (got ${steps})`);
  const batch = Math.max(1, testBatch);
  const P = archs.length;
  const I = archs[0].inputs;
  const O = archs[0].outputs;
  const Hp = Math.max(...archs.map((a) => a.hidden));
  const S = I + Hp + O;
  const size = (l: string): number => (l === 'i' ? I : l === 'h' ? Hp : O);
  const padded = 4 * P * PATHWAYS.reduce((s, p) => s + size(p[0]) * size(p[1]), 0);
  const groups = simdGroups(archs);
  const lanes = laneWeightBytes(groups);
  const maxGroup = Math.max(...groups.map((g) => g.weights)) * 16;
  const js = 4 * padded; // values, gradients, m, v
  const module = 2 * padded + lanes;
  const state = 2 * groups.length * batch * S * 16 + 4 * P * batch * (I + 2 * O);
  const records = 4 * steps * P * (I + O + 2) + 8 * P;
  const scratch = 16 * (steps * (S + I + O + 3) + 2 * S + O) + maxGroup;
  const jsRecords = records;
  const total = js + module + state + records + jsRecords + scratch + 16 * LANES;
  return { total, perNetwork: total / P };
}
