import { TYPES, definePlugin, type Architecture } from '@prnn/agents';
import { gruArchitecture } from './gru.js';

export * from './gru.js';

/** The plugin: name "@prnn/plugin-gru" in prnn.config.json's "plugins" to get `--arch gru`. */
export const plugin = definePlugin({
  manifest: {
    name: '@prnn/plugin-gru',
    version: '0.1.0',
    description: 'architecture family gru: gated recurrent units, trained on the compiled path',
  },
  module: ({ bind }) => {
    bind<Architecture>(TYPES.Architecture).toConstantValue(gruArchitecture);
  },
});

export default plugin;
