import { join, resolve } from 'node:path';
import { PrnnError } from '@prnn/core';
import type { TaskOptions } from '@prnn/env';
import { PAPER_FITNESS_NOISE } from '@prnn/agents';
import type { TopLevelSpec } from 'vega-lite';
import { analyzeStoredNetworks, type StoredNetworks } from '../analysis/analyze-stored.js';
import type { AnalysisOptions } from '../analysis/analysis-options.js';
import type { Analysis } from '../analysis/summarize.js';
import { renderSvg, svgToPng } from '../figures/render.js';
import { toCsv } from '../report/csv.js';
import { checkReportDirectory, publishReportDirectory, REPORT_FILE } from '../report/write-report.js';
import { SIGNIFICANCE_LEVEL, type GroupComparison } from '../stats/compare-to-reference.js';
import { EFFECT_CONFIDENCE } from '../stats/effect-size.js';
import { spearman } from '../stats/spearman.js';

/**
 * The comparison of learners on the same architectures (docs/guides/learner-comparison.md): each learner's
 * networks are analysed on their own (fitness, robustness, sample efficiency; each architecture tested against
 * FC within the learner, exactly as `prnn analyze` does), then the architectures' median fitnesses are
 * rank-correlated between every pair of learners.
 */

/** The measures of the comparison, as `Analysis` names them (and `prnn analyze --metrics` names them). */
export const COMPARISON_MEASURES = ['fitness', 'robustness', 'sampleEfficiency'] as const;
/** One of COMPARISON_MEASURES. */
export type ComparisonMeasure = (typeof COMPARISON_MEASURES)[number];
/** The analysis metrics that compute COMPARISON_MEASURES. */
export const COMPARISON_METRICS = ['fitness', 'noise-sweep', 'robustness', 'sample-efficiency'] as const;

/** One learner's networks, from one or more results stores of the same task. */
export interface LearnerNetworks {
  readonly learner: string;
  /** Its stores, all of one task, run seed and test set. */
  readonly stores: readonly StoredNetworks[];
}

/** One architecture under one learner: each measure's summary and its test against FC within that learner. */
export interface LearnerArchitectureRow {
  readonly learner: string;
  readonly arch: string;
  readonly family: string;
  readonly parameters: number;
  readonly networks: number;
  readonly measures: Readonly<Record<ComparisonMeasure, GroupComparison>>;
}

/** Spearman's ρ of the architectures' median fitness under two learners. */
export interface LearnerRankCorrelation {
  readonly learnerA: string;
  readonly learnerB: string;
  /** Architectures with a finite median fitness under both (ff-large is left out: the 128 of the paper). */
  readonly architectures: number;
  readonly rho: number;
  /** Two-sided p-value of ρ = 0 (t approximation with n − 2 degrees of freedom). */
  readonly p: number;
}

/** One learner's part of the comparison. */
export interface ComparedLearner {
  readonly learner: string;
  readonly sources: readonly string[];
  readonly networks: number;
  /** The learner's hyper-parameters (of its first store). */
  readonly config: Readonly<Record<string, unknown>>;
  /** θ of sample efficiency: 0.9 × the median fitness of this learner's networks. */
  readonly sampleEfficiencyThreshold: number;
  /** The reference architecture of its tests ('fc' when it has FC networks). */
  readonly reference: string | null;
}

/** The learner comparison: what analysis.json of a comparison report and `prnn compare --json` hold. */
export interface LearnerComparison {
  readonly format: 'prnn-learner-comparison';
  readonly version: 1;
  readonly task: TaskOptions;
  readonly alpha: number;
  readonly effectConfidence: number;
  readonly learners: readonly ComparedLearner[];
  readonly rows: readonly LearnerArchitectureRow[];
  readonly correlations: readonly LearnerRankCorrelation[];
  readonly seconds: number;
}

/** The architecture left out of the rank correlations: the paper's 129th configuration, of another size. */
const NOT_RANKED = 'ff-large';

