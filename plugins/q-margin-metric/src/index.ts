import { TYPES, definePlugin, type Metric } from '@prnn/agents';
import { qMarginMetric } from './q-margin.js';

export * from './q-margin.js';

/** The plugin: name "@prnn/plugin-q-margin-metric" in prnn.config.json's "plugins" to get `prnn measure --metric q-margin`. */
export const plugin = definePlugin({
  manifest: { name: '@prnn/plugin-q-margin-metric', version: '0.1.0', description: 'metric q-margin: how decisive a network is on its test trials' },
  module: ({ bind }) => {
    bind<Metric>(TYPES.Metric).toConstantValue(qMarginMetric);
  },
});

export default plugin;
