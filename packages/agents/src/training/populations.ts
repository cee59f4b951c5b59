import { PrnnError } from '@prnn/core';
import type { Architecture, PopulationMember } from '../sdk/architecture.js';
import { KernelSet } from '../sdk/kernel.js';

/** Where a run finds each family's Architecture and kernels (the Registry is one). */
export interface FamilyResolver {
  /** The architecture plugin of a family. */
  architecture(family: string): Architecture;
  /** The kernels registered for a family. */
  kernels(family: string): KernelSet;
}

/** A family as a run trains it. */
export interface FamilyParts {
  readonly architecture: Architecture;
  readonly kernels?: KernelSet;
}

/**
 * The run's populations, as [from, to) ranges of `members`: consecutive chunks of at most `population`
 * networks, cut also where the family changes (each population holds one family), so a run may mix families.
 */
export function populationRanges(members: readonly PopulationMember[], population: number): [number, number][] {
  const ranges: [number, number][] = [];
  let from = 0;
  for (let k = 1; k <= members.length; k++) {
    if (k === members.length || k - from === population || members[k].arch.family !== members[from].arch.family) {
      ranges.push([from, k]);
      from = k;
    }
  }
  return ranges;
}

/** The Architecture and kernels of `family`: the run's own when it is that family, else from `families`. */
export function familyParts(
  o: { readonly architecture: Architecture; readonly kernels?: KernelSet; readonly families?: FamilyResolver },
  family: string,
): FamilyParts {
  if (family === o.architecture.family) return { architecture: o.architecture, kernels: o.kernels };
  if (!o.families) {
    throw new PrnnError(`network family ${family} differs from the run's architecture ${o.architecture.family}: pass families (e.g. the registry) to train several`);
  }
  return { architecture: o.families.architecture(family), kernels: o.families.kernels(family) };
}

/** The implementation each family of `members` trains with, by family (first appearance order). */
export function familyPaths(
  o: { readonly architecture: Architecture; readonly kernels?: KernelSet; readonly families?: FamilyResolver; readonly path?: string },
  members: readonly PopulationMember[],
): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const m of members) {
    const family = m.arch.family;
    if (paths[family] !== undefined) continue;
    const parts = familyParts(o, family);
    paths[family] = (parts.kernels ?? new KernelSet(family, [])).resolvePath(o.path);
  }
  return paths;
}
