import { PrnnError } from '@prnn/env';
import type {
  ArchInfo,
  ArchSizeOptions,
  Architecture,
  CreatePopulationOptions,
  LearningPath,
  PopulationMember,
  PopulationMemoryOptions,
} from '../../sdk/architecture.js';
import type { PopulationModel } from '../../sdk/population-model.js';
import {
  OPTIONAL_PATHWAYS,
  largeFeedForward,
  paperArchitectures,
  parameterCount,
  parseArch,
  type NinePathwayArch,
} from './family.js';
import { createFusedPopulation } from './fused/fused-population.js';
import { fusedTrainingMemoryBytes } from './fused/memory.js';
import { tfjsMemoryBytes } from './tfjs-memory.js';
import { createTfjsPopulation } from './tfjs-population.js';

export const NINE_PATHWAY_FAMILY = 'nine-pathway';

/** Specs this family answers for: ff, fc, ff-large, an index, or optional pathways joined by `+`. */
const SPEC_SHAPE = new RegExp(`^(ff|fc|ff-large|\\d+|(${OPTIONAL_PATHWAYS.join('|')})(\\+(${OPTIONAL_PATHWAYS.join('|')}))*)$`);

export function archInfo(arch: NinePathwayArch): ArchInfo {
  return {
    family: NINE_PATHWAY_FAMILY,
    name: arch.name,
    hidden: arch.hidden,
    parameters: parameterCount(arch),
    referenceIndex: arch.referenceIndex,
    flags: { ...arch.flags },
  };
}

/** The family member an ArchInfo names, at the population's channel count. */
export function ninePathwayArch(info: ArchInfo, channels: number): NinePathwayArch {
  if (info.family !== NINE_PATHWAY_FAMILY) {
    throw new PrnnError(`architecture ${info.name} belongs to family ${info.family}, not ${NINE_PATHWAY_FAMILY}`);
  }
  return parseArch(info.name, { hidden: info.hidden, channels });
}

/** SPEC §2: the 128 partially recurrent networks (reference index order) and the large feed-forward one. */
export class NinePathwayArchitecture implements Architecture {
  readonly family = NINE_PATHWAY_FAMILY;
  readonly description =
    'input, hidden and output layers with 7 optional pathways (ii, hh, oo, io, oi, hi, oh): 128 architectures + ff-large';

  list(opts: ArchSizeOptions): ArchInfo[] {
    return paperArchitectures({ channels: opts.channels, hidden: opts.hidden }).map(archInfo);
  }

  /** `opts.hidden` sizes the 128; ff-large keeps its own 34 hidden units (it is defined by its size). */
  resolve(spec: string, opts: ArchSizeOptions): ArchInfo | undefined {
    const s = spec.trim().toLowerCase();
    if (!SPEC_SHAPE.test(s)) return undefined;
    if (s === 'ff-large') return archInfo(largeFeedForward({ channels: opts.channels }));
    return archInfo(parseArch(s, { channels: opts.channels, hidden: opts.hidden }));
  }

  /**
   * `path: 'fused'` selects the fused typed-array kernel (forward and learning pass in plain loops); the
   * default `generic` path is the tfjs model. Both start from the same initial weights for the same seeds.
   */
  createPopulation(members: readonly PopulationMember[], opts: CreatePopulationOptions): PopulationModel {
    const archs = members.map((m) => ninePathwayArch(m.arch, opts.channels));
    const seeds = members.map((m) => m.seed);
    if (opts.path === 'fused') return createFusedPopulation(archs, seeds, opts.channels);
    if (opts.path !== undefined && opts.path !== 'generic') {
      throw new PrnnError(`path must be generic or fused (got ${JSON.stringify(opts.path)})`);
    }
    return createTfjsPopulation(archs, seeds);
  }

  /** Training runs on the fused kernel unless the generic tfjs path is asked for. */
  trainingPath(requested: LearningPath | undefined): LearningPath {
    if (requested !== undefined && requested !== 'generic' && requested !== 'fused') {
      throw new PrnnError(`path must be generic or fused (got ${JSON.stringify(requested)})`);
    }
    return requested ?? 'fused';
  }

  /** `fusedTrainingMemoryBytes` on the fused path, `tfjsMemoryBytes` on the generic one. */
  populationMemoryBytes(members: readonly PopulationMember[], opts: PopulationMemoryOptions): number {
    const archs = members.map((m) => ninePathwayArch(m.arch, opts.channels));
    return opts.path === 'fused'
      ? fusedTrainingMemoryBytes(archs, opts.steps, opts.testBatch).total
      : tfjsMemoryBytes(archs, opts.steps, opts.testBatch);
  }
}
