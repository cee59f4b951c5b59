import { PrnnError } from '@prnn/core';
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
  type Registry,
} from '@prnn/agents';
import { networkSensitivity } from '../jacobian/network-sensitivity.js';
import type { SensitivityProfile } from '../jacobian/sensitivity-profile.js';
import { recordTrials, type RecordedTrials } from '../trials/recorded-trials.js';
import { analysisRegistry, checkMazes } from './analyze-run.js';
import { ensureBackend } from './ensure-backend.js';

/**
 * One trained network of a run: its greedy test trials at σs = 0.05 on the run's test set (with its own
 * evaluation seed, as behind its stored fitness) and the sensitivity profile S(t, k) along them — exact, by
 * the family's registered `jacobian` kernel or autodiff through its step (`jacobian` says which). Feed the
 * profile to `inputSensitivity` and `memoryProfile`.
 */
export async function runNetworkProfile(
  runDir: string,
  id: string,
  options: { mazes?: number; registry?: Registry } = {},
): Promise<{ trials: RecordedTrials; profile: SensitivityProfile; fitness: number; jacobian: string }> {
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
  await ensureBackend();
  const registry = analysisRegistry(options);
  const architecture = registry.architecture(arch.family);
  const weights = await readNetworkWeights(run.dir, id, net.result);
  const policy = await OnnxPolicy.load(await runNetworkOnnx(run, net, architecture), { label: id });
  const network = architecture.network ? () => architecture.network!(arch, weights, task.channels) : undefined;
  try {
    const { trials, evaluation } = await recordTrials(evaluator, policy, net.entry.seed);
    const { profile, jacobian } = await networkSensitivity({ arch, weights, network, kernels: registry.kernels(arch.family) }, trials);
    const fitness = evaluation.fitness[0];
    if (fitness === null) throw new PrnnError(`network ${id}: no test trial has a defined fitness`);
    return { trials, profile, fitness, jacobian };
  } finally {
    await policy.release();
  }
}
