import { basename } from 'node:path';
import { OnnxPolicy, readNetworkWeights, runNetworkArch, runNetworkOnnx, type LoadedRun, type Registry, type RunNetwork } from '@prnn/agents';
import type { TaskOptions } from '@prnn/env';
import { measureNetwork, type TestEvaluators } from './measure-network.js';
import type { NetworkAnalysis } from './network-analysis.js';
import { checkStoredWeights } from './stored-results.js';

/** What the analysis of one network of a run needs besides the network. */
export interface RunNetworkContext {
  readonly task: TaskOptions;
  readonly registry: Registry;
  readonly measures: ReadonlySet<string>;
  /** The run's test-set evaluators (its own test set, the analysis' mazes and levels). */
  readonly evaluators: TestEvaluators;
  /** The network's stored noise sweep (eval.json), reused instead of evaluating. */
  readonly storedSweep?: readonly number[];
  /** Several runs are analysed: ids become `<run>/<id>`. */
  readonly several: boolean;
  readonly fdStep?: number;
  readonly jacobianPath?: string;
}

/**
 * Every measure of one trained network of a run (sample efficiency, which needs all networks, is NaN):
 * its weights checked, its ONNX policy through measureNetwork. The same in the calling thread and in an
 * analysis worker, so the result does not depend on where it ran.
 */
export async function analyzeRunNetwork(run: LoadedRun, net: RunNetwork, c: RunNetworkContext): Promise<NetworkAnalysis> {
  const { registry, task } = c;
  const arch = runNetworkArch(net);
  const where = `network ${net.entry.id} of run ${run.dir}`;
  const weights = await readNetworkWeights(run.dir, net.entry.id, net.result);
  checkStoredWeights(weights, where);
  const architecture = registry.architecture(arch.family);
  const policy = await OnnxPolicy.load(await runNetworkOnnx(run, net, architecture), { label: net.entry.id });
  const network = architecture.network ? () => architecture.network!(arch, weights, task.channels) : undefined;
  let measured: Awaited<ReturnType<typeof measureNetwork>>;
  try {
    measured = await measureNetwork(policy, net.entry.seed, c.evaluators, registry, { arch, weights, parameterNames: architecture.parameterNames?.() }, {
      measures: c.measures,
      storedSweep: c.storedSweep,
      fdStep: c.fdStep,
      network,
      kernels: registry.kernels(arch.family),
      jacobianPath: c.jacobianPath,
    });
  } finally {
    await policy.release();
  }
  return {
    source: run.dir,
    id: c.several ? `${basename(run.dir)}/${net.entry.id}` : net.entry.id,
    family: arch.family,
    arch: arch.name,
    seed: net.entry.seed,
    hidden: arch.hidden,
    parameters: arch.parameters,
    flags: { ...(arch.flags ?? {}) },
    storedFitness: net.result.fitness as number,
    ...measured,
    sampleEfficiency: Number.NaN,
    trainingCurve: net.result.trainingCurve.map((v) => v as number),
  };
}
