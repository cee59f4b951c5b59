import { TYPES, definePlugin, type Architecture } from '@prnn/agents';
import { maskedRnnArchitecture } from './masked-rnn.js';

export * from './masked-rnn.js';

/** The plugin: name "@prnn/plugin-masked-rnn" in prnn.config.json's "plugins" to get `--arch masked-ring2`. */
export const plugin = definePlugin({
  manifest: {
    name: '@prnn/plugin-masked-rnn',
    version: '0.1.0',
    description: 'architecture family masked-rnn: tanh units with masked recurrent connectivity (ring or a JSON mask file, optional Dale\'s law)',
  },
  module: ({ bind }) => {
    bind<Architecture>(TYPES.Architecture).toConstantValue(maskedRnnArchitecture);
  },
});

export default plugin;
