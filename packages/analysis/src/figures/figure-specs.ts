import type { TopLevelSpec } from 'vega-lite';
import type { Analysis, ArchitectureSummary, ComparedMeasure } from '../analysis/summarize.js';
import { MEASURE_LABELS } from '../analysis/summarize.js';
import { summarize } from '../measures/summary.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Legend symbols at full opacity even when a layer (an IQR band) is translucent. */
const CONFIG = { legend: { symbolOpacity: 1 } };
const SIGNIFICANCE_COLOURS = {
  domain: ['higher', 'lower', 'n.s.', 'reference', 'n/a'],
  range: ['#1b9e77', '#d95f02', '#9e9e9e', '#000000', '#dddddd'],
};
const num = (v: number) => (Number.isFinite(v) ? v : null);

interface Axis {
  readonly field: string;
  readonly title: string;
  readonly domain?: [number, number];
}

/**
 * A 420×280 figure of every network in grey (lines joined per `detail`, or points) behind `summary` layers
 * (the networks' architectures in colour): the shape of the noise and the wiring figures.
 */
function networksInGrey(title: string, values: object[], grey: { mark: 'line' | 'point'; x: Axis; y: Axis; detail?: string }, summary: object[]): TopLevelSpec {
  const mark = grey.mark === 'line' ? { type: 'line', color: '#bbbbbb', strokeWidth: 0.6, opacity: 0.6 } : { type: 'point', color: '#bbbbbb', size: 12, opacity: 0.6 };
  const axis = ({ field, title: t, domain }: Axis) => ({ field, type: 'quantitative', title: t, ...(domain ? { scale: { domain } } : {}) });
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 280,
    layer: [
      { data: { values }, mark, encoding: { x: axis(grey.x), y: axis(grey.y), ...(grey.detail ? { detail: { field: grey.detail } } : {}) } },
      ...summary,
    ],
  } as TopLevelSpec;
}

/** Architectures drawn in colour: fc, ff, io, ff-large when present, then the best by median fitness (up to 6). */
export function highlightedArchitectures(analysis: Analysis, count = 6): string[] {
  const present = new Set(analysis.architectures.map((a) => a.arch));
  const chosen = ['fc', 'ff', 'io', 'ff-large'].filter((a) => present.has(a));
  const rest = analysis.architectures
    .filter((a) => !chosen.includes(a.arch) && Number.isFinite(a.measures.fitness.median))
    .sort((a, b) => b.measures.fitness.median - a.measures.fitness.median);
  for (const a of rest) if (chosen.length < count) chosen.push(a.arch);
  return chosen;
}

/** The paper's Fig. 1C: fitness vs sensor noise, every network grey, chosen architectures' medians in colour. */
export function noiseFigure(analysis: Analysis): TopLevelSpec {
  const highlight = highlightedArchitectures(analysis);
  const networks = analysis.networks.flatMap((n) =>
    n.fitnessByNoise.map((f, k) => ({ id: n.id, arch: n.arch, noise: analysis.noise[k], fitness: num(f) })),
  );
  const medians = analysis.architectures
    .filter((a) => highlight.includes(a.arch))
    .flatMap((a) =>
      analysis.noise.map((noise, k) => {
        const values = analysis.networks.filter((n) => n.arch === a.arch).map((n) => n.fitnessByNoise[k]);
        return { arch: a.arch, noise, fitness: num(summarize(values).median) };
      }),
    );
  const grey = { mark: 'line' as const, x: { field: 'noise', title: 'sensor noise σs' }, y: { field: 'fitness', title: 'fitness', domain: [0, 1] as [number, number] }, detail: 'id' };
  return networksInGrey('Fitness vs sensor noise', networks, grey, [
    {
      data: { values: medians },
      mark: { type: 'line', strokeWidth: 2.2, point: true },
      encoding: {
        x: { field: 'noise', type: 'quantitative' },
        y: { field: 'fitness', type: 'quantitative' },
        color: { field: 'arch', type: 'nominal', title: 'median of', sort: highlight },
      },
    },
  ]);
}

