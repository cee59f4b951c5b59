import { TYPES, definePlugin, type TrainingLogger } from '@prnn/agents';
import { JsonlLogger, optionsFromEnv } from './jsonl-logger.js';

export * from './jsonl-logger.js';

/**
 * The plugin: name "@prnn/plugin-jsonl-logger" in prnn.config.json's "plugins" and `prnn train` writes its
 * events as JSON lines (to `$PRNN_JSONL_LOG`, else `<out>/events.jsonl`).
 */
export const plugin = definePlugin({
  manifest: { name: '@prnn/plugin-jsonl-logger', version: '0.1.0', description: 'training events as JSON lines' },
  module: ({ bind }) => {
    // a dynamic value: the environment is read when a run resolves its loggers, not when the plugin loads
    bind<TrainingLogger>(TYPES.Logger).toDynamicValue(() => new JsonlLogger(optionsFromEnv())).inTransientScope();
  },
});

export default plugin;
