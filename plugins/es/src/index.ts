import { TYPES, definePlugin, type Learner } from '@prnn/agents';
import { esLearner } from './es.js';

export * from './es.js';

/** The plugin: name "@prnn/plugin-es" in prnn.config.json's "plugins" to get `--learner es`. */
export const plugin = definePlugin({
  manifest: {
    name: '@prnn/plugin-es',
    package: '@prnn/plugin-es',
    version: '0.1.0',
    description: 'learner es: OpenAI-style evolution strategies (antithetic Gaussian perturbations, centred ranks, Adam), forward passes only',
  },
  module: ({ bind }) => {
    bind<Learner>(TYPES.Learner).toConstantValue(esLearner);
  },
});

export default plugin;
