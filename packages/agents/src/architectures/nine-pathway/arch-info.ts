import { PrnnError } from '@prnn/core';
import type { ArchInfo } from '../../sdk/architecture.js';
import { parameterCount, parseArch, type NinePathwayArch } from './family.js';
import { NINE_PATHWAY_FAMILY } from './names.js';

/**
 * The registry's description of a 9-pathway member: family, name, hidden size, parameter count and the reference code's
 * index.
 */
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
