import type * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/core';

/**
 * What a learner feeds a population over one episode (T = steps, P = population, I = inputs, O = outputs).
 * Index order is time-major: obs[(t*P + n)*I + j], tieNoise[(t*P + n)*O + k]. Steps t ≥ lengths[n] are
 * not part of network n's episode.
 */
export interface EpisodeInputs {
  readonly steps: number;
  readonly population: number;
  readonly obs: Float32Array;
  /** The learner's output noise u_t (docs/spec.md §2's tie-breaking noise), as it was drawn in the rollout. */
  readonly tieNoise: Float32Array;
  readonly lengths: Int32Array;
}

/**
 * One episode as the reference DQN's learning pass consumes it: the inputs plus the actions taken
 * (actions[t*P + n]) and the learner's regression targets (targets[t*P + n]; for the DQN of docs/spec.md §3
 * y_t = r_t + γ·max Q'_t − 0.1). The learner fills it; the architecture never reads targets.
 */
export interface EpisodeRecords extends EpisodeInputs {
  readonly actions: Int32Array;
  readonly targets: Float32Array;
}

/** Zeroed episode buffers for `population` networks over `steps` steps (time-major, [steps, P, …]). */
export function allocateEpisodeRecords(steps: number, population: number, inputs: number, outputs: number): EpisodeRecords {
  return {
    steps,
    population,
    obs: new Float32Array(steps * population * inputs),
    actions: new Int32Array(steps * population),
    targets: new Float32Array(steps * population),
    tieNoise: new Float32Array(steps * population * outputs),
    lengths: new Int32Array(population),
  };
}

/**
 * A population's trainable parameters as typed arrays — the one storage that optimisers, checkpoints and
 * weight files use, whatever implementation runs the population. `values[i]` has shape `shapes[i]`, whose
 * leading dimension is the population (network n's slice is [n]). Whoever writes into `values` calls
 * `commit()` afterwards so the implementation refreshes what it derives from them.
 */
export interface PopulationParameters {
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
  readonly values: readonly Float32Array[];
  /** Tells the implementation that `values` changed, so it refreshes what it derives from them. */
  commit(): void;
  /** The implementation's own Adam update of `values` (e.g. in WebAssembly); PopulationOptimizer uses it when present. */
  readonly adam?: AdamUpdate;
}

/** Adam's float32 constants for one step (see PopulationOptimizer.step). */
export interface AdamConstants {
  readonly b1: number;
  readonly b2: number;
  readonly omb1: number;
  readonly omb2: number;
  readonly omAcc1: number;
  readonly omAcc2: number;
  readonly eps: number;
  readonly negLr: number;
}

/**
 * An elementwise Adam step that an implementation provides over its parameters. It must perform exactly
 * PopulationOptimizer's float32 operations in its order (the results are then the same bits).
 */
export interface AdamUpdate {
  /** Zeroed first and second moments aligned with `values`, in storage the update reads without copies. */
  allocateMoments(): { m: Float32Array[]; v: Float32Array[] };
  /** Gradient arrays aligned with `values`, in storage `step` reads without copies (when it has such storage). */
  allocateGradients?(): Float32Array[];
  /**
   * values ← values − lr·m̂/(√v̂ + ε) in place, with g = gradients·coef[n] on network n's slice and the
   * moments m, v updated (arrays from allocateMoments, or any arrays of the same shapes).
   */
  step(gradients: readonly Float32Array[], m: readonly Float32Array[], v: readonly Float32Array[], coef: Float32Array, c: AdamConstants): void;
  /**
   * Each network's global gradient norm before clipping, into norms[n], with PopulationOptimizer's float32
   * operations in its order (optional: the optimiser computes it in JavaScript otherwise).
   */
  gradientNorms?(gradients: readonly Float32Array[], norms: Float32Array): void;
}

/** Zeroed arrays shaped like `parameters.values` (e.g. for gradients). */
export function allocateLike(parameters: PopulationParameters): Float32Array[] {
  return parameters.values.map((v) => new Float32Array(v.length));
}

/** Copies `from`'s parameter values into `to` (same family and members) and commits them. */
export function copyParameters(from: PopulationParameters, to: PopulationParameters): void {
  if (from.values.length !== to.values.length || from.values.some((v, i) => v.length !== to.values[i].length)) {
    throw new PrnnError('parameters to copy must have the same layout');
  }
  from.values.forEach((v, i) => to.values[i].set(v));
  to.commit();
}

/**
 * Reverse-mode differentiation of a population over one episode: a vector-Jacobian product (VJP), the seam
 * between architectures and learners. The architecture runs the episode and, given dL/d(outputs) at every
 * step, returns dL/d(parameters) through time; the learner owns the loss and turns it into those
 * cotangents (see `LossOperation.cotangents`). Any loss then trains on any implementation that has a VJP —
 * the generic tfjs path, a compiled kernel or a hand kernel — without a kernel per loss.
 *
 * Layouts are time-major like `EpisodeInputs`: outputs and cotangents are [steps, P, O] with O =
 * `PopulationModel.outputs`, element (t·P + n)·O + k. Rows t ≥ lengths[n] are not part of network n's
 * episode: `forward` may write anything there and their cotangents must be zero.
 *
 * Usage, one episode: `forward(episode, steps, outputs)`, compute cotangents from `outputs`, then
 * `backward(cotangents, gradients)` (once; a second `backward` needs a new `forward`).
 */
