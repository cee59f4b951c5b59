import * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/core';
import { registerGradients } from '../tfjs-gradients.js';
import { GENERIC_PATH, type KernelSet } from './kernel.js';
import type { EpisodeRecords, PopulationModel, PopulationParameters } from './population-model.js';

/**
 * A learner's loss over one episode, as a named operation (the way tfjs names ops): `loss` is its generic
 * definition — per-network losses [P] from the outputs of every step, time-major [steps, P, O] — which
 * tfjs differentiates; a LearningKernel registered for (family, `operation`) computes the same faster.
 */
export interface LossOperation<R extends EpisodeRecords = EpisodeRecords> {
  readonly operation: string;
  /**
   * Per-network losses [P] of one episode from the outputs of every step (time-major [steps, P, O]), as tfjs ops that
   * autodiff can differentiate.
   */
  loss(outputs: tf.Tensor3D, records: R, steps: number): tf.Tensor1D;
  /**
   * The same loss in plain arithmetic, for models with a vector-Jacobian product (`PopulationModel.vjp`):
   * from the outputs of every step (time-major [steps, P, O]) writes each network's loss into `losses` and
   * dL/d(outputs) into `cotangents` ([steps, P, O]; every entry written, zero past a network's length). On a
   * model with output heads (`withOutputHeads`) the rows are O + `headOutputs` wide: the policy's outputs, then the heads'.
   * With it, the loss trains on every implementation that has a VJP, with no kernel of its own.
   */
  cotangents?(outputs: Float32Array, records: R, steps: number, cotangents: Float32Array, losses: Float32Array): void;
}

/** Checks an episode's records against the model's sizes; returns the longest episode length. */
export function checkEpisodeRecords(model: PopulationModel, records: EpisodeRecords): number {
  const { population: P, inputs: I, outputs: O } = model;
  const T = records.steps;
  if (records.population !== P) throw new PrnnError(`records.population must be ${P} (got ${records.population})`);
  const expect = (name: string, got: number, want: number): void => {
    if (got !== want) throw new PrnnError(`records.${name} must have ${want} values (got ${got})`);
  };
  expect('obs', records.obs.length, T * P * I);
  expect('actions', records.actions.length, T * P);
  expect('targets', records.targets.length, T * P);
  expect('tieNoise', records.tieNoise.length, T * P * O);
  expect('lengths', records.lengths.length, P);
  let steps = 0;
  for (let n = 0; n < P; n++) {
    const len = records.lengths[n];
    if (!Number.isInteger(len) || len < 0 || len > T) throw new PrnnError(`records.lengths[${n}] must be an integer from 0 to ${T} (got ${len})`);
    steps = Math.max(steps, len);
  }
  for (let t = 0; t < steps; t++) {
    for (let n = 0; n < P; n++) {
      if (t >= records.lengths[n]) continue;
      const a = records.actions[t * P + n];
      if (!Number.isInteger(a) || a < 0 || a >= O) throw new PrnnError(`records.actions[${t * P + n}] must be an integer from 0 to ${O - 1} (got ${a})`);
    }
  }
  return steps;
}

/**
 * tfjs autodiff of `f` with respect to a population's parameters (tensors made from `parameters.values`, in
 * its order and shapes), seeded with `dy` (default: f is a scalar), into `gradients` (overwritten). A
 * parameter `f` does not reach (e.g. a recurrent pathway in a one-step episode) gets zero, not an error.
 */
export function parameterGradients(
  parameters: PopulationParameters,
  f: (params: readonly tf.Tensor[]) => tf.Tensor,
  gradients: readonly Float32Array[],
  dy?: tf.Tensor,
): void {
  registerGradients();
  const { names, shapes, values } = parameters;
  if (gradients.length !== values.length) throw new PrnnError(`expected ${values.length} gradient arrays (got ${gradients.length})`);
  const engine = tf.engine() as unknown as {
    gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: (tf.Tensor | null | undefined)[] };
  };
  tf.tidy(() => {
    const params = values.map((v, k) => tf.tensor(v, shapes[k] as number[]));
    const { grads } = engine.gradients(() => f(params), params, dy, true);
    grads.forEach((g, k) => {
      if (!g) {
        gradients[k].fill(0);
        return;
      }
      if (g.size !== gradients[k].length) throw new PrnnError(`gradient of parameter ${names[k]} has ${g.size} values, expected ${gradients[k].length}`);
      gradients[k].set(g.dataSync() as Float32Array);
    });
  });
}

