import type { Analysis } from '../analysis/summarize.js';
import type { RenderedFigure } from './report-figures.js';
import type { Table } from './report-tables.js';

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : '—') : String(v ?? ''));

/**
 * A table as GitHub markdown (the given columns, `|` escaped): non-integers to 4 significant digits, non-finite numbers
 * as —.
 */
export function markdownTable(t: Table, columns: readonly string[] = t.columns): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${columns.map((c) => esc(fmt(r[c]))).join(' | ')} |`),
  ].join('\n');
}

/** Settings of the analysis and of the runs it read, as lines of text. */
export function settingsLines(a: Analysis): string[] {
  const lines = [
    `task: ${JSON.stringify(a.task)}`,
    `test mazes per network: ${a.mazes}; noise levels: ${a.noise.join(', ')}`,
    `measures: ${a.measures.join(', ')}`,
    `sample-efficiency threshold θ = 0.9 × median fitness = ${fmt(a.sampleEfficiencyThreshold)}`,
    `statistics: two one-sided Mann–Whitney U tests vs ${a.reference ?? '(no FC networks)'}, Benjamini–Hochberg across architectures, α = ${a.alpha}`,
    `networks: ${a.networks.length}, architectures: ${a.architectures.length}; analysis took ${a.seconds.toFixed(1)} s`,
  ];
  for (const s of a.sources) {
    lines.push(
      s.kind !== 'policy'
        ? `${s.kind} ${s.path}: learner ${s.learner}, run seed ${s.runSeed}, ${s.networks} trained networks, test-set seed ${s.mazeSeed}${s.reusedEval ? (s.kind === 'store' ? ' (noise sweeps as stored)' : ' (noise sweep from its eval.json)') : ''}; config ${JSON.stringify(s.config)}`
        : `policy ${s.path}, test-set seed ${s.mazeSeed}`,
    );
  }
  return lines;
}

/**
 * The tables of a report: headline, per-architecture comparisons, predictions, per-network measures and memory
 * profiles.
 */
export interface ReportTables {
  readonly headline: Table;
  readonly architectures: Table;
  readonly predictions: Table;
  readonly networks: Table;
  readonly memory: Table;
}

const ARCH_COLUMNS = [
  'arch', 'parameters', 'networks',
  'fitness_median', 'fitness_vs_fc', 'fitness_effect',
  'robustness_median', 'robustness_vs_fc', 'robustness_effect',
  'sample_efficiency_median', 'sample_efficiency_vs_fc', 'sample_efficiency_effect',
  'memory_capacity_median', 'memory_capacity_vs_fc', 'memory_capacity_effect',
];

/** report.md: the headline table first, then settings, figures (PNG links), architectures and predictions. */
export function reportMarkdown(a: Analysis, tables: ReportTables, figures: readonly RenderedFigure[]): string {
  return [
    '# prnn analysis report',
    '',
    '## Headline results (docs/spec.md §5, Track task): prnn next to the paper',
    '',
    markdownTable(tables.headline),
    '',
    'The paper rests on 50 networks per architecture; the last column says how many networks each prnn value rests on.',
    '',
    '## Settings',
    '',
    ...settingsLines(a).map((l) => `- ${l}`),
    '',
    '## Figures',
    '',
    ...figures.flatMap((f) => [`![${f.name}](figures/${f.name}.png)`, '', `*${f.caption}* ([SVG](figures/${f.name}.svg))`, '']),
    '## Architectures',
    '',
    'Medians over each architecture\'s networks; "vs_fc": higher / lower / n.s. after BH at α = 0.01; "effect": the Hodges–Lehmann shift vs FC (median of the architecture − FC differences) with its 95 % confidence interval (its actual coverage in brackets when too few networks allow 95 %). Cliff\'s delta and all other columns: architectures.csv.',
    '',
    markdownTable(tables.architectures, ARCH_COLUMNS),
    '',
    '## Prediction (random forests, 10-fold CV RMSE vs predicting the mean)',
    '',
    tables.predictions.rows.length ? markdownTable(tables.predictions) : 'Not enough networks for the prediction study.',
    '',
    '## Memory: what lies behind M_k',
    '',
    ...memoryLines(a),
    '',
    'Per-network values: networks.csv.',
    '',
  ].join('\n');
}

/**
 * The memory section: the paper's M_k is a mean of ratios S(t,k)/S(t,0); where S(t,0) is tiny the ratios
 * explode. Lists the networks with lags whose mean is carried by a few pairs (memory.csv has every lag).
 */
export function memoryLines(a: Analysis): string[] {
  const withDiagnostics = a.networks.filter((n) => n.memoryDiagnostics);
  if (withDiagnostics.length === 0) return ['Memory was not measured.'];
  const lines = [
    'M_k (the headline, as in the paper) is the mean over (trial, step) pairs of S(t,k)/S(t,0). Beside it memory.csv gives the ratio of means ΣS(t,k)/ΣS(t,0), the median ratio, the pairs behind each lag and how many had S(t,0) below the floor (10⁻³ × the network\'s median S(t,0)). A lag is flagged when its largest 1 % of ratios hold more than half their sum (at least 10 pairs).',
    '',
  ];
  const flagged = withDiagnostics.filter((n) => n.memoryDiagnostics!.flagged.length > 0);
  if (flagged.length === 0) return [...lines, `No lag is flagged in any of the ${withDiagnostics.length} networks.`];
  lines.push(`${flagged.length} of ${withDiagnostics.length} networks have flagged lags:`, '');
  lines.push('| network | flagged lags | M_k (mean of ratios) | ratio of means | median ratio | pairs below floor |', '| --- | --- | --- | --- | --- | --- |');
  for (const n of flagged.slice(0, 20)) {
    const d = n.memoryDiagnostics!;
    const at = d.flagged.map((lag) => d.lags.indexOf(lag));
    const list = (v: number[]) => at.map((k) => fmt(v[k])).join(', ');
    lines.push(`| ${n.id} | ${d.flagged.join(', ')} | ${list(d.meanOfRatios)} | ${list(d.ratioOfMeans)} | ${list(d.medianRatio)} | ${at.map((k) => `${d.belowFloor[k]}/${d.pairs[k]}`).join(', ')} |`);
  }
  if (flagged.length > 20) lines.push('', `… and ${flagged.length - 20} more (memory.csv).`);
  return lines;
}
