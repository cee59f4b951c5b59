import type { Architecture, PopulationMember, PopulationMemoryOptions } from '../sdk/architecture.js';
import type { ArchitectureDefinition } from '../sdk/define-architecture.js';
import { isPopulationKernel, POPULATION_OPERATION, type Kernel, type PopulationKernel } from '../sdk/kernel.js';
import type { PopulationModel } from '../sdk/population-model.js';
import { StepPopulation } from '../sdk/step-population.js';
import { simdAvailable } from './simd-support.js';
import { COMPILED_PATH, COMPILE_PARAMETER_LIMIT, CompiledPopulation, compiledMemoryEstimate } from './compiled-population.js';
import { UnsupportedStepError } from './lower.js';

/** Families (and kernel lists) already reported on stderr as falling back to the generic path. */
const reported = new Set<string>();

/**
 * A population of `def` on the compiled path; when its step uses kernels the compiler does not know (or the
 * runtime has no WebAssembly SIMD, or a network has more than COMPILE_PARAMETER_LIMIT parameters) the
 * generic population, after one stderr line saying why.
 */
export function createCompiledPopulation(def: ArchitectureDefinition, members: readonly PopulationMember[], channels: number): PopulationModel {
  const generic = (why: string): PopulationModel => {
    const line = `prnn: family ${def.family}: ${why}; it trains on the generic tfjs path`;
    if (!reported.has(line)) {
      reported.add(line);
      process.stderr.write(`${line}\n`);
    }
    return def.createPopulation ? def.createPopulation(members, { channels }) : new StepPopulation(def, members, channels);
  };
  if (!simdAvailable()) return generic('this runtime has no WebAssembly SIMD for the compiled step');
  const largest = members.reduce((a, m) => Math.max(a, m.arch.parameters), 0);
  if (largest > COMPILE_PARAMETER_LIMIT) return generic(`a network of ${largest} parameters is more than the step compiler takes (${COMPILE_PARAMETER_LIMIT})`);
  try {
    return new CompiledPopulation(def, members, channels);
  } catch (e) {
    if (e instanceof UnsupportedStepError) return generic(`the step compiler does not know tfjs kernel${e.kernels.length > 1 ? 's' : ''} ${e.kernels.join(', ')}`);
    throw e;
  }
}

/**
 * Estimated bytes of a compiled population of `members` (compiledMemoryEstimate); where it falls back to the
 * generic path (no WebAssembly SIMD, a network larger than COMPILE_PARAMETER_LIMIT, or a step the compiler does
 * not know), the definition's own estimate.
 */
export function compiledMemoryBytes(def: ArchitectureDefinition, members: readonly PopulationMember[], opts: PopulationMemoryOptions): number | undefined {
  if (!simdAvailable() || members.some((m) => m.arch.parameters > COMPILE_PARAMETER_LIMIT)) return def.populationMemoryBytes?.(members, opts);
  try {
    return compiledMemoryEstimate(def, members, opts).total;
  } catch (e) {
    if (e instanceof UnsupportedStepError) return def.populationMemoryBytes?.(members, opts);
    throw e;
  }
}

/** The `compiled` population kernel of a family defined by its step. */
export function compiledPopulationKernel(def: ArchitectureDefinition): PopulationKernel {
  return {
    family: def.family,
    operation: POPULATION_OPERATION,
    name: COMPILED_PATH,
    description: `${def.family}'s step compiled to WebAssembly SIMD (4 networks per lane group) with a compiled vector-Jacobian product`,
    create: (members, opts) => createCompiledPopulation(def, members, opts.channels),
    memoryBytes: (m, o) => compiledMemoryBytes(def, m, o),
  };
}

/**
 * The kernels a family trains with: its registered ones, plus the `compiled` path when the family was defined
 * by its step (`defineArchitecture`, under the definition's own family name) and has no population kernel or own
 * population of its own. The compiled
 * path then comes first, so it is the family's default.
 */
export function withCompiledPath(architecture: Architecture | undefined, registered: readonly Kernel[]): Kernel[] {
  const def = (architecture as { definition?: ArchitectureDefinition } | undefined)?.definition;
  // an architecture that took a definition's methods under another family name (a wrapper) is not that
  // definition's family: its own createPopulation decides, so it gets no compiled path
  if (!def || def.family !== architecture?.family || def.createPopulation || registered.some(isPopulationKernel)) return [...registered];
  return [compiledPopulationKernel(def), ...registered];
}
