import { PrnnError } from '@prnn/core';
import type { ArchInfo, PopulationMember, PopulationMemoryOptions } from './architecture.js';
import type { EpisodeRecords, PopulationModel } from './population-model.js';

/** The implementation that every family has: its differentiable step, trained by tfjs autodiff. */
export const GENERIC_PATH = 'generic';

/** The operation a population kernel implements: building (and running) a whole population model. */
export const POPULATION_OPERATION = 'population';

/** The operation a Jacobian kernel implements: the sensitivity profile of one network along recorded trials. */
export const JACOBIAN_OPERATION = 'jacobian';

/**
 * A fast implementation of one operation for one architecture family (a plugin contract, bound to
 * `TYPES.Kernel`), registered the way tfjs registers kernels per backend: (family, operation, name).
 * `name` is what `--path` selects (e.g. `fused`); without a kernel a family runs on the generic path.
 */
export interface KernelBase {
  readonly family: string;
  readonly operation: string;
  readonly name: string;
  readonly description: string;
}

/** Operation `population`: a population model of the family, e.g. weights in typed arrays and a fused step. */
export interface PopulationKernel extends KernelBase {
  readonly operation: typeof POPULATION_OPERATION;
  /** A population model of these members on this kernel's implementation. */
  create(members: readonly PopulationMember[], opts: { readonly channels: number }): PopulationModel;
  /**
   * Estimated bytes the model holds while training (see Architecture.populationMemoryBytes); undefined when
   * this kernel cannot estimate these members (the run then records no estimate).
   */
  memoryBytes?(members: readonly PopulationMember[], opts: PopulationMemoryOptions): number | undefined;
}

/**
 * A learning-pass operation named by a learner's loss (e.g. `selected-squared-error`): fills per-network
 * losses and the gradients (aligned with `model.parameters`, each zeroed first). Returns false when it
 * does not run on this model (e.g. a model of another implementation); the learner then differentiates
 * its loss generically.
 */
export interface LearningKernel extends KernelBase {
  /** Fills `losses` [P] and `gradients` for one episode; false when it does not run on this model. */
  run(model: PopulationModel, records: EpisodeRecords, losses: Float32Array, gradients: Float32Array[]): boolean;
}

/**
 * Inputs of recorded test trials, trial-major: s_t of trial n at obs[(n·T + t)·I + j] for t < lengths[n]
 * (what Jacobian measures replay through a network).
 */
export interface TrialInputs {
  readonly count: number;
  readonly steps: number;
  readonly inputs: number;
  readonly obs: Float32Array;
  readonly lengths: Int32Array;
}

/**
 * Operation `jacobian`: exact S(t, k) = ‖∂o_t/∂s_{t+k}‖_F (docs/spec.md §4) of one network along recorded trials,
 * faster than autodiff through the family's step (e.g. the 9-pathway family's fused forward mode). Writes
 * s[(n·T + t)·T + (−k)] for t < lengths[n], −k ≤ t (zero elsewhere); returns false when it does not apply
 * to this network, and measures then differentiate the family's step.
 */
export interface JacobianKernel extends KernelBase {
  readonly operation: typeof JACOBIAN_OPERATION;
  /** Writes the sensitivity profile of one network into `s`; false when it does not apply to this network. */
  sensitivity(arch: ArchInfo, weights: Readonly<Record<string, Float32Array>>, trials: TrialInputs, s: Float64Array): boolean;
}

/** The operation of a weight-fed ONNX kernel: one model per architecture, the weights fed as graph inputs. */
export const WEIGHT_FED_ONNX_OPERATION = 'onnx-weight-fed';

