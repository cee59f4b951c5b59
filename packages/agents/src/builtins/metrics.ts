import { PrnnError } from '@prnn/core';
import { forEachRecordedStep, type Metric, type MetricInput } from '../sdk/metric.js';
import { definePlugin } from '../sdk/plugin.js';
import { TYPES } from '../sdk/tokens.js';
import { BUILTIN_VERSION } from './version.js';

/** Number of trainable weights of the network's architecture. */
export const parametersMetric: Metric = {
  name: 'parameters',
  description: 'number of weights of the architecture (present pathways only)',
  measure: ({ arch }: MetricInput) => arch.parameters,
};

function frobenius(w: Float32Array | undefined): number {
  if (!w) return 0;
  let sum = 0;
  for (let j = 0; j < w.length; j++) sum += w[j] * w[j];
  return Math.sqrt(sum);
}

/** docs/spec.md §4: the Frobenius norm of each weight matrix, 0 for those the family has but the network lacks. */
export const weightNormsMetric: Metric = {
  name: 'weight-norms',
  description: 'Frobenius norm of each weight matrix (9-pathway family: all 9 pathways, 0 when absent)',
  measure: ({ weights, parameterNames }: MetricInput) => {
    const names = parameterNames ?? Object.keys(weights);
    return Object.fromEntries(names.map((p) => [p, frobenius(weights[p])]));
  },
};

/** Mean over recorded test trials and steps of the mean |state| unit: how active the network is while solving. */
export const activityMetric: Metric = {
  name: 'activity',
  description: 'mean absolute recurrent-state activity over the recorded test trials (all units, all executed steps)',
  async measure({ trials }: MetricInput) {
    if (!trials) throw new PrnnError('activity needs recorded test trials (measure a run)');
    const r = await trials();
    let sum = 0;
    let count = 0;
    forEachRecordedStep(r, (_t, _i, row) => {
      for (let k = 0, at = row * r.stateSize; k < r.stateSize; k++) sum += Math.abs(r.states[at + k]);
      count += r.stateSize;
    });
    return count > 0 ? sum / count : 0;
  },
};

export const metricsPlugin = definePlugin({
  manifest: { name: '@prnn/agents/metrics', version: BUILTIN_VERSION, package: '@prnn/agents', description: 'built-in measures of trained networks' },
  module: ({ bind }) => {
    bind<Metric>(TYPES.Metric).toConstantValue(parametersMetric);
    bind<Metric>(TYPES.Metric).toConstantValue(weightNormsMetric);
    bind<Metric>(TYPES.Metric).toConstantValue(activityMetric);
  },
});