/** Architectures ranked by their median of `measure`, IQR whiskers, coloured by significance against FC. */
export function rankingFigure(analysis: Analysis, measure: ComparedMeasure): TopLevelSpec {
  const rows = analysis.architectures
    .filter((a) => Number.isFinite(a.measures[measure].median))
    .map((a) => ({
      arch: a.arch,
      median: a.measures[measure].median,
      q1: num(a.measures[measure].q1),
      q3: num(a.measures[measure].q3),
      significance: a.measures[measure].significance,
    }));
  const many = rows.length > 40;
  return {
    $schema: SCHEMA,
    title: `Architectures ranked by ${MEASURE_LABELS[measure]} (α = ${analysis.alpha}, BH, vs FC)`,
    width: Math.max(300, Math.min(1200, rows.length * (many ? 7 : 22))),
    height: 240,
    data: { values: rows },
    encoding: {
      x: {
        field: 'arch',
        type: 'nominal',
        sort: { field: 'median', order: 'descending' },
        title: 'architecture',
        axis: many ? { labels: false, ticks: false } : { labelAngle: -60 },
      },
    },
    layer: [
      {
        mark: { type: 'rule', color: '#666666' },
        encoding: { y: { field: 'q1', type: 'quantitative', title: MEASURE_LABELS[measure] }, y2: { field: 'q3' } },
      },
      {
        mark: { type: 'point', filled: true, size: many ? 18 : 50 },
        encoding: {
          y: { field: 'median', type: 'quantitative' },
          color: { field: 'significance', type: 'nominal', scale: SIGNIFICANCE_COLOURS, title: 'vs FC' },
          tooltip: [{ field: 'arch' }, { field: 'median', format: '.3f' }, { field: 'significance' }],
        },
      },
    ],
  };
}

/** Memory M_k vs lag k: the median over each chosen architecture's networks with an IQR band. */
export function memoryFigure(analysis: Analysis): TopLevelSpec {
  const highlight = highlightedArchitectures(analysis);
  const rows = analysis.architectures
    .filter((a) => highlight.includes(a.arch))
    .flatMap((a: ArchitectureSummary) =>
      a.memory.map((m, lag) => ({ arch: a.arch, lag: -lag, median: num(m.median), q1: num(m.q1), q3: num(m.q3) })),
    )
    .filter((r) => r.median !== null);
  return {
    $schema: SCHEMA,
    title: 'Memory M_k = mean of S(t,k)/S(t,0)',
    config: CONFIG,
    width: 380,
    height: 260,
    data: { values: rows },
    encoding: {
      x: { field: 'lag', type: 'quantitative', title: 'lag k (steps)', axis: { tickMinStep: 1 } },
    },
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: {
          y: { field: 'q1', type: 'quantitative', title: 'M_k (symlog scale)', scale: { type: 'symlog' } },
          y2: { field: 'q3' },
          color: { field: 'arch', type: 'nominal', title: 'architecture', sort: highlight },
        },
      },
      {
        mark: { type: 'line', point: true },
        encoding: {
          y: { field: 'median', type: 'quantitative' },
          color: { field: 'arch', type: 'nominal', title: 'architecture', sort: highlight },
        },
      },
    ],
  };
}

