import { PATHWAYS, hasPathway, pathwayShape, type NinePathwayArch } from '../family.js';

/** Ints per group descriptor (see assembly/nine-pathway-simd.ts): hidden, active lanes, 4 members, 9 weight addresses. */
export const DESC_INTS = 15;
export const LANES = 4;
const V128 = 16;

/** Networks of one architecture, four per SIMD group; the last group of an architecture may have inactive lanes. */
export interface SimdGroup {
  readonly hidden: number;
  /** Population indices of the active lanes (1–4). */
  readonly members: readonly number[];
  /** v128 weights per pathway (0 when absent), canonical order. */
  readonly pathwayWeights: readonly number[];
  readonly weights: number;
}

function key(a: NinePathwayArch): string {
  return `${a.referenceIndex}:${a.hidden}`;
}

/** Groups members by architecture (in order of first appearance), padding each architecture to a multiple of 4 lanes. */
export function simdGroups(archs: readonly NinePathwayArch[]): SimdGroup[] {
  const byArch = new Map<string, number[]>();
  archs.forEach((a, n) => {
    const list = byArch.get(key(a));
    if (list === undefined) byArch.set(key(a), [n]);
    else list.push(n);
  });
  const groups: SimdGroup[] = [];
  for (const members of byArch.values()) {
    const arch = archs[members[0]];
    const pathwayWeights = PATHWAYS.map((p) => {
      if (!hasPathway(arch, p)) return 0;
      const [a, b] = pathwayShape(arch, p);
      return a * b;
    });
    const weights = pathwayWeights.reduce((s, x) => s + x, 0);
    for (let i = 0; i < members.length; i += LANES) {
      groups.push({ hidden: arch.hidden, members: members.slice(i, i + LANES), pathwayWeights, weights });
    }
  }
  return groups;
}

/** Bytes the lane layout of `groups` takes (weights; gradients of one group at a time). */
export function laneWeightBytes(groups: readonly SimdGroup[]): number {
  return groups.reduce((s, g) => s + g.weights * V128, 0);
}
