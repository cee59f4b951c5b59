import { PrnnError } from '@prnn/core';
import { PATHWAYS, type NinePathwayArch } from './family.js';

/**
 * Estimated bytes of a generic (tfjs) 9-pathway population while training with episodes of `steps` steps
 * and greedy tests of `testBatch` mazes per network. float32 throughout; with S = I + O + H (H padded):
 * the padded variables, their 0/1 masks, gradients and Adam's two moments (5 × the padded layout); the step
 * matrices cached for the rollout (input [P, I+O, S], state [P, S, S] and both stacked, W_ho); the learning
 * pass's tape (about 16 [P, S] tensors per step, values and gradients); the greedy test's state and
 * intermediates (about 10 [P, M, S] tensors live at the peak of a step, measured, plus obs and Q); the episode records. tfjs's own allocator
 * overheads are not counted.
 */
export function tfjsMemoryBytes(archs: readonly NinePathwayArch[], steps: number, testBatch: number): number {
  if (archs.length === 0) throw new PrnnError('archs must name at least 1 network (got 0)');
  const P = archs.length;
  const I = archs[0].inputs;
  const O = archs[0].outputs;
  const H = Math.max(...archs.map((a) => a.hidden));
  const S = I + O + H;
  const M = Math.max(1, testBatch);
  const size = (l: string): number => (l === 'i' ? I : l === 'h' ? H : O);
  const padded = PATHWAYS.reduce((s, p) => s + size(p[0]) * size(p[1]), 0) * P;
  const variables = 5 * 4 * padded;
  const stepMatrices = 4 * P * ((I + O) * S + S * S + (I + O + S) * S + H * O);
  const tape = 4 * 16 * steps * P * S;
  const test = 4 * P * M * (10 * S + I + O);
  const records = 4 * steps * P * (I + 2 + O) + 4 * P;
  return variables + stepMatrices + tape + test + records;
}
