import { defineArchitecture, type ArchitectureDefinition } from '../../sdk/define-architecture.js';
import { archInfo, ninePathwayArch } from './arch-info.js';
import { OPTIONAL_PATHWAYS, PATHWAYS, initWeights, largeFeedForward, paperArchitectures, parseArch, pathwayShape, presentPathways } from './family.js';
import { NINE_PATHWAY_FAMILY } from './names.js';
import { ninePathwayStep } from './step.js';
import { tfjsMemoryBytes } from './tfjs-memory.js';
import { createTfjsPopulation } from './tfjs-population.js';

export { NINE_PATHWAY_FAMILY } from './names.js';
export { archInfo, ninePathwayArch } from './arch-info.js';

/** Specs this family answers for: ff, fc, ff-large, an index, or optional pathways joined by `+`. */
const SPEC_SHAPE = new RegExp(`^(ff|fc|ff-large|\\d+|(${OPTIONAL_PATHWAYS.join('|')})(\\+(${OPTIONAL_PATHWAYS.join('|')}))*)$`);

/**
 * docs/spec.md §2: the 128 partially recurrent networks (reference index order) and the large feed-forward one,
 * described like any family — parameters (the present pathways, [A, B]), the seeded init, and one step.
 * Its generic population is the padded tfjs model (one batch for any mix of members); the compiled kernel
 * (this step compiled, the 128 embedded into fc's lanes) is registered separately (see builtins/nine-pathway.ts).
 */
export const ninePathwayDefinition: ArchitectureDefinition = {
  family: NINE_PATHWAY_FAMILY,
  description: 'input, hidden and output layers with 7 optional pathways (ii, hh, oo, io, oi, hi, oh): 128 architectures + ff-large',
  list: (opts) => paperArchitectures({ channels: opts.channels, hidden: opts.hidden }).map(archInfo),
  /** `opts.hidden` sizes the 128; ff-large keeps its own 34 hidden units (it is defined by its size). */
  resolve(spec, opts) {
    const s = spec.trim().toLowerCase();
    if (!SPEC_SHAPE.test(s)) return undefined;
    if (s === 'ff-large') return archInfo(largeFeedForward({ channels: opts.channels }));
    return archInfo(parseArch(s, { channels: opts.channels, hidden: opts.hidden }));
  },
  parameters(info, sizes) {
    const arch = ninePathwayArch(info, sizes.channels);
    return Object.fromEntries(presentPathways(arch).map((p) => [p, pathwayShape(arch, p)]));
  },
  init: (info, sizes, rng) => initWeights(ninePathwayArch(info, sizes.channels), rng) as Record<string, Float32Array>,
  stateSize: (info, sizes) => sizes.inputs + info.hidden + sizes.outputs,
  parameterNames: PATHWAYS,
  /** Each of the 128 is fc with its absent pathways held at zero; ff-large (defined by its size) embeds into none. */
  embed: (info, sizes) =>
    info.name === 'ff-large' ? undefined : { into: archInfo(parseArch('fc', { channels: sizes.channels, hidden: info.hidden })) },
  step: ninePathwayStep,
  createPopulation: (members, opts) =>
    createTfjsPopulation(
      members.map((m) => ninePathwayArch(m.arch, opts.channels)),
      members.map((m) => m.seed),
    ),
  populationMemoryBytes: (members, opts) =>
    tfjsMemoryBytes(
      members.map((m) => ninePathwayArch(m.arch, opts.channels)),
      opts.steps,
      opts.testBatch,
    ),
};

/** The Architecture of the 9-pathway family (what its plugin registers). */
export function createNinePathwayArchitecture() {
  return defineArchitecture(ninePathwayDefinition);
}

