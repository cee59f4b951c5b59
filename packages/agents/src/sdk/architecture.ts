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

export interface ArchSizeOptions {
  readonly channels: number;
  readonly hidden: number;
}

/** One network of a population: its architecture and the seed from which all its randomness derives. */
export interface PopulationMember {
  readonly arch: ArchInfo;
  readonly seed: number;
}

/** A learning-pass implementation: generic tfjs ops, or a family's own fused kernel. */
export type LearningPath = 'generic' | 'fused';

export interface CreatePopulationOptions {
  readonly channels: number;
  /** Which learning-pass implementation to use (absent: generic; trainers ask `trainingPath` first). */
  readonly path?: LearningPath;
}

/** What a population's training holds in memory: its size and the batch of its greedy tests. */
export interface PopulationMemoryOptions {
  readonly channels: number;
  /** Steps per episode. */
  readonly steps: number;
  /** Environments per network in a greedy test (the size of the test set). */
  readonly testBatch: number;
  readonly path?: LearningPath;
}

/** Metadata written into an exported ONNX policy (SPEC §4 / README "policy contract"). */
export type OnnxMetadata = Readonly<Record<string, string>>;

/**
 * A family of network architectures (a plugin contract). Built-in: the 9-pathway family of SPEC §2.
 */
export interface Architecture {
  readonly family: string;
  readonly description: string;
  /** The canonical members of the family at these sizes (what `prnn archs` prints). */
  list(opts: ArchSizeOptions): ArchInfo[];
  /** A user's spec (name, index…) resolved to a member of this family, or undefined when it is not one. */
  resolve(spec: string, opts: ArchSizeOptions): ArchInfo | undefined;
  /** P networks initialised from their own seeds, ready to train in lockstep. */
  createPopulation(members: readonly PopulationMember[], opts: CreatePopulationOptions): PopulationModel;
  /**
   * The learning path this family trains with when `requested` is asked for (undefined: the family's
   * preferred one); trainers pass the answer to `createPopulation` and record it. A family without this
   * method trains on the generic path whatever is asked (it has no fused kernel).
   */
  trainingPath?(requested: LearningPath | undefined): LearningPath;
  /**
   * Estimated bytes the population model of `members` holds while training (weights, optimiser moments,
   * gradients, rollout and test state, learning-pass scratch). Absent: unknown.
   */
  populationMemoryBytes?(members: readonly PopulationMember[], opts: PopulationMemoryOptions): number;
  /** Serialises one network's step as an ONNX policy (obs, state → q, state_out). Absent: cannot export. */
  exportOnnx?(arch: ArchInfo, weights: Record<string, Float32Array>, metadata: OnnxMetadata, channels: number): Uint8Array;
  /** Size S of the recurrent state carried by the exported policy. */
  stateSize?(arch: ArchInfo, channels: number): number;
}