/** Merges one learner's stores into one input of `analyzeStoredNetworks` (they must share task, run seed and test set). */
function mergeStores(l: LearnerNetworks): StoredNetworks {
  if (l.stores.length === 0) throw new PrnnError(`learner ${l.learner}: no store given`);
  const [first] = l.stores;
  for (const s of l.stores.slice(1)) {
    const same = JSON.stringify(s.task) === JSON.stringify(first.task) && s.runSeed === first.runSeed && s.testMazes === first.testMazes;
    if (!same) throw new PrnnError(`learner ${l.learner}: store ${s.path} has another task, run seed or test set than ${first.path}; compare stores of one task`);
  }
  const seen = new Map<string, string>();
  for (const s of l.stores) {
    for (const n of s.networks) {
      const other = seen.get(n.id);
      if (other !== undefined) throw new PrnnError(`learner ${l.learner}: network ${n.id} is in both ${other} and ${s.path}; give stores of different seeds or architectures`);
      seen.set(n.id, s.path);
    }
  }
  const networks = l.stores.flatMap((s) => s.networks);
  return { ...first, name: l.stores.map((s) => s.name ?? s.path).join(' + '), networks };
}

/**
 * The comparison of already analysed learners (each `Analysis` must hold COMPARISON_MEASURES): per
 * architecture and learner the measures and tests against FC of that learner's analysis, and Spearman's ρ of
 * the median fitness between every pair of learners over their common architectures (ff-large left out).
 */
export function compareLearnerAnalyses(analyses: readonly { learner: string; analysis: Analysis; config: Readonly<Record<string, unknown>> }[], seconds = 0): LearnerComparison {
  if (analyses.length < 1) throw new PrnnError('a learner comparison needs at least one learner');
  const names = analyses.map((a) => a.learner);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new PrnnError(`learner ${twice} is given twice; give each learner's stores together`);
  const task = analyses[0].analysis.task;
  for (const a of analyses) {
    if (JSON.stringify(a.analysis.task) !== JSON.stringify(task)) throw new PrnnError(`learner ${a.learner} was trained on another task than ${analyses[0].learner}; compare learners on one task`);
  }
  const rows: LearnerArchitectureRow[] = analyses.flatMap(({ learner, analysis }) =>
    analysis.architectures.map((arch) => ({
      learner,
      arch: arch.arch,
      family: arch.family,
      parameters: arch.parameters,
      networks: arch.networks,
      measures: Object.fromEntries(COMPARISON_MEASURES.map((m) => [m, arch.measures[m]])) as Record<ComparisonMeasure, GroupComparison>,
    })),
  );
  const medians = new Map(analyses.map(({ learner, analysis }) => [learner, new Map(analysis.architectures.map((a) => [a.arch, a.measures.fitness.median]))]));
  const correlations: LearnerRankCorrelation[] = [];
  for (let i = 0; i < analyses.length; i++) {
    for (let j = i + 1; j < analyses.length; j++) {
      const a = medians.get(names[i])!;
      const b = medians.get(names[j])!;
      const common = [...a.keys()].filter((arch) => arch !== NOT_RANKED && b.has(arch));
      const r = spearman(common.map((arch) => a.get(arch)!), common.map((arch) => b.get(arch)!));
      correlations.push({ learnerA: names[i], learnerB: names[j], architectures: r.n, rho: r.rho, p: r.p });
    }
  }
  return {
    format: 'prnn-learner-comparison',
    version: 1,
    task,
    alpha: SIGNIFICANCE_LEVEL,
    effectConfidence: EFFECT_CONFIDENCE,
    learners: analyses.map(({ learner, analysis, config }) => ({
      learner,
      sources: analysis.sources.map((s) => s.path),
      networks: analysis.networks.length,
      config,
      sampleEfficiencyThreshold: analysis.sampleEfficiencyThreshold,
      reference: analysis.reference,
    })),
    rows,
    correlations,
    seconds,
  };
}

/**
 * Analyses each learner's stored networks (COMPARISON_METRICS only: the stored noise sweeps are reused when
 * the test set and levels match) and compares them (compareLearnerAnalyses).
 */
export async function compareLearners(learners: readonly LearnerNetworks[], options: Omit<AnalysisOptions, 'metrics'> = {}): Promise<LearnerComparison> {
  const started = performance.now();
  const analyses = [];
  for (const l of learners) {
    const input = mergeStores(l);
    const levels = options.noise ?? input.networks[0]?.noiseLevels ?? [];
    if (!levels.includes(PAPER_FITNESS_NOISE)) {
      throw new PrnnError(`learner ${l.learner}: the noise sweep of ${input.name ?? input.path} has no level σs = ${PAPER_FITNESS_NOISE}, where fitness is measured (docs/spec.md §4); plan the sweeps with --noise levels that include it (the default 0:0.5:21 does)`);
    }
    const analysis = await analyzeStoredNetworks(input, {
      ...options,
      mazes: options.mazes ?? input.testMazes,
      noise: options.noise ?? input.networks[0]?.noiseLevels,
      metrics: [...COMPARISON_METRICS],
    });
    analyses.push({ learner: l.learner, analysis, config: input.config });
  }
  return compareLearnerAnalyses(analyses, (performance.now() - started) / 1000);
}

