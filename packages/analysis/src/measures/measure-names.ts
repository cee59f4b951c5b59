import { PrnnError } from '@prnn/core';

/** The measures `analyzeRun` computes (docs/spec.md §4), by registry name. */
export const MEASURES = {
  fitness: 'mean greedy test fitness at σs = 0.05',
  'noise-sweep': 'fitness at each of the 21 sensor-noise levels σs = 0, 0.025, …, 0.5',
  robustness: 'trapezoid area under fitness(σs) over [0, 0.5]',
  'sample-efficiency': '100 − first training-curve point ≥ 0.9 × the sweep\'s median fitness (0 unless two points reach it)',
  'input-sensitivity': 'mean over test trials and steps of ‖∂o_t/∂s_t‖_F',
  memory: 'M_k = mean of S(t,k)/S(t,0) for every lag k the task allows',
  'memory-capacity': 'Σ_k M_k',
  'weight-norms': 'Frobenius norm of each of the 9 pathways (0 when absent)',
  parameters: 'number of weights',
} as const;

/** Name of a built-in measure (a key of the measure table). */
export type MeasureName = keyof typeof MEASURES;
/** Every built-in measure name, in table order (the default of `--metrics`). */
export const MEASURE_NAMES = Object.keys(MEASURES) as MeasureName[];

/**
 * Checks a list of measure names (e.g. from --metrics) against the built-in measures and the names of
 * plugin metrics; unknown names are a PrnnError listing the known ones.
 */
export function checkMeasures(names: readonly string[], pluginMetrics: readonly string[] = []): string[] {
  const known = [...MEASURE_NAMES, ...pluginMetrics];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new PrnnError(`unknown metric ${unknown.map((n) => JSON.stringify(n)).join(', ')}: use one or more of ${known.join(', ')}`);
  }
  if (names.length === 0) throw new PrnnError(`metrics must name at least one of ${known.join(', ')}`);
  return [...new Set(names)];
}
