import { PrnnError } from '@prnn/core';
import { definePlugin, TYPES, trapezoidArea, type Metric, type MetricInput } from '@prnn/agents';
import { networkSensitivity } from '../jacobian/network-sensitivity.js';
import type { SensitivityProfile } from '../jacobian/sensitivity-profile.js';
import { inputSensitivity, memoryProfile } from '../measures/memory.js';
import { sampleEfficiency } from '../measures/sample-efficiency.js';
import { trialsOfRecording } from '../trials/recorded-trials.js';

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
  /** θ of docs/spec.md §4 (0.9 × the median fitness of all networks analysed). */
  readonly sampleEfficiencyThreshold?: number;
}

function need<T>(value: T | undefined, metric: string, what: string): T {
  if (value === undefined) throw new PrnnError(`metric ${metric} needs ${what}`);
  return value;
}

const computed = new WeakMap<MetricInput, Promise<{ profile: SensitivityProfile; jacobian: string }>>();

/**
 * The sensitivity profile a Jacobian measure works on: the one the analysis passes, else computed once per
 * input (shared by the three measures) from the recorded trials — by the family's registered `jacobian`
 * kernel when one applies, else exactly by autodiff through the network's step.
 */
export async function metricSensitivity(input: AnalysisMetricInput, metric: string): Promise<{ profile: SensitivityProfile; jacobian: string | undefined }> {
  if (input.profile) return { profile: input.profile, jacobian: undefined };
  let pending = computed.get(input);
  if (!pending) {
    if (!input.trials || !(input.network || input.kernels?.jacobian().length)) {
      throw new PrnnError(`metric ${metric} needs recorded test trials and a differentiable step: family ${input.arch.family} offers neither a step nor a jacobian kernel`);
    }
    const trials = input.trials;
    pending = (async () => networkSensitivity({ arch: input.arch, weights: input.weights, kernels: input.kernels, network: input.network }, trialsOfRecording(await trials())))();
    computed.set(input, pending);
  }
  return pending;
}

/** Metric `input-sensitivity`: mean ‖∂o_t/∂s_t‖_F over the recorded test trials and steps (docs/spec.md §4). */
export const inputSensitivityMetric: Metric = {
  name: 'input-sensitivity',
  description: 'mean over recorded test trials and steps of ‖∂o_t/∂s_t‖_F (docs/spec.md §4)',
  measure: async (input: AnalysisMetricInput) => inputSensitivity((await metricSensitivity(input, 'input-sensitivity')).profile),
};

/** Metric `memory`: M_k for every lag the task allows, as named numbers `M_<lag>` (docs/spec.md §4). */
export const memoryMetric: Metric = {
  name: 'memory',
  description: 'M_k = mean of S(t,k)/S(t,0) for every lag k the task allows (docs/spec.md §4)',
  measure: async (input: AnalysisMetricInput) => {
    const m = memoryProfile((await metricSensitivity(input, 'memory')).profile);
    return Object.fromEntries(m.lags.map((lag, k) => [`M_${lag}`, m.memory[k]]));
  },
};

/** Metric `memory-capacity`: Σ_k M_k (docs/spec.md §4). */
export const memoryCapacityMetric: Metric = {
  name: 'memory-capacity',
  description: 'Σ_k M_k (docs/spec.md §4)',
  measure: async (input: AnalysisMetricInput) => memoryProfile((await metricSensitivity(input, 'memory-capacity')).profile).capacity,
};

/** Metric `robustness`: trapezoid area under fitness over the noise sweep (docs/spec.md §4). */
export const robustnessMetric: Metric = {
  name: 'robustness',
  description: 'trapezoid area under fitness(σs) over the noise sweep (docs/spec.md §4)',
  measure: (input: AnalysisMetricInput) =>
    trapezoidArea(need(input.noise, 'robustness', 'a noise sweep'), need(input.fitnessByNoise, 'robustness', 'a noise sweep')),
};

/**
 * Metric `sample-efficiency`: 100 minus the first training-curve point reaching 0.9 × the sweep's median fitness
 * (docs/spec.md §4).
 */
export const sampleEfficiencyMetric: Metric = {
  name: 'sample-efficiency',
  description: '100 − first training-curve point ≥ θ = 0.9 × the sweep\'s median fitness, 0 unless two reach it (docs/spec.md §4)',
  measure: (input: AnalysisMetricInput) =>
    sampleEfficiency(
      need(input.trainingCurve, 'sample-efficiency', 'a training curve'),
      need(input.sampleEfficiencyThreshold, 'sample-efficiency', 'the sweep-level threshold θ'),
    ),
};

/** The five measures above, in registration order. */
export const ANALYSIS_METRICS: readonly Metric[] = [inputSensitivityMetric, memoryMetric, memoryCapacityMetric, robustnessMetric, sampleEfficiencyMetric];

/**
 * @prnn/analysis's measures as metric plugins, registered exactly like a third-party plugin's metrics. (Every
 * family defined by its step, the 9-pathway one included, gets its `compiled` jacobian kernel from the registry.)
 */
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
