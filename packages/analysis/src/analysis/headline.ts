import { SIGNIFICANCE_LEVEL, smallestAttainableP, type GroupComparison } from '../stats/compare-to-reference.js';
import type { ArchitectureSummary } from './summarize.js';

/** One row of docs/spec.md §5's table: the paper's value and prnn's, with the number of networks it rests on. */
export interface HeadlineRow {
  readonly measure: string;
  readonly paper: string;
  readonly prnn: string;
  /** Networks behind prnn's value. */
  readonly networks: number;
}

const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const medianIqr = (c: GroupComparison | undefined, digits = 2) =>
  c && c.n > 0 ? `${fmt(c.median, digits)} (IQR ${fmt(c.q1, digits)}–${fmt(c.q3, digits)})` : 'not in this analysis';

/** The paper's headline results (docs/spec.md §5, Track task) next to this analysis' values. */
export function headlineTable(archs: readonly ArchitectureSummary[]): HeadlineRow[] {
  const by = new Map(archs.map((a) => [a.arch, a]));
  const fitnessRow = (measure: string, paper: string, arch: string): HeadlineRow => ({
    measure,
    paper,
    prnn: medianIqr(by.get(arch)?.measures.fitness),
    networks: by.get(arch)?.measures.fitness.n ?? 0,
  });
  const named = new Set(['fc', 'ff', 'io', 'ff-large']);
  const others = archs.filter((a) => !named.has(a.arch) && a.measures.fitness.n > 0);
  const otherMedians = others.map((a) => a.measures.fitness.median);
  const tested = archs.filter((a) => a.measures.fitness.significance !== 'reference' && a.measures.fitness.significance !== 'n/a');
  const testedNetworks = (m: 'sampleEfficiency' | 'robustness') =>
    archs.reduce((n, a) => n + (a.measures[m].significance === 'n/a' ? 0 : a.measures[m].n), 0);
  const count = (m: 'sampleEfficiency' | 'robustness') => archs.filter((a) => a.measures[m].significance === 'higher');
  const list = (as: ArchitectureSummary[]) => (as.length > 0 && as.length <= 12 ? `: ${as.map((a) => a.arch).join(', ')}` : '');
  const fc = by.get('fc');
  const matching = tested.filter((a) => a.measures.fitness.significance !== 'lower').sort((a, b) => a.parameters - b.parameters);
  const fewest = matching[0];
  // ff, io and ff-large have no recurrent pathway; the paper's frontier is among the partially recurrent ones
  const recurrent = (a: ArchitectureSummary) => ['ii', 'hh', 'oo', 'oi', 'hi', 'oh'].some((f) => a.flags[f]);
  const fewestRecurrent = matching.find(recurrent);
  const weightsOf = (a: ArchitectureSummary) =>
    `${a.arch}: ${a.parameters} weights = ${fmt(a.parameters / (fc?.parameters ?? Number.NaN))} of FC's ${fc?.parameters} (median fitness ${fmt(a.measures.fitness.median)} vs FC's ${fmt(fc?.measures.fitness.median ?? Number.NaN)})`;
  const ff = by.get('ff');
  const capacity = (a: ArchitectureSummary | undefined) => medianIqr(a?.measures.memoryCapacity);
  // With few networks per architecture no test can reach α, or only when many architectures differ at
  // once: BH multiplies the smallest attainable p by (tests ÷ rank), so a lone strong difference stays n.s.
  const pMin = fc && tested.length > 0 ? Math.min(...tested.map((a) => smallestAttainableP(a.measures.fitness.n, fc.measures.fitness.n))) : 0;
  const needed = Math.ceil((pMin * tested.length) / SIGNIFICANCE_LEVEL - 1e-12);
  const n = tested[0]?.measures.fitness.n ?? 0;
  const caveat =
    !fc || tested.length === 0 || needed <= 1 ? ''
    : pMin > SIGNIFICANCE_LEVEL
      ? ` (with ${n} vs ${fc.measures.fitness.n} networks no test can reach α = ${SIGNIFICANCE_LEVEL}: train more seeds)`
      : ` (with ${n} vs ${fc.measures.fitness.n} networks the smallest one-sided p is ${pMin.toPrecision(2)}: after Benjamini–Hochberg over ${tested.length} architectures a difference is significant only when at least ${needed} architectures differ as strongly — train more seeds)`;
  const faster = count('sampleEfficiency');
  const robust = count('robustness');
  return [
    fitnessRow('fully connected, median fitness', '0.93 ± 0.01', 'fc'),
    fitnessRow('feed-forward (H = 8)', '0.48 ± 0.02', 'ff'),
    fitnessRow('feed-forward + W_io', '0.49 ± 0.03', 'io'),
    fitnessRow('large feed-forward (H = 34, param-matched)', '0.56 ± 0.01', 'ff-large'),
    {
      measure: `the other architectures (paper 125, here ${others.length}), median fitness`,
      paper: '0.91 – 0.93',
      prnn: others.length ? `${fmt(Math.min(...otherMedians))} – ${fmt(Math.max(...otherMedians))}` : 'not in this analysis',
      networks: others.reduce((n, a) => n + a.measures.fitness.n, 0),
    },
    {
      measure: 'learn significantly faster than fully connected',
      paper: '19 architectures',
      prnn: fc ? `${faster.length} of ${tested.length} architectures${list(faster)}${caveat}` : 'no FC networks to compare with',
      networks: testedNetworks('sampleEfficiency'),
    },
    {
      measure: 'significantly more robust than fully connected',
      paper: '9 architectures',
      prnn: fc ? `${robust.length} of ${tested.length} architectures${list(robust)}${caveat}` : 'no FC networks to compare with',
      networks: testedNetworks('robustness'),
    },
    {
      measure: 'fewest weights among architectures that match FC',
      paper: 'about a quarter of FC',
      prnn:
        fc && fewest
          ? `${weightsOf(fewest)}, fitness not significantly below FC's${caveat}` +
            (fewestRecurrent && fewestRecurrent !== fewest ? `; with a recurrent pathway: ${weightsOf(fewestRecurrent)}` : '')
          : fc
            ? 'no architecture matches FC'
            : 'no FC networks to compare with',
      networks: (fewest?.networks ?? 0) + (fc?.networks ?? 0),
    },
    {
      measure: 'memory capacity Σ M_k, FC vs FF',
      paper: '— (FC has memory, FF none)',
      prnn: `FC ${capacity(fc)} vs FF ${capacity(ff)}`,
      networks: (fc?.networks ?? 0) + (ff?.networks ?? 0),
    },
  ];
}
