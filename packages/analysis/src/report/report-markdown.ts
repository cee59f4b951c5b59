import type { Analysis } from '../analysis/summarize.js';
import type { RenderedFigure } from './report-figures.js';
import type { Table } from './report-tables.js';

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : '—') : String(v ?? ''));

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
      s.kind === 'run'
        ? `run ${s.path}: learner ${s.learner}, run seed ${s.runSeed}, ${s.networks} trained networks, test-set seed ${s.mazeSeed}${s.reusedEval ? ' (noise sweep from its eval.json)' : ''}; config ${JSON.stringify(s.config)}`
        : `policy ${s.path}, test-set seed ${s.mazeSeed}`,
    );
  }
  return lines;
}

export interface ReportTables {
  readonly headline: Table;
  readonly architectures: Table;
  readonly predictions: Table;
  readonly networks: Table;
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
    '## Headline results (SPEC §5, Track task): prnn next to the paper',
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
    'Medians over each architecture\'s networks; "vs_fc": higher / lower / n.s. after BH at α = 0.01; "effect": the Hodges–Lehmann shift vs FC (median of the architecture − FC differences) with its 95 % confidence interval. Cliff\'s delta and all other columns: architectures.csv.',
    '',
    markdownTable(tables.architectures, ARCH_COLUMNS),
    '',
    '## Prediction (random forests, 10-fold CV RMSE vs predicting the mean)',
    '',
    tables.predictions.rows.length ? markdownTable(tables.predictions) : 'Not enough networks for the prediction study.',
    '',
    'Per-network values: networks.csv.',
    '',
  ].join('\n');
}