/** One weight input of a weight-fed model: its graph input name, the network's values and their shape. */
export interface WeightFeed {
  readonly name: string;
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** A weight-fed ONNX model for every network of one architecture (inputs obs, state and the weight feeds). */
export interface WeightFedOnnxModel {
  readonly bytes: Uint8Array;
  /** Networks whose models have the same key share one model (and one session). */
  readonly key: string;
  /** The weight inputs for one network's weights (as exportWeights gives them). */
  feeds(weights: Readonly<Record<string, Float32Array>>): WeightFeed[];
}

/**
 * Operation `onnx-weight-fed`: an ONNX model that computes, for any network of an architecture, exactly
 * (bit for bit) what that network's exported policy (`Architecture.exportOnnx`) computes, with the weights
 * as inputs. A population's ONNX test then opens one onnxruntime session per architecture instead of one per
 * network (onnxruntime-node frees a released session's memory only when V8 collects it). Returns undefined
 * for networks it does not cover (they are tested through their exported policies).
 */
export interface WeightFedOnnxKernel extends KernelBase {
  readonly operation: typeof WEIGHT_FED_ONNX_OPERATION;
  /** The weight-fed ONNX model of this architecture, or undefined when the kernel does not cover it. */
  model(arch: ArchInfo, channels: number): WeightFedOnnxModel | undefined;
}

/** Any registered kernel, told apart by its `operation`. */
export type Kernel = PopulationKernel | LearningKernel | JacobianKernel | WeightFedOnnxKernel;

/** Whether the kernel builds population models (operation `population`). */
export function isPopulationKernel(k: Kernel): k is PopulationKernel {
  return k.operation === POPULATION_OPERATION;
}

/** Whether the kernel computes sensitivity profiles (operation `jacobian`). */
export function isJacobianKernel(k: Kernel): k is JacobianKernel {
  return k.operation === JACOBIAN_OPERATION;
}

/** Whether the kernel provides weight-fed ONNX models (operation `onnx-weight-fed`). */
export function isWeightFedOnnxKernel(k: Kernel): k is WeightFedOnnxKernel {
  return k.operation === WEIGHT_FED_ONNX_OPERATION;
}

/**
 * Paths earlier prnn versions trained the 9-pathway family on and this one no longer has (the hand-written
 * kernels, replaced by `compiled`: see docs/guides/step-compiler.md), with what each was.
 */
export const REMOVED_PATHS: Readonly<Record<string, string>> = {
  'wasm-simd': 'the hand-written AssemblyScript kernel',
  fused: 'the hand-written JavaScript kernel',
};

/**
 * "path P, which no longer exists in this prnn (what it was, replaced by compiled)" when `path` is one of
 * REMOVED_PATHS (for a caller to say where it was recorded or asked for and what to do); else undefined.
 */
export function removedPath(path: string): string | undefined {
  if (!Object.hasOwn(REMOVED_PATHS, path)) return undefined;
  return `path ${path}, which no longer exists in this prnn (${REMOVED_PATHS[path]}, replaced by compiled)`;
}

/** The kernels of one family, as a learner receives them in a TrainJob. */
export class KernelSet {
  constructor(
    readonly family: string,
    readonly kernels: readonly Kernel[],
  ) {}

  /** The population kernels' names: the paths besides `generic`. */
  paths(): string[] {
    return [GENERIC_PATH, ...this.kernels.filter(isPopulationKernel).map((k) => k.name)];
  }

  /**
   * The path `requested` resolves to: `generic`, a population kernel's name, or (absent) the family's
   * first population kernel, else `generic`.
   */
  resolvePath(requested: string | undefined): string {
    const population = this.kernels.filter(isPopulationKernel);
    if (requested === undefined) return population[0]?.name ?? GENERIC_PATH;
    if (requested === GENERIC_PATH || population.some((k) => k.name === requested)) return requested;
    const removed = removedPath(requested);
    if (removed) throw new PrnnError(`family ${this.family} cannot train on ${removed}; available: ${this.paths().join(', ')}`);
    throw new PrnnError(`path ${JSON.stringify(requested)} is not available for family ${this.family}: available: ${this.paths().join(', ')}`);
  }

  /** The population kernel named `path`, or undefined when the family has none of that name. */
  population(path: string): PopulationKernel | undefined {
    return this.kernels.find((k): k is PopulationKernel => isPopulationKernel(k) && k.name === path);
  }

  /** Learning kernels for `operation`, in registration order. */
  learning(operation: string): LearningKernel[] {
    return this.kernels.filter(
      (k): k is LearningKernel => !isPopulationKernel(k) && !isJacobianKernel(k) && !isWeightFedOnnxKernel(k) && k.operation === operation,
    );
  }

  /** Weight-fed ONNX kernels, in registration order. */
  weightFedOnnx(): WeightFedOnnxKernel[] {
    return this.kernels.filter(isWeightFedOnnxKernel);
  }

  /** Jacobian kernels, in registration order. */
  jacobian(): JacobianKernel[] {
    return this.kernels.filter(isJacobianKernel);
  }
}
