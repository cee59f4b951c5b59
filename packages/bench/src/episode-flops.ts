import { PrnnError } from '@prnn/core';

/** A network's layer sizes and weight count (every weight used once per step, as in the 9-pathway family). */
export interface FlopShape {
  readonly inputs: number;
  readonly hidden: number;
  readonly outputs: number;
  readonly weights: number;
}

/** Floating-point operations of one training episode of one network, by phase (the roofline's numerator). */
export interface EpisodeFlops {
  /** One forward step: 2 per weight (multiply + add), the sensed input, ReLU, softmax with tie noise. */
  readonly forward: number;
  /** One step of back-propagation through time: the transpose products and the weight gradients, 4 per weight. */
  readonly backward: number;
  /** Gradient-norm clip (3 per weight) and one Adam step (12 per weight). */
  readonly update: number;
  /**
   * One network-episode of the DQN on `steps` steps with every step executed: per step the rollout's
   * forward (reused by the learning pass), the target forward and the backward; then clip + Adam.
   */
  readonly episode: number;
  /** The same with the learning pass recomputing its forward, as the reference does (3 forwards per step). */
  readonly episodeRecomputed: number;
  /** One greedy test trial: `steps` forwards. */
  readonly trial: number;
}

const CLIP_FLOPS_PER_WEIGHT = 3;
const ADAM_FLOPS_PER_WEIGHT = 12;
/** exp, the sum, the division and the tie noise per output unit. */
const SOFTMAX_FLOPS_PER_OUTPUT = 4;

/** Floating-point operations of a network-episode (multiply-adds count 2), from the network's shape. */
export function episodeFlops(shape: FlopShape, steps: number): EpisodeFlops {
  if (!Number.isInteger(steps) || steps < 1) throw new PrnnError(`steps must be an integer ≥ 1 (got ${steps})`);
  const weights = shape.weights;
  const forward = 2 * weights + shape.inputs + shape.hidden + SOFTMAX_FLOPS_PER_OUTPUT * shape.outputs;
  const backward = 4 * weights;
  const update = (CLIP_FLOPS_PER_WEIGHT + ADAM_FLOPS_PER_WEIGHT) * weights;
  return {
    forward,
    backward,
    update,
    episode: steps * (2 * forward + backward) + update,
    episodeRecomputed: steps * (3 * forward + backward) + update,
    trial: steps * forward,
  };
}
