import { SELECTED_SQUARED_ERROR } from '../../../learners/selected-squared-error.js';
import { POPULATION_OPERATION, type LearningKernel, type PopulationKernel } from '../../../sdk/kernel.js';
import { NINE_PATHWAY_FAMILY } from '../names.js';
import { ninePathwayArch } from '../arch-info.js';
import { createFusedPopulation, FusedPopulation } from './fused-population.js';
import { fusedTrainingMemoryBytes } from './memory.js';

/** Kernel `fused` of the 9-pathway family: the population in typed arrays, stepped by the fused kernel. */
export const fusedPopulationKernel: PopulationKernel = {
  family: NINE_PATHWAY_FAMILY,
  operation: POPULATION_OPERATION,
  name: 'fused',
  description: 'typed-array forward and BPTT in plain loops (codegen-unrolled for small populations); weights and Adam state never leave typed arrays',
  create: (members, opts) =>
    createFusedPopulation(
      members.map((m) => ninePathwayArch(m.arch, opts.channels)),
      members.map((m) => m.seed),
      opts.channels,
    ),
  memoryBytes: (members, opts) =>
    fusedTrainingMemoryBytes(
      members.map((m) => ninePathwayArch(m.arch, opts.channels)),
      opts.steps,
      opts.testBatch,
    ).total,
};

/** The DQN's loss Σ_t (Q_t[a_t] − y_t)² and its BPTT gradient, computed by the fused kernel. */
export const fusedSquaredErrorKernel: LearningKernel = {
  family: NINE_PATHWAY_FAMILY,
  operation: SELECTED_SQUARED_ERROR,
  name: 'fused',
  description: 'forward and backward through the episode in the fused kernel, gradients straight into typed arrays',
  run(model, records, losses, gradients) {
    if (!(model instanceof FusedPopulation)) return false;
    model.kernel.learn(records, losses, gradients);
    return true;
  },
};
