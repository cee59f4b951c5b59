import { TYPES, definePlugin, type Learner } from '@prnn/agents';
import { a2cLearner } from './a2c.js';

export * from './a2c.js';

/** The plugin: name "@prnn/plugin-a2c" in prnn.config.json's "plugins" to get `--learner a2c`. */
export const plugin = definePlugin({
  manifest: {
    name: '@prnn/plugin-a2c',
    package: '@prnn/plugin-a2c',
    version: '0.1.0',
    description: 'learner a2c: recurrent advantage actor-critic with GAE, entropy bonus and a value head, trained through the VJP seam',
  },
  module: ({ bind }) => {
    bind<Learner>(TYPES.Learner).toConstantValue(a2cLearner);
  },
});

export default plugin;