export interface EpisodeVjp {
  /**
   * Runs every network from the zero state over the first `steps` steps of `episode` (obs and tie noise as
   * recorded) and writes each step's outputs into `outputs` ([steps, P, O], at least steps·P·O long); keeps
   * what `backward` needs. With `states` (only on models that declare `PopulationModel.stateSize`), also the
   * recurrent state after each step, [steps, P, S] with S = `stateSize` (a smaller network's state zero-padded).
   */
  forward(episode: EpisodeInputs, steps: number, outputs: Float32Array, states?: Float32Array): void;
  /**
   * dL/dθ for the last `forward`, where dL/d(outputs) = `cotangents` ([steps, P, O]): writes the gradient
   * of every parameter into `gradients` (aligned with `parameters.values`, same lengths), overwriting them.
   * Padding entries and absent parameters get zero. `stateCotangents` ([steps, P, S], with `states` of the
   * forward) adds dL/d(state after step t) for losses that read the state (output heads, see output-heads.ts).
   */
  backward(cotangents: Float32Array, gradients: readonly Float32Array[], stateCotangents?: Float32Array): void;
}

/**
 * P networks of one architecture family, run in lockstep. The architecture computes outputs only: the
 * learner draws the noise, chooses actions and defines the loss. Implementations: the generic one built
 * from a family's differentiable step (tfjs autodiff), or a kernel registered for the family (e.g. the
 * compiled step, `CompiledPopulation`), see `Kernel`.
 */
export interface PopulationModel {
  readonly family: string;
  /** Which implementation runs it: `generic`, or the name of the population kernel. */
  readonly implementation: string;
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly parameters: PopulationParameters;
  /** Zeroes the recurrent state of every network, for `batch` environments per network. */
  resetState(batch: number): void;
  /**
   * Outputs of each network's step from its current state on `obs` ([P*batch*I], network-major), with
   * the learner's `noise` ([P*batch*O]) where the family adds it (docs/spec.md §2: before the softmax); writes `q`
   * ([P*batch*O]). With `advance` the state moves on to this step's state; without, it is left as it was.
   */
  forward(obs: Float32Array, noise: Float32Array | null, q: Float32Array, advance: boolean): void;
  /**
   * Rows whose `done` flag is 1 ([P*batch], network-major) have finished and will not be read again: until the
   * next `resetState`, `forward` may leave their outputs unspecified and stop computing them, while every other
   * row's outputs and state stay exactly what they would have been. A greedy test calls it as trials end.
   * Optional, and free to do nothing: the compiled population drops finished rows where that pays.
   */
  retireRows?(done: Uint8Array): void;
  /**
   * The generic learning path: the outputs of every step of `episode` from the zero state (states not
   * detached), time-major [steps, P, O], as a differentiable function of `params` — tensors holding the
   * parameter values in `parameters` order and shapes. Rows past a network's length are unspecified.
   * Absent on implementations that only run registered kernels.
   */
  unroll?(params: readonly tf.Tensor[], episode: EpisodeInputs, steps: number): tf.Tensor3D;
  /**
   * The population's vector-Jacobian product over an episode (see `EpisodeVjp`): how every loss-agnostic
   * learning pass differentiates this model. Absent: learners fall back to registered learning kernels or
   * to tfjs autodiff through `unroll`.
   */
  readonly vjp?: EpisodeVjp;
  /**
   * Size S of the recurrent state `vjp.forward` can write and `vjp.backward` can take cotangents of (the
   * largest network's; smaller ones zero-padded). Absent: the VJP reads and writes outputs only.
   */
  readonly stateSize?: number;
  /**
   * Extra VJP outputs per network after the O policy outputs: a model with output heads (`withOutputHeads`)
   * has `vjp` rows of O + headOutputs values; `forward` (acting) still gives O. Absent: 0.
   */
  readonly headOutputs?: number;
  /** Network n's weights by name (for the 9-pathway family: pathway name → row-major [A, B]). */
  exportWeights(n: number): Record<string, Float32Array>;
  /**
   * Sets network n's weights by name (the layout `exportWeights` returns); a PrnnError on an unknown name or a wrong
   * length.
   */
  importWeights(n: number, weights: Record<string, Float32Array>): void;
  /** Frees what the model holds (tensors, WebAssembly memory); the model is unusable afterwards. */
  dispose(): void;
}

/**
 * Checks the buffers of a `PopulationModel.forward` call of a population of `P` networks with `I` inputs and
 * `O` outputs after `resetState(B)`: obs [P*B*I], q and the tie noise [P*B*O]. Every implementation (the
 * 9-pathway kernels, the compiled and the generic populations) checks with this one function, so that the
 * same mistake reads the same whatever path runs.
 */
export function checkForwardBuffers(P: number, B: number, I: number, O: number, obs: Float32Array, noise: Float32Array | null, q: Float32Array): void {
  if (B === 0) throw new PrnnError('resetState(batch) must be called before forward');
  if (obs.length !== P * B * I) throw new PrnnError(`obs must have ${P * B * I} values (got ${obs.length})`);
  if (q.length !== P * B * O) throw new PrnnError(`q must have ${P * B * O} values (got ${q.length})`);
  if (noise !== null && noise.length !== P * B * O) {
    throw new PrnnError(`tieNoise must have ${P * B * O} values (got ${noise.length})`);
  }
}
