import { PrnnError } from '@prnn/env';
import {
  loadRun,
  OnnxPolicy,
  PAPER_FITNESS_NOISE,
  PolicyEvaluator,
  readNetworkWeights,
  runNetworkArch,
  runNetworkOnnx,
  selectOneNetwork,
  TEST_SET_SEED_OFFSET,
} from '@prnn/agents';
import { finiteDifferenceSensitivity } from '../jacobian/finite-difference-jacobian.js';
import { NinePathwayJacobian } from '../jacobian/nine-pathway-jacobian.js';
import type { SensitivityProfile } from '../jacobian/sensitivity-profile.js';
import { recordTrials, type RecordedTrials } from '../trials/recorded-trials.js';
import { analysisRegistry, checkMazes } from './analyze-run.js';

/**
 * One trained network of a run: its greedy test trials at σs = 0.05 on the run's test set (with its own
 * evaluation seed, as behind its stored fitness) and the sensitivity profile S(t, k) along them — exact for
 * the 9-pathway family, finite differences through its ONNX export otherwise. Feed the profile to
 * `inputSensitivity` and `memoryProfile`.
 */
export async function runNetworkProfile(
  runDir: string,
  id: string,
  options: { mazes?: number } = {},
): Promise<{ trials: RecordedTrials; profile: SensitivityProfile; fitness: number }> {
  const run = await loadRun(runDir);
  const net = selectOneNetwork(run, { id });
  const arch = runNetworkArch(net);
  const task = run.manifest.task;
  const evaluator = new PolicyEvaluator({
    task,
    mazes: checkMazes(options.mazes ?? 1000),
    mazeSeed: run.manifest.runSeed + TEST_SET_SEED_OFFSET,
    noise: [PAPER_FITNESS_NOISE],
  });
  const policy = await OnnxPolicy.load(await runNetworkOnnx(run, net, analysisRegistry({}).architecture(arch.family)), { label: id });
  try {
    const { trials, evaluation } = await recordTrials(evaluator, policy, net.entry.seed);
    let profile: SensitivityProfile;
    if (arch.family === 'nine-pathway') {
      const weights = await readNetworkWeights(run.dir, id, net.result);
      profile = new NinePathwayJacobian(weights, { inputs: 4 * task.channels, hidden: arch.hidden, outputs: 5 }, task.steps).run(trials);
    } else {
      profile = (await finiteDifferenceSensitivity(policy, trials)).profile;
    }
    const fitness = evaluation.fitness[0];
    if (fitness === null) throw new PrnnError(`network ${id}: no test trial has a defined fitness`);
    return { trials, profile, fitness };
  } finally {
    await policy.release();
  }
}
