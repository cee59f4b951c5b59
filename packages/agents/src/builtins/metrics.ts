import { PATHWAYS } from '../architectures/nine-pathway/family.js';
import type { Metric, MetricInput } from '../sdk/metric.js';
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

/** SPEC §4: the Frobenius norm of each weight matrix; the 9 pathways of the 9-pathway family, 0 when absent. */
export const weightNormsMetric: Metric = {
  name: 'weight-norms',
  description: 'Frobenius norm of each weight matrix (9-pathway family: all 9 pathways, 0 when absent)',
  measure: ({ arch, weights }: MetricInput) => {
    const names = arch.family === 'nine-pathway' ? [...PATHWAYS] : Object.keys(weights);
    return Object.fromEntries(names.map((p) => [p, frobenius(weights[p])]));
  },
};

export const metricsPlugin = definePlugin({
  manifest: { name: '@prnn/agents/metrics', version: BUILTIN_VERSION, package: '@prnn/agents', description: 'built-in measures of trained networks' },
  module: ({ bind }) => {
    bind<Metric>(TYPES.Metric).toConstantValue(parametersMetric);
    bind<Metric>(TYPES.Metric).toConstantValue(weightNormsMetric);
  },
});
