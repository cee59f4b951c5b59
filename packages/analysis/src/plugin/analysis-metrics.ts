import { PrnnError } from '@prnn/env';
import { definePlugin, TYPES, trapezoidArea, type Metric, type MetricInput } from '@prnn/agents';
import type { SensitivityProfile } from '../jacobian/sensitivity-profile.js';
import { inputSensitivity, memoryProfile } from '../measures/memory.js';
import { sampleEfficiency } from '../measures/sample-efficiency.js';

/**
 * What @prnn/analysis hands a metric besides the network's architecture and weights: the sensitivity
 * profile along its recorded test trials, its noise sweep and its training curve. Every field is optional
 * (the current metric contract's input plus optional fields); a metric that needs a missing one says so.
 */
export interface AnalysisMetricInput extends MetricInput {
  readonly profile?: SensitivityProfile;
  readonly noise?: readonly number[];
  readonly fitnessByNoise?: readonly number[];
  readonly trainingCurve?: readonly number[];
  /** θ of SPEC §4 (0.9 × the median fitness of all networks analysed). */
  readonly sampleEfficiencyThreshold?: number;
}

function need<T>(value: T | undefined, metric: string, what: string): T {
  if (value === undefined) throw new PrnnError(`metric ${metric} needs ${what}`);
  return value;
}

export const inputSensitivityMetric: Metric = {
  name: 'input-sensitivity',
  description: 'mean over recorded test trials and steps of ‖∂o_t/∂s_t‖_F (SPEC §4)',
  measure: (input: AnalysisMetricInput) => inputSensitivity(need(input.profile, 'input-sensitivity', 'recorded test trials (a sensitivity profile)')),
};

export const memoryMetric: Metric = {
  name: 'memory',
  description: 'M_k = mean of S(t,k)/S(t,0) for every lag k the task allows (SPEC §4)',
  measure: (input: AnalysisMetricInput) => {
    const m = memoryProfile(need(input.profile, 'memory', 'recorded test trials (a sensitivity profile)'));
    return Object.fromEntries(m.lags.map((lag, k) => [`M_${lag}`, m.memory[k]]));
  },
};

export const memoryCapacityMetric: Metric = {
  name: 'memory-capacity',
  description: 'Σ_k M_k (SPEC §4)',
  measure: (input: AnalysisMetricInput) => memoryProfile(need(input.profile, 'memory-capacity', 'recorded test trials (a sensitivity profile)')).capacity,
};

export const robustnessMetric: Metric = {
  name: 'robustness',
  description: 'trapezoid area under fitness(σs) over the noise sweep (SPEC §4)',
  measure: (input: AnalysisMetricInput) =>
    trapezoidArea(need(input.noise, 'robustness', 'a noise sweep'), need(input.fitnessByNoise, 'robustness', 'a noise sweep')),
};

export const sampleEfficiencyMetric: Metric = {
  name: 'sample-efficiency',
  description: '100 − first training-curve point ≥ θ = 0.9 × the sweep\'s median fitness, 0 unless two reach it (SPEC §4)',
  measure: (input: AnalysisMetricInput) =>
    sampleEfficiency(
      need(input.trainingCurve, 'sample-efficiency', 'a training curve'),
      need(input.sampleEfficiencyThreshold, 'sample-efficiency', 'the sweep-level threshold θ'),
    ),
};

export const ANALYSIS_METRICS: readonly Metric[] = [inputSensitivityMetric, memoryMetric, memoryCapacityMetric, robustnessMetric, sampleEfficiencyMetric];

/** @prnn/analysis's measures as metric plugins: registered exactly like a third-party plugin's metrics. */
export const analysisMetricsPlugin = definePlugin({
  manifest: {
    name: '@prnn/analysis/metrics',
    version: '0.1.0',
    package: '@prnn/analysis',
    description: 'the paper\'s measures from recorded test trials, noise sweeps and training curves',
  },
  module: ({ bind }) => {
    for (const metric of ANALYSIS_METRICS) bind<Metric>(TYPES.Metric).toConstantValue(metric);
  },
});
