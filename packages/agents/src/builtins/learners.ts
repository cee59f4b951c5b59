import { dqnLearner } from '../learners/dqn.js';
import type { Learner } from '../sdk/learner.js';
import type { TrainerRuntime } from '../sdk/services.js';
import { trainRun } from '../training/train-run.js';
import { definePlugin } from '../sdk/plugin.js';
import { TYPES } from '../sdk/tokens.js';
import { BUILTIN_VERSION } from './version.js';

/**
 * The built-in learners, registered exactly like a third-party plugin: `dqn` (docs/spec.md §3), and the trainer
 * runtime that trains a run's populations with them (`trainRun`).
 */
export const learnersPlugin = definePlugin({
  manifest: { name: '@prnn/agents/learners', version: BUILTIN_VERSION, package: '@prnn/agents', description: 'built-in learners: dqn (the reference DQN)' },
  module: ({ bind }) => {
    bind<Learner>(TYPES.Learner).toConstantValue(dqnLearner);
    bind<TrainerRuntime>(TYPES.TrainerRuntime).toConstantValue({ train: (options) => trainRun(options) });
  },
});

export default learnersPlugin;
