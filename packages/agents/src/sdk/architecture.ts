import type * as tf from '@tensorflow/tfjs-core';
import type { PopulationModel } from './population-model.js';

/** What `prnn archs` lists and what run manifests record for a network's architecture. */
export interface ArchInfo {
  /** The family that owns it (e.g. `nine-pathway`); the registry key of its Architecture plugin. */
  readonly family: string;
  /** Canonical name within the family (e.g. `fc`, `hh+oh`, `ff-large`). */
  readonly name: string;
  readonly hidden: number;
  readonly parameters: number;
  readonly referenceIndex?: number;
  readonly flags?: Readonly<Record<string, boolean>>;
}

/** Sizes every member of a family is listed and resolved with: cue channels and hidden units. */
export interface ArchSizeOptions {
  readonly channels: number;
  readonly hidden: number;
}

/** One network of a population: its architecture and the seed from which all its randomness derives. */
export interface PopulationMember {
  readonly arch: ArchInfo;
  readonly seed: number;
}

/** Options of creating a population: the cue channels of the task (observations have 4 per channel). */
export interface CreatePopulationOptions {
  readonly channels: number;
}

/** What a population's training holds in memory: its size and the batch of its greedy tests. */
export interface PopulationMemoryOptions {
  readonly channels: number;
  /** Steps per episode. */
  readonly steps: number;
  /** Environments per network in a greedy test (the size of the test set). */
  readonly testBatch: number;
}

/** Metadata written into an exported ONNX policy (docs/spec.md §4 / README "policy contract"). */
export type OnnxMetadata = Readonly<Record<string, string>>;

/**
 * A family of network architectures (a plugin contract). Built-in: the 9-pathway family of docs/spec.md §2.
 */
export interface Architecture {
  readonly family: string;
  readonly description: string;
  /** The canonical members of the family at these sizes (what `prnn archs` prints). */
  list(opts: ArchSizeOptions): ArchInfo[];
  /** A user's spec (name, index…) resolved to a member of this family, or undefined when it is not one. */
  resolve(spec: string, opts: ArchSizeOptions): ArchInfo | undefined;
  /**
   * P networks initialised from their own seeds, on the generic path (tfjs autodiff of the family's step).
   * Faster implementations are kernels registered for the family (`Kernel`), chosen by the trainer.
   */
  createPopulation(members: readonly PopulationMember[], opts: CreatePopulationOptions): PopulationModel;
  /**
   * One network as a callable, differentiable step (what metrics differentiate through time, e.g. the
   * input sensitivity ‖∂o_t/∂s_{t+k}‖ of docs/spec.md §4). Absent: the family offers no step to measures.
   */
  network?(arch: ArchInfo, weights: Readonly<Record<string, Float32Array>>, channels: number): NetworkStep;
  /**
   * Estimated bytes the generic population model of `members` holds while training (weights, optimiser
   * moments, gradients, rollout and test state, learning-pass scratch). Absent: unknown.
   */
  populationMemoryBytes?(members: readonly PopulationMember[], opts: PopulationMemoryOptions): number;
  /** Serialises one network's step as an ONNX policy (obs, state → q, state_out). Absent: cannot export. */
  exportOnnx?(arch: ArchInfo, weights: Record<string, Float32Array>, metadata: OnnxMetadata, channels: number): Uint8Array;
  /** Size S of the recurrent state carried by the exported policy. */
  stateSize?(arch: ArchInfo, channels: number): number;
  /** Every parameter name members of the family can have (e.g. the 9 pathways), in storage order. */
  parameterNames?(): readonly string[];
  /** Shape of each stored weight (name → shape, in storage order); absent: stored flat, as given. */
  weightShapes?(arch: ArchInfo, channels: number): Readonly<Record<string, readonly number[]>>;
}

/**
 * One trained network as a differentiable function (tfjs ops): `step(state, obs, noise)` with state
 * [B, S], obs [B, I], noise [B, O] or null → output [B, O] (the Q-values) and the next state [B, S].
 * The weights are bound; `params` holds them as tensors (by name) for measures that differentiate by them.
 * The caller disposes what it creates (wrap calls in tf.tidy); `dispose()` frees the bound weights.
 */
export interface NetworkStep {
  readonly arch: ArchInfo;
  readonly inputs: number;
  readonly outputs: number;
  readonly stateSize: number;
  readonly params: Readonly<Record<string, tf.Tensor>>;
  /** The initial recurrent state of `batch` independent trials, [batch, stateSize]. */
  initialState(batch: number): tf.Tensor2D;
  /**
   * One step of B trials: Q-values [B, O] and the next state [B, S]; `noise` [B, O], unless null, is the tie-breaking
   * noise added to the outputs.
   */
  step(state: tf.Tensor2D, obs: tf.Tensor2D, noise: tf.Tensor2D | null): { output: tf.Tensor2D; state: tf.Tensor2D };
  /** Frees the bound weight tensors. */
  dispose(): void;
}