/** The rows of learner-architectures.csv: one per architecture and learner, every measure with its test against FC. */
export function learnerArchitectureTable(c: LearnerComparison): { columns: string[]; rows: Record<string, unknown>[] } {
  const columns = ['learner', 'arch', 'family', 'parameters', 'networks'];
  for (const m of COMPARISON_MEASURES) columns.push(`${m}_median`, `${m}_q1`, `${m}_q3`, `${m}_vs_fc`, `${m}_p_higher`, `${m}_p_lower`, `${m}_shift`, `${m}_shift_low`, `${m}_shift_high`, `${m}_cliff_delta`);
  const rows = c.rows.map((r) => {
    const row: Record<string, unknown> = { learner: r.learner, arch: r.arch, family: r.family, parameters: r.parameters, networks: r.networks };
    for (const m of COMPARISON_MEASURES) {
      const g = r.measures[m];
      Object.assign(row, {
        [`${m}_median`]: g.median, [`${m}_q1`]: g.q1, [`${m}_q3`]: g.q3, [`${m}_vs_fc`]: g.significance, [`${m}_p_higher`]: g.pHigher, [`${m}_p_lower`]: g.pLower,
        [`${m}_shift`]: g.shift, [`${m}_shift_low`]: g.shiftLow, [`${m}_shift_high`]: g.shiftHigh, [`${m}_cliff_delta`]: g.cliffDelta,
      });
    }
    return row;
  });
  return { columns, rows };
}

/** The rows of rank-correlations.csv: one per pair of learners. */
export function rankCorrelationTable(c: LearnerComparison): { columns: string[]; rows: Record<string, unknown>[] } {
  return { columns: ['learner_a', 'learner_b', 'architectures', 'spearman_rho', 'p'], rows: c.correlations.map((r) => ({ learner_a: r.learnerA, learner_b: r.learnerB, architectures: r.architectures, spearman_rho: r.rho, p: r.p })) };
}

