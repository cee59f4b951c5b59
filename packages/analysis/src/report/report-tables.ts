import { OPTIONAL_PATHWAYS, PATHWAYS } from '@prnn/agents';
import { COMPARED_MEASURES, type Analysis } from '../analysis/summarize.js';
import { EFFECT_CONFIDENCE } from '../stats/effect-size.js';

/** A table of a report: column names in order and one record per row. */
export interface Table {
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
}

/** One row per network with every measure (networks.csv). */
export function networkTable(a: Analysis): Table {
  const extras = [...new Set(a.networks.flatMap((n) => Object.keys(n.extra)))];
  const lags = Array.from({ length: a.task.steps }, (_, k) => `M_${k === 0 ? 0 : -k}`);
  const columns = [
    'id', 'source', 'family', 'arch', 'seed', 'hidden', 'parameters',
    ...OPTIONAL_PATHWAYS.map((p) => `flag_${p}`),
    'stored_fitness', 'fitness', 'robustness', 'sample_efficiency', 'input_sensitivity', 'memory_capacity', ...lags,
    ...PATHWAYS.map((p) => `norm_${p}`),
    ...a.noise.map((s) => `fitness_at_${s}`),
    ...extras,
    'jacobian',
    'jacobian_note',
  ];
  const rows = a.networks.map((n) => ({
    id: n.id, source: n.source, family: n.family, arch: n.arch, seed: n.seed, hidden: n.hidden, parameters: n.parameters,
    ...Object.fromEntries(OPTIONAL_PATHWAYS.map((p) => [`flag_${p}`, n.flags[p] === undefined ? '' : n.flags[p] ? 1 : 0])),
    stored_fitness: n.storedFitness, fitness: n.fitness, robustness: n.robustness, sample_efficiency: n.sampleEfficiency,
    input_sensitivity: n.inputSensitivity, memory_capacity: n.memoryCapacity,
    ...Object.fromEntries(lags.map((l, k) => [l, n.memory[k]])),
    ...Object.fromEntries(PATHWAYS.map((p) => [`norm_${p}`, n.weightNorms[p]])),
    ...Object.fromEntries(a.noise.map((s, k) => [`fitness_at_${s}`, n.fitnessByNoise[k]])),
    ...Object.fromEntries(extras.map((e) => [e, n.extra[e]])),
    jacobian: n.jacobian,
    jacobian_note: n.jacobianNote ?? '',
  }));
  return { columns, rows };
}

const short = (v: number) => (Number.isFinite(v) ? v.toPrecision(3) : '—');

/**
 * "shift [low, high]" of a Hodges–Lehmann estimate for the report (empty when not tested), followed by the
 * interval's actual coverage when too few networks make it less than EFFECT_CONFIDENCE: "… (67 %)".
 */
export function effectText(shift: number, low: number, high: number, coverage = EFFECT_CONFIDENCE): string {
  if (!Number.isFinite(shift)) return '';
  const text = `${short(shift)} [${short(low)}, ${short(high)}]`;
  return coverage < EFFECT_CONFIDENCE - 1e-9 ? `${text} (${Math.round(coverage * 100)} %)` : text;
}

const SNAKE: Record<string, string> = {
  fitness: 'fitness', robustness: 'robustness', sampleEfficiency: 'sample_efficiency', inputSensitivity: 'input_sensitivity', memoryCapacity: 'memory_capacity',
};

/**
 * One row per architecture: medians, IQRs, BH-adjusted one-sided p-values vs FC, significance, and the effect
 * size of each comparison — Hodges–Lehmann shift vs FC with its 95 % interval and Cliff's delta (architectures.csv).
 */
export function architectureTable(a: Analysis): Table {
  const columns = ['arch', 'family', 'parameters', 'networks'];
  for (const m of COMPARED_MEASURES) {
    const s = SNAKE[m];
    columns.push(`${s}_median`, `${s}_q1`, `${s}_q3`, `${s}_n`, `${s}_p_higher`, `${s}_p_lower`, `${s}_vs_fc`, `${s}_shift`, `${s}_shift_ci_low`, `${s}_shift_ci_high`, `${s}_shift_ci_coverage`, `${s}_cliff_delta`);
  }
  const rows = a.architectures.map((arch) => {
    const row: Record<string, unknown> = { arch: arch.arch, family: arch.family, parameters: arch.parameters, networks: arch.networks };
    for (const m of COMPARED_MEASURES) {
      const c = arch.measures[m];
      const s = SNAKE[m];
      Object.assign(row, {
        [`${s}_median`]: c.median, [`${s}_q1`]: c.q1, [`${s}_q3`]: c.q3, [`${s}_n`]: c.n,
        [`${s}_p_higher`]: c.pHigher, [`${s}_p_lower`]: c.pLower, [`${s}_vs_fc`]: c.significance,
        [`${s}_shift`]: c.shift, [`${s}_shift_ci_low`]: c.shiftLow, [`${s}_shift_ci_high`]: c.shiftHigh, [`${s}_shift_ci_coverage`]: c.shiftCoverage, [`${s}_cliff_delta`]: c.cliffDelta,
        [`${s}_effect`]: effectText(c.shift, c.shiftLow, c.shiftHigh, c.shiftCoverage),
      });
    }
    return row;
  });
  return { columns, rows };
}

/**
 * One row per (network, lag k ≤ −1) of what lies behind M_k (memory.csv): the mean of ratios (the paper's
 * M_k), the ratio of means, the median ratio, the pairs behind it, how many had S(t,0) below the floor, the
 * share of the sum held by the largest 1 % of ratios, and whether the lag is flagged as carried by a few pairs.
 */
export function memoryTable(a: Analysis): Table {
  const columns = ['id', 'arch', 'lag', 'mean_of_ratios', 'ratio_of_means', 'median_ratio', 'pairs', 'floor', 'below_floor', 'top_share', 'flagged'];
  const rows = a.networks.flatMap((n) => {
    const d = n.memoryDiagnostics;
    if (!d) return [];
    return d.lags.flatMap((lag, k) =>
      lag === 0
        ? []
        : [{
            id: n.id, arch: n.arch, lag, mean_of_ratios: d.meanOfRatios[k], ratio_of_means: d.ratioOfMeans[k], median_ratio: d.medianRatio[k],
            pairs: d.pairs[k], floor: d.floor, below_floor: d.belowFloor[k], top_share: d.topShare[k], flagged: d.flagged.includes(lag) ? 1 : 0,
          }],
    );
  });
  return { columns, rows };
}

/**
 * One row per (target, feature set) prediction: RMSE, baseline RMSE, their ratio, samples and folds (predictions.csv).
 */
export function predictionTable(a: Analysis): Table {
  return {
    columns: ['target', 'features', 'rmse', 'baseline_rmse', 'ratio', 'samples', 'folds'],
    rows: a.predictions.map((p) => ({
      target: p.target, features: p.features, rmse: p.rmse, baseline_rmse: p.baselineRmse,
      ratio: p.baselineRmse > 0 ? p.rmse / p.baselineRmse : Number.NaN, samples: p.samples, folds: p.folds,
    })),
  };
}

/** The headline rows (paper value, prnn value, networks per measure) as a table (headline.csv). */
export function headlineCsvTable(a: Analysis): Table {
  return { columns: ['measure', 'paper', 'prnn', 'networks'], rows: a.headline.map((r) => ({ ...r })) };
}
