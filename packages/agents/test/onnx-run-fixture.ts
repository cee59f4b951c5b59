// A tiny but real run directory for the export/eval tests, trained with the trainer's library (trainRun).
import { resolveTaskOptions } from '@prnn/env';
import { initBackend } from '../src/backend.js';
import { archInfo, createNinePathwayArchitecture } from '../src/architectures/nine-pathway/architecture.js';
import { parseArch } from '../src/architectures/nine-pathway/family.js';
import { dqnLearner } from '../src/learners/dqn.js';
import { trainRun } from '../src/training/train-run.js';

export const FIXTURE_TEST_MAZES = 24;

/** Trains fc (seeds 0, 1) and hh+oh (seed 0) for a few episodes on the Track task into `out`. */
export async function trainTinyRun(out: string): Promise<void> {
  const backend = await initBackend('cpu');
  const task = resolveTaskOptions('track', {});
  const architecture = createNinePathwayArchitecture();
  const members = [
    { arch: archInfo(parseArch('fc')), seed: 0 },
    { arch: archInfo(parseArch('fc')), seed: 1 },
    { arch: archInfo(parseArch('hh+oh')), seed: 0 },
  ];
  const config = dqnLearner.configure(task, { episodes: 20, curvePoints: 2, testMazes: FIXTURE_TEST_MAZES });
  await trainRun({ task, architecture, members, learner: dqnLearner, config, runSeed: 7, backend, out, population: 3 });
}