/** Vega-Lite: each architecture's median fitness under learner A (x) against learner B (y), with the diagonal y = x. */
export function fitnessScatterSpec(c: LearnerComparison, a: string, b: string): TopLevelSpec {
  const of = (learner: string) => new Map(c.rows.filter((r) => r.learner === learner).map((r) => [r.arch, r.measures.fitness.median]));
  const x = of(a);
  const y = of(b);
  const values = [...x.keys()].filter((arch) => y.has(arch) && Number.isFinite(x.get(arch)!) && Number.isFinite(y.get(arch)!)).map((arch) => ({ arch, a: x.get(arch), b: y.get(arch), highlight: ['fc', 'ff', 'io', 'ff-large'].includes(arch) ? arch : 'other' }));
  const r = c.correlations.find((k) => (k.learnerA === a && k.learnerB === b) || (k.learnerA === b && k.learnerB === a));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Median fitness per architecture: ${a} vs ${b}`, subtitle: r ? `Spearman ρ = ${fmt(r.rho)} (p = ${fmtP(r.p)}, ${r.architectures} architectures)` : '' },
    width: 320,
    height: 320,
    layer: [
      { data: { values: [{ a: 0, b: 0 }, { a: 1, b: 1 }] }, mark: { type: 'line', color: '#999999', strokeDash: [4, 4] }, encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 30 },
        encoding: {
          x: { field: 'a', type: 'quantitative', title: `median fitness, ${a}`, scale: { domain: [0, 1] } },
          y: { field: 'b', type: 'quantitative', title: `median fitness, ${b}`, scale: { domain: [0, 1] } },
          color: { field: 'highlight', type: 'nominal', title: 'architecture', scale: { domain: ['fc', 'ff', 'io', 'ff-large', 'other'], range: ['#000000', '#d95f02', '#7570b3', '#e7298a', '#8fbfdf'] } },
          tooltip: [{ field: 'arch' }, { field: 'a', format: '.3f' }, { field: 'b', format: '.3f' }],
        },
      },
    ],
  } as TopLevelSpec;
}

function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

function fmtP(p: number): string {
  return !Number.isFinite(p) ? 'n/a' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** report.md of a comparison: the learners, the rank correlations and figures, then the table per architecture and learner. */
export function comparisonMarkdown(c: LearnerComparison, figures: readonly string[]): string {
  const lines = [
    '# Learner comparison',
    '',
    `Task: ${c.task.kind}. Every learner's networks are analysed on their own: the median (IQR) of fitness (σs = 0.05), ` +
      `robustness and sample efficiency (θ = 0.9 × that learner's median fitness) per architecture, and each architecture ` +
      `tested against FC within the learner (two one-sided Mann–Whitney U tests, Benjamini–Hochberg, α = ${c.alpha}; ` +
      `Hodges–Lehmann shift with its ${Math.round(100 * c.effectConfidence)} % interval). Spearman's ρ ranks the ` +
      `architectures' median fitness between two learners (ff-large left out; p from the t approximation).`,
    '',
    '| learner | networks | θ (sample efficiency) | sources |',
    '|---|---|---|---|',
    ...c.learners.map((l) => `| ${l.learner} | ${l.networks} | ${fmt(l.sampleEfficiencyThreshold)} | ${l.sources.join(', ')} |`),
    '',
    '## Rank correlation of median fitness',
    '',
    '| learner A | learner B | architectures | Spearman ρ | p |',
    '|---|---|---|---|---|',
    ...c.correlations.map((r) => `| ${r.learnerA} | ${r.learnerB} | ${r.architectures} | ${fmt(r.rho)} | ${fmtP(r.p)} |`),
    '',
    ...figures.map((f) => `![${f}](figures/${f}.svg)\n`),
    '## Per architecture and learner',
    '',
    'vs FC: higher / lower / n.s. after correction; shift: Hodges–Lehmann shift of fitness against FC [interval].',
    '',
    '| arch | learner | networks | fitness median (IQR) | vs FC | shift [CI] | robustness median | vs FC | sample efficiency median | vs FC |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...[...c.rows]
      .sort((x, y) => x.parameters - y.parameters || x.arch.localeCompare(y.arch) || x.learner.localeCompare(y.learner))
      .map((r) => {
        const f = r.measures.fitness;
        const rb = r.measures.robustness;
        const se = r.measures.sampleEfficiency;
        const shift = Number.isFinite(f.shift) ? `${fmt(f.shift)} [${fmt(f.shiftLow)}, ${fmt(f.shiftHigh)}]` : '';
        return `| ${r.arch} | ${r.learner} | ${r.networks} | ${fmt(f.median)} (${fmt(f.q1)}–${fmt(f.q3)}) | ${f.significance} | ${shift} | ${fmt(rb.median)} | ${rb.significance} | ${fmt(se.median, 1)} | ${se.significance} |`;
      }),
    '',
  ];
  return lines.join('\n');
}

function jsonReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** The comparison as JSON-able data (non-finite numbers as null), what analysis.json and `--json` hold. */
export function comparisonJson(c: LearnerComparison): unknown {
  return JSON.parse(JSON.stringify(c, jsonReplacer));
}

/**
 * Writes the comparison report into `out` (missing, empty, or an earlier prnn report): report.md,
 * learner-architectures.csv, rank-correlations.csv, analysis.json and figures/fitness-A-vs-B.{svg,png} per pair
 * of learners; into a sibling temporary directory first, renamed into place.
 */
export async function writeComparisonReport(c: LearnerComparison, out: string): Promise<{ dir: string; files: string[] }> {
  const target = resolve(out);
  const existing = await checkReportDirectory(out);
  const figures: [string, string, Uint8Array][] = [];
  for (const r of c.correlations) {
    const name = `fitness-${r.learnerA}-vs-${r.learnerB}`;
    const svg = await renderSvg(fitnessScatterSpec(c, r.learnerA, r.learnerB));
    figures.push([name, svg, svgToPng(svg)]);
  }
  const archTable = learnerArchitectureTable(c);
  const rankTable = rankCorrelationTable(c);
  const files: [string, string | Uint8Array][] = [
    ['report.md', comparisonMarkdown(c, figures.map(([name]) => name))],
    ['learner-architectures.csv', toCsv(archTable.columns, archTable.rows)],
    ['rank-correlations.csv', toCsv(rankTable.columns, rankTable.rows)],
    ...figures.flatMap(([name, svg, png]): [string, string | Uint8Array][] => [
      [join('figures', `${name}.svg`), svg],
      [join('figures', `${name}.png`), png],
    ]),
    [REPORT_FILE, JSON.stringify(c, jsonReplacer, 1)],
  ];
  return publishReportDirectory(target, files, existing);
}
