import type { PrnnPlugin } from '../sdk/plugin.js';
import { evaluationPlugin } from './evaluation.js';
import { learnersPlugin } from './learners.js';
import { metricsPlugin } from './metrics.js';
import { ninePathwayPlugin } from './nine-pathway.js';

export { builtinEvaluator, evaluationPlugin } from './evaluation.js';

/** Every built-in plugin, in load order (they register through the same container as third-party ones). */
export function builtinPlugins(): PrnnPlugin[] {
  return [ninePathwayPlugin, learnersPlugin, metricsPlugin, evaluationPlugin];
}
