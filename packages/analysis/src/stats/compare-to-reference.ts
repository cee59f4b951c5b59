import { PrnnError } from '@prnn/core';
import { summarize } from '../measures/summary.js';
import { benjaminiHochberg } from './benjamini-hochberg.js';
import { EFFECT_CONFIDENCE, hodgesLehmann } from './effect-size.js';
import { mannWhitneyU } from './mann-whitney-u.js';

/** docs/spec.md §4: significant at 0.01 after Benjamini–Hochberg. */
export const SIGNIFICANCE_LEVEL = 0.01;

/**
 * Outcome of comparing a group with the reference: significantly higher, lower, not significant, the reference itself,
 * or not tested.
 */
export type Significance = 'higher' | 'lower' | 'n.s.' | 'reference' | 'n/a';

/**
 * One group against the reference: its quartiles, one-sided Mann-Whitney p-values, Hodges-Lehmann shift with its
 * interval, and Cliff's δ.
 */
export interface GroupComparison {
  readonly group: string;
  /** Finite values behind the summary. */
  readonly n: number;
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  /** One-sided Mann–Whitney p-values against the reference, BH-adjusted across groups (NaN: not tested). */
  readonly pHigher: number;
  readonly pLower: number;
  readonly significance: Significance;
  /**
   * Effect size against the reference: Hodges–Lehmann shift (median of group − reference differences) with
   * its EFFECT_CONFIDENCE interval, and Cliff's delta (see hodgesLehmann). NaN when not tested.
   */
  readonly shift: number;
  readonly shiftLow: number;
  readonly shiftHigh: number;
  /** The interval's actual coverage: below EFFECT_CONFIDENCE when there are too few networks (see hodgesLehmann). */
  readonly shiftCoverage: number;
  readonly cliffDelta: number;
}

/**
 * The smallest one-sided p-value a Mann–Whitney test of n1 against n2 values can give (complete separation).
 * When it exceeds α no result can be significant, whatever the data: too few networks.
 */
export function smallestAttainableP(n1: number, n2: number): number {
  if (n1 < 1 || n2 < 1) return 1;
  // distinct values: ties would shrink the variance, which measured fitness values rarely allow
  const x = Array.from({ length: n1 }, (_, k) => n2 + 1 + k);
  const y = Array.from({ length: n2 }, (_, k) => 1 + k);
  return mannWhitneyU(x, y, 'greater').p;
}

/**
 * Every group against the reference group (docs/spec.md §4: every architecture vs fully connected): two one-sided
 * Mann–Whitney U tests ('greater': the group's values tend to be higher), each direction's p-values
 * BH-corrected across the groups tested, significant when the adjusted p ≤ alpha, and beside each test its
 * effect size (Hodges–Lehmann shift with a 95 % interval, Cliff's delta). Groups with no finite value are not
 * tested ('n/a').
 */
export function compareToReference(
  groups: ReadonlyMap<string, readonly number[]>,
  reference: string,
  alpha: number = SIGNIFICANCE_LEVEL,
): GroupComparison[] {
  const ref = groups.get(reference);
  if (!ref) throw new PrnnError(`reference group "${reference}" is not among the groups (${[...groups.keys()].join(', ')})`);
  if (!(alpha > 0 && alpha < 1)) throw new PrnnError(`alpha must be in (0, 1) (got ${alpha})`);
  const finite = (v: readonly number[]) => v.filter((x) => Number.isFinite(x));
  const refValues = finite(ref);
  const tested: string[] = [];
  const effects = new Map<string, ReturnType<typeof hodgesLehmann>>();
  const higher: number[] = [];
  const lower: number[] = [];
  for (const [name, values] of groups) {
    const x = finite(values);
    if (name === reference || x.length === 0 || refValues.length === 0) continue;
    tested.push(name);
    higher.push(mannWhitneyU(x, refValues, 'greater').p);
    lower.push(mannWhitneyU(x, refValues, 'less').p);
    effects.set(name, hodgesLehmann(x, refValues, EFFECT_CONFIDENCE));
  }
  const qHigher = benjaminiHochberg(higher);
  const qLower = benjaminiHochberg(lower);
  return [...groups].map(([name, values]) => {
    const s = summarize(values as number[]);
    const k = tested.indexOf(name);
    const pHigher = k < 0 ? Number.NaN : qHigher[k];
    const pLower = k < 0 ? Number.NaN : qLower[k];
    const significance: Significance =
      name === reference ? 'reference' : k < 0 ? 'n/a' : pHigher <= alpha ? 'higher' : pLower <= alpha ? 'lower' : 'n.s.';
    const e = effects.get(name);
    const nan = Number.NaN;
    return {
      group: name, n: s.n, median: s.median, q1: s.q1, q3: s.q3, pHigher, pLower, significance,
      shift: e?.shift ?? nan, shiftLow: e?.low ?? nan, shiftHigh: e?.high ?? nan, shiftCoverage: e?.coverage ?? nan, cliffDelta: e?.cliffDelta ?? nan,
    };
  });
}
