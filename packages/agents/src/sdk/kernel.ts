import { PrnnError } from '@prnn/env';
import type { PopulationMember, PopulationMemoryOptions } from './architecture.js';
import type { EpisodeRecords, PopulationModel } from './population-model.js';

/** The implementation that every family has: its differentiable step, trained by tfjs autodiff. */
export const GENERIC_PATH = 'generic';

/** The operation a population kernel implements: building (and running) a whole population model. */
export const POPULATION_OPERATION = 'population';

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
  create(members: readonly PopulationMember[], opts: { readonly channels: number }): PopulationModel;
  /** Estimated bytes the model holds while training (see Architecture.populationMemoryBytes). */
  memoryBytes?(members: readonly PopulationMember[], opts: PopulationMemoryOptions): number;
}

/**
 * A learning-pass operation named by a learner's loss (e.g. `selected-squared-error`): fills per-network
 * losses and the gradients (aligned with `model.parameters`, each zeroed first). Returns false when it
 * does not run on this model (e.g. a model of another implementation); the learner then differentiates
 * its loss generically.
 */
export interface LearningKernel extends KernelBase {
  run(model: PopulationModel, records: EpisodeRecords, losses: Float32Array, gradients: Float32Array[]): boolean;
}

export type Kernel = PopulationKernel | LearningKernel;

export function isPopulationKernel(k: Kernel): k is PopulationKernel {
  return k.operation === POPULATION_OPERATION;
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
    throw new PrnnError(`path ${JSON.stringify(requested)} is not available for family ${this.family}: available: ${this.paths().join(', ')}`);
  }

  population(path: string): PopulationKernel | undefined {
    return this.kernels.find((k): k is PopulationKernel => isPopulationKernel(k) && k.name === path);
  }

  /** Learning kernels for `operation`, in registration order. */
  learning(operation: string): LearningKernel[] {
    return this.kernels.filter((k): k is LearningKernel => !isPopulationKernel(k) && k.operation === operation);
  }
}
