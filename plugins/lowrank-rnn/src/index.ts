import { TYPES, definePlugin, type Architecture } from '@prnn/agents';
import { lowRankArchitecture } from './lowrank-rnn.js';

export * from './lowrank-rnn.js';

/** The plugin: name "@prnn/plugin-lowrank-rnn" in prnn.config.json's "plugins" to get `--arch lowrank-r1`. */
export const plugin = definePlugin({
  manifest: {
    name: '@prnn/plugin-lowrank-rnn',
    version: '0.1.0',
    description: 'architecture family lowrank-rnn: tanh units, recurrent weights of rank 1 or 2',
  },
  module: ({ bind }) => {
    bind<Architecture>(TYPES.Architecture).toConstantValue(lowRankArchitecture);
  },
});

export default plugin;
