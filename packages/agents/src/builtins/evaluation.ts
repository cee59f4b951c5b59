import { evaluateRun } from '../eval/evaluate-run.js';
import { evaluatePolicy } from '../eval/policy-evaluator.js';
import type { FitnessEvaluator } from '../sdk/services.js';
import { definePlugin } from '../sdk/plugin.js';
import { TYPES } from '../sdk/tokens.js';
import { BUILTIN_VERSION } from './version.js';

/** The built-in fitness evaluator: noise sweeps of a run's networks (`evaluateRun`) or of one policy (`evaluatePolicy`). */
export const builtinEvaluator: FitnessEvaluator = {
  evaluateRun: (runDir, options) => evaluateRun(runDir, options),
  evaluatePolicy: (engine, options) => evaluatePolicy(engine, options),
};

/**
 * The built-in evaluation plugin, registered exactly like a third-party plugin: binds `builtinEvaluator` to
 * `TYPES.Evaluator`, which `prnn eval`, `prnn sweep run` and `prnn reproduce` resolve.
 */
export const evaluationPlugin = definePlugin({
  manifest: { name: '@prnn/agents/evaluation', version: BUILTIN_VERSION, package: '@prnn/agents', description: 'built-in fitness evaluator: noise sweeps through onnxruntime or tfjs' },
  module: ({ bind }) => {
    bind<FitnessEvaluator>(TYPES.Evaluator).toConstantValue(builtinEvaluator);
  },
});

export default evaluationPlugin;
