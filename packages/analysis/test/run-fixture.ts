// A small but real run directory for the analysis tests, trained with the trainer's library (trainRun).
import { resolveTaskOptions } from '@prnn/env';
import { archInfo, builtinPlugins, createContainer, dqnLearner, initBackend, parseArch, trainRun } from '@prnn/agents';

export const FIXTURE_TEST_MAZES = 40;
export const FIXTURE_ARCHS = ['fc', 'ff', 'hh+oh'];
export const FIXTURE_SEEDS = 3;

/** fc, ff and hh+oh, 3 seeds each, 300 episodes on the Track task, run seed 0, into `out`. */
export async function trainSmallRun(out: string): Promise<void> {
  const backend = await initBackend('cpu');
  const task = resolveTaskOptions('track', {});
  const members = FIXTURE_ARCHS.flatMap((a) => Array.from({ length: FIXTURE_SEEDS }, (_, seed) => ({ arch: archInfo(parseArch(a)), seed })));
  const config = dqnLearner.configure(task, { episodes: 300, curvePoints: 10, testMazes: FIXTURE_TEST_MAZES });
  const registry = createContainer(builtinPlugins());
  const family = members[0].arch.family;
  await trainRun({ task, architecture: registry.architecture(family), kernels: registry.kernels(family), members, learner: dqnLearner, config, runSeed: 0, backend, out, population: 9 });
}
