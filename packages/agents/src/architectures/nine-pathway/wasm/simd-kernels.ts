import { SELECTED_SQUARED_ERROR } from '../../../learners/selected-squared-error.js';
import { POPULATION_OPERATION, type LearningKernel, type PopulationKernel } from '../../../sdk/kernel.js';
import { NINE_PATHWAY_FAMILY } from '../names.js';
import { ninePathwayArch } from '../arch-info.js';
import { createSimdPopulation, SimdPopulation, WASM_SIMD_PATH } from './simd-population.js';
import { simdMemoryBytes } from './simd-memory.js';

/** Kernel `wasm-simd` of the 9-pathway family: float32 WebAssembly SIMD, four networks of one architecture per v128. */
export const simdPopulationKernel: PopulationKernel = {
  family: NINE_PATHWAY_FAMILY,
  operation: POPULATION_OPERATION,
  name: WASM_SIMD_PATH,
  description: 'float32 WebAssembly SIMD (AssemblyScript): networks of one architecture in the 4 lanes of a v128, forward, BPTT and Adam in wasm',
  create: (members, opts) =>
    createSimdPopulation(
      members.map((m) => ninePathwayArch(m.arch, opts.channels)),
      members.map((m) => m.seed),
      opts.channels,
    ),
  memoryBytes: (members, opts) =>
    simdMemoryBytes(
      members.map((m) => ninePathwayArch(m.arch, opts.channels)),
      opts.steps,
      opts.testBatch,
    ).total,
};

/** The DQN's loss Σ_t (Q_t[a_t] − y_t)² and its BPTT gradient in the SIMD kernel. */
export const simdSquaredErrorKernel: LearningKernel = {
  family: NINE_PATHWAY_FAMILY,
  operation: SELECTED_SQUARED_ERROR,
  name: WASM_SIMD_PATH,
  description: 'forward and backward through the episode in WebAssembly SIMD, four networks per v128',
  run(model, records, losses, gradients) {
    if (!(model instanceof SimdPopulation)) return false;
    model.learn(records, losses, gradients);
    return true;
  },
};