/** Training curves: median test fitness per chosen architecture over training, with an IQR band. */
export function learningCurveFigure(analysis: Analysis): TopLevelSpec {
  const highlight = highlightedArchitectures(analysis);
  const rows: { arch: string; progress: number; median: number; q1: number; q3: number }[] = [];
  for (const arch of highlight) {
    const curves = analysis.networks.filter((n) => n.arch === arch && n.trainingCurve.length > 0).map((n) => n.trainingCurve);
    if (curves.length === 0) continue;
    const points = Math.min(...curves.map((c) => c.length));
    for (let k = 0; k < points; k++) {
      const s = summarize(curves.map((c) => c[k]));
      rows.push({ arch, progress: (100 * k) / points, median: s.median, q1: s.q1, q3: s.q3 });
    }
  }
  return {
    $schema: SCHEMA,
    title: 'Learning curves (test fitness at σs = 0.05 during training)',
    config: CONFIG,
    width: 420,
    height: 260,
    data: { values: rows },
    encoding: {
      x: { field: 'progress', type: 'quantitative', title: 'training episodes (% of the run)' },
    },
    layer: [
      {
        mark: { type: 'area', opacity: 0.18 },
        encoding: {
          y: { field: 'q1', type: 'quantitative', title: 'fitness' },
          y2: { field: 'q3' },
          color: { field: 'arch', type: 'nominal', title: 'architecture', sort: highlight },
        },
      },
      { mark: { type: 'line' }, encoding: { y: { field: 'median', type: 'quantitative' }, color: { field: 'arch', type: 'nominal', title: 'architecture', sort: highlight } } },
    ],
  };
}

/** The wiring-cost frontier: fitness vs number of weights, every network and each architecture's median. */
export function wiringFigure(analysis: Analysis): TopLevelSpec {
  const points = analysis.networks.filter((n) => Number.isFinite(n.fitness)).map((n) => ({ arch: n.arch, parameters: n.parameters, fitness: n.fitness }));
  const medians = analysis.architectures
    .filter((a) => Number.isFinite(a.measures.fitness.median))
    .map((a) => ({ arch: a.arch, parameters: a.parameters, median: a.measures.fitness.median, significance: a.measures.fitness.significance }));
  const fc = analysis.architectures.find((a) => a.arch === 'fc');
  const grey = { mark: 'point' as const, x: { field: 'parameters', title: 'weights' }, y: { field: 'fitness', title: 'fitness' } };
  return networksInGrey('Fitness vs number of weights (wiring cost)', points, grey, [
    {
      data: { values: medians },
      mark: { type: 'point', filled: true, size: 45 },
      encoding: {
        x: { field: 'parameters', type: 'quantitative' },
        y: { field: 'median', type: 'quantitative' },
        color: { field: 'significance', type: 'nominal', scale: SIGNIFICANCE_COLOURS, title: 'fitness vs FC' },
        tooltip: [{ field: 'arch' }, { field: 'parameters' }, { field: 'median', format: '.3f' }],
      },
    },
    ...(fc && Number.isFinite(fc.measures.fitness.median)
      ? [{ data: { values: [{ y: fc.measures.fitness.median }] }, mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#000000' }, encoding: { y: { field: 'y', type: 'quantitative' as const } } }]
      : []),
  ]);
}

/** Random-forest out-of-fold predictions against the truth, one panel per target (features: all). */
export function predictionFigure(analysis: Analysis): TopLevelSpec | undefined {
  const results = analysis.predictions.filter((p) => p.features === 'all');
  if (results.length === 0) return undefined;
  const panels = results.map((p) => {
    const rows = p.predictions.map((predicted, k) => ({ truth: p.truth[k], predicted }));
    return {
      title: `${p.target}: RMSE ${p.rmse.toPrecision(3)} (mean ${p.baselineRmse.toPrecision(3)})`,
      width: 220,
      height: 220,
      data: { values: rows },
      mark: { type: 'point' as const, size: 14, opacity: 0.6 },
      encoding: {
        x: { field: 'truth', type: 'quantitative' as const, title: 'true', scale: { zero: false } },
        y: { field: 'predicted', type: 'quantitative' as const, title: 'predicted (10-fold CV)', scale: { zero: false } },
      },
    };
  });
  return { $schema: SCHEMA, title: 'Random forests: predicted vs true (all features)', hconcat: panels } as TopLevelSpec;
}
