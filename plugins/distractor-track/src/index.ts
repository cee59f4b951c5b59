import { TYPES, definePlugin, type TaskSource } from '@prnn/agents';
import { distractorTrack } from './distractor-track.js';

export * from './distractor-track.js';

/** The plugin: name "@prnn/plugin-distractor-track" in prnn.config.json's "plugins" to get `--task distractor/Track-v0`. */
export const plugin = definePlugin({
  manifest: { name: '@prnn/plugin-distractor-track', version: '0.1.0', description: 'task distractor/Track-v0: the Track maze with a distractor cue channel' },
  module: ({ bind }) => {
    bind<TaskSource>(TYPES.Task).toConstantValue(distractorTrack);
  },
});

export default plugin;
