import { TYPES, definePlugin, type TrainingLogger } from '@prnn/agents';
import { JSONL_LOGGER_OPTIONS, JsonlLogger, optionsFromEnv, type JsonlLoggerOptions } from './jsonl-logger.js';

export * from './jsonl-logger.js';

/**
 * The plugin: name "@prnn/plugin-jsonl-logger" in prnn.config.json's "plugins" and `prnn train` writes its
 * events as JSON lines (to `$PRNN_JSONL_LOG`, else `<out>/events.jsonl`).
 */
export const plugin = definePlugin({
  manifest: { name: '@prnn/plugin-jsonl-logger', version: '0.1.0', description: 'training events as JSON lines' },
  module: ({ bind }) => {
    // the container builds the logger (an @injectable class) with its options; both are made when a run
    // resolves its loggers, so the environment is read then, not when the plugin loads
    bind<JsonlLoggerOptions>(JSONL_LOGGER_OPTIONS).toDynamicValue(() => optionsFromEnv()).inTransientScope();
    bind<TrainingLogger>(TYPES.Logger).to(JsonlLogger).inTransientScope();
  },
});

export default plugin;
