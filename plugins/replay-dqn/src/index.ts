import { TYPES, definePlugin, type Learner } from '@prnn/agents';
import { replayDqnLearner } from './replay-dqn.js';

export * from './replay-dqn.js';

/** The plugin: name "@prnn/plugin-replay-dqn" in prnn.config.json's "plugins" to get `--learner replay-dqn`. */
export const plugin = definePlugin({
  manifest: {
    name: '@prnn/plugin-replay-dqn',
    package: '@prnn/plugin-replay-dqn',
    version: '0.1.0',
    description: 'learner replay-dqn: DQN with an episode replay buffer and a target network (Mnih et al. 2013)',
  },
  module: ({ bind }) => {
    bind<Learner>(TYPES.Learner).toConstantValue(replayDqnLearner);
  },
});

export default plugin;