/** The generic learning pass: tfjs autodiff of `op.loss` over `model.unroll` (BPTT from the zero state). */
export function autodiffLearningPass<R extends EpisodeRecords>(
  model: PopulationModel,
  op: LossOperation<R>,
  records: R,
  losses: Float32Array,
  gradients: Float32Array[],
): void {
  const steps = checkEpisodeRecords(model, records);
  for (const g of gradients) g.fill(0);
  if (steps === 0) {
    losses.fill(0);
    return;
  }
  if (!model.unroll) {
    throw new PrnnError(`the ${model.implementation} population of family ${model.family} has no kernel for ${op.operation} and cannot be differentiated generically`);
  }
  let perNetwork: tf.Tensor | null = null;
  parameterGradients(
    model.parameters,
    (params) => {
      const l = op.loss(model.unroll!(params, records, steps), records, steps);
      perNetwork = tf.keep(l);
      return tf.sum(l);
    },
    gradients,
  );
  const kept = perNetwork as tf.Tensor | null;
  if (kept) {
    losses.set(kept.dataSync() as Float32Array);
    kept.dispose();
  }
}

/**
 * One learning pass of `op`: a LearningKernel registered for the model's family when one runs on this
 * model; else the model's vector-Jacobian product with the loss's cotangents (compiled and hand-written kernels);
 * else tfjs autodiff (the generic path). Fills per-network `losses` and `gradients` (aligned with `model.parameters`).
 */
export function learningPass<R extends EpisodeRecords>(
  model: PopulationModel,
  kernels: KernelSet | undefined,
  op: LossOperation<R>,
  records: R,
  losses: Float32Array,
  gradients: Float32Array[],
): void {
  if (losses.length !== model.population) throw new PrnnError(`losses must have ${model.population} values (got ${losses.length})`);
  if (gradients.length !== model.parameters.values.length) {
    throw new PrnnError(`expected ${model.parameters.values.length} gradient arrays (got ${gradients.length})`);
  }
  for (const kernel of kernels?.learning(op.operation) ?? []) {
    if (kernel.run(model, records, losses, gradients)) return;
  }
  // the generic path differentiates the loss on one tape (its VJP would run the forward twice); every other
  // implementation with a VJP trains any loss that defines cotangents
  const useVjp = model.vjp !== undefined && op.cotangents !== undefined && (model.implementation !== GENERIC_PATH || !model.unroll);
  if (useVjp) vjpLearningPass(model, op, records, losses, gradients);
  else autodiffLearningPass(model, op, records, losses, gradients);
}

/** Scratch of `vjpLearningPass`, per model: grown to the longest episode, never shrunk. */
const vjpScratch = new WeakMap<PopulationModel, { outputs: Float32Array; cotangents: Float32Array }>();

/**
 * The loss-agnostic learning pass: the model's vector-Jacobian product (`model.vjp`) with the loss's own
 * `cotangents`. Fills per-network `losses` and `gradients` (aligned with `model.parameters`).
 */
export function vjpLearningPass<R extends EpisodeRecords>(
  model: PopulationModel,
  op: LossOperation<R>,
  records: R,
  losses: Float32Array,
  gradients: Float32Array[],
): void {
  const vjp = model.vjp;
  if (!vjp) throw new PrnnError(`the ${model.implementation} population of family ${model.family} has no vector-Jacobian product`);
  if (!op.cotangents) throw new PrnnError(`loss ${op.operation} defines no cotangents, so it cannot train through a vector-Jacobian product`);
  const steps = checkEpisodeRecords(model, records);
  if (steps === 0) {
    for (const g of gradients) g.fill(0);
    losses.fill(0);
    return;
  }
  // a model with output heads has VJP rows of O + headOutputs values (the heads' after the policy's)
  const need = steps * model.population * (model.outputs + (model.headOutputs ?? 0));
  let s = vjpScratch.get(model);
  if (!s || s.outputs.length < need) {
    s = { outputs: new Float32Array(need), cotangents: new Float32Array(need) };
    vjpScratch.set(model, s);
  }
  const outputs = s.outputs.subarray(0, need);
  const cotangents = s.cotangents.subarray(0, need);
  vjp.forward(records, steps, outputs);
  op.cotangents(outputs, records, steps, cotangents, losses);
  vjp.backward(cotangents, gradients);
}
