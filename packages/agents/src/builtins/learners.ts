import { dqnLearner } from '../learners/dqn.js';
import type { Learner } from '../sdk/learner.js';
import { definePlugin } from '../sdk/plugin.js';
import { TYPES } from '../sdk/tokens.js';
import { BUILTIN_VERSION } from './version.js';

/** The built-in learners, registered exactly like a third-party plugin: `dqn` (docs/spec.md §3). */
export const learnersPlugin = definePlugin({
  manifest: { name: '@prnn/agents/learners', version: BUILTIN_VERSION, package: '@prnn/agents', description: 'built-in learners: dqn (the reference DQN)' },
  module: ({ bind }) => {
    bind<Learner>(TYPES.Learner).toConstantValue(dqnLearner);
  },
});

export default learnersPlugin;
