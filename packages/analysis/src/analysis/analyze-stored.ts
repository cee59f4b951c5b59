import type { TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { checkWorkers, PolicySessions, TEST_SET_SEED_OFFSET, type ArchInfo, type Registry } from '@prnn/agents';
import { checkMeasures, MEASURE_NAMES } from '../measures/measure-names.js';
import { sampleEfficiencyThreshold } from '../measures/sample-efficiency.js';
import type { AnalysisMetricInput } from '../plugin/analysis-metrics.js';
import { ensureBackend } from './ensure-backend.js';
import { analysisLevels, analysisRegistry, checkMazes, testEvaluators } from './analyze-run.js';
import { AnalysisWorkerPool } from './analysis-workers.js';
import { paperPredictionsWith } from '../predict/paper-predictions.js';
import type { AnalysisOptions } from './analysis-options.js';
import { measureNetwork, pluginMetricNames, type TestEvaluators } from './measure-network.js';
import type { NetworkAnalysis } from './network-analysis.js';
import { checkStoredWeights } from './stored-results.js';
import { predictionSamples, summarizeAnalysis, type Analysis, type SummarizeInput } from './summarize.js';

/** One trained network as a results store holds it (a row of a sweep's results.sqlite). */
export interface StoredNetwork {
  readonly id: string;
  readonly arch: ArchInfo;
  readonly seed: number;
  /** Test fitness after the last episode (null: undefined on every maze). */
  readonly fitness: number | null;
  readonly trainingCurve: readonly (number | null)[];
  /** The noise sweep evaluated when the network was stored, on the sweep's test set. */
  readonly noiseLevels: readonly number[];
  readonly noiseFitness: readonly (number | null)[];
  readonly weights: Readonly<Record<string, Float32Array>>;
}

/** A sweep's networks and what decides their test set, read from its store alone (no run directories). */
export interface StoredNetworks {
  /** Where they came from (the store's path), for error messages. */
  readonly path: string;
  /**
   * How the report names the store (e.g. `sweep smoke-track (results.sqlite)`); default `path`. A name that does
   * not depend on where the store lies makes a copied store give the same report as the original.
   */
  readonly name?: string;
  readonly task: TaskOptions;
  /** The sweep's run seed: every chunk's test set is runSeed + TEST_SET_SEED_OFFSET. */
  readonly runSeed: number;
  readonly learner: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Test mazes the stored noise sweeps used (reused when the analysis asks for the same mazes and levels). */
  readonly testMazes: number;
  readonly networks: readonly StoredNetwork[];
}

/** What measuring one stored network needs besides the network (shared by the calling thread and the workers). */
export interface StoredNetworkContext {
  readonly task: TaskOptions;
  readonly registry: Registry;
  readonly measures: ReadonlySet<string>;
  readonly evaluators: TestEvaluators;
  /** The store's path, for error messages. */
  readonly path: string;
  /** How the report names the store. */
  readonly source: string;
  /** The stored noise sweep, reused (undefined: measured again). */
  readonly storedSweep?: readonly number[];
  readonly fdStep?: number;
  readonly jacobianPath?: string;
  /**
   * The thread's onnxruntime sessions (one weight-fed session per architecture, shared by its networks); absent:
   * the network's own, released when it is measured.
   */
  readonly sessions?: PolicySessions;
}

/** Measures one stored network (sample efficiency is filled in later, from the threshold over all networks). */
export async function analyzeStoredNetwork(net: StoredNetwork, c: StoredNetworkContext): Promise<NetworkAnalysis> {
  const where = `network ${net.id} of store ${c.path}`;
  if (typeof net.fitness !== 'number' || !Number.isFinite(net.fitness)) {
    throw new PrnnError(`${where}: stored fitness is not a number (${JSON.stringify(net.fitness)}); retrain it or remove it from the store`);
  }
  checkStoredWeights(net.weights, where);
  const architecture = c.registry.architecture(net.arch.family);
  if (!architecture.exportOnnx) throw new PrnnError(`${where}: family ${net.arch.family} cannot export an ONNX policy, which the analysis runs`);
  const kernels = c.registry.kernels(net.arch.family);
  const sessions = c.sessions ?? new PolicySessions(1);
  const policy = await sessions.open(architecture, kernels, net.arch, net.weights, c.task.channels, net.id);
  const network = architecture.network ? () => architecture.network!(net.arch, net.weights, c.task.channels) : undefined;
  let measured: Awaited<ReturnType<typeof measureNetwork>>;
  try {
    measured = await measureNetwork(policy.engine, net.seed, c.evaluators, c.registry, { arch: net.arch, weights: net.weights, parameterNames: architecture.parameterNames?.() }, {
      measures: c.measures as Set<string>,
      storedSweep: c.storedSweep as number[] | undefined,
      fdStep: c.fdStep,
      network,
      kernels,
      jacobianPath: c.jacobianPath,
    });
  } finally {
    await policy.done();
    if (!c.sessions) await sessions.release();
  }
  return {
    source: c.source,
    id: net.id,
    family: net.arch.family,
    arch: net.arch.name,
    seed: net.seed,
    hidden: net.arch.hidden,
    parameters: net.arch.parameters,
    flags: { ...(net.arch.flags ?? {}) },
    storedFitness: net.fitness,
    ...measured,
    sampleEfficiency: Number.NaN,
    trainingCurve: net.trainingCurve.map((v) => (typeof v === 'number' ? v : Number.NaN)),
  };
}

/** The stored noise sweep of `net` when the analysis asks for the store's test mazes and levels, else undefined. */
export function reusableStoredSweep(net: StoredNetwork, mazes: number, noise: readonly number[], testMazes: number): number[] | undefined {
  return mazes === testMazes && JSON.stringify(net.noiseLevels) === JSON.stringify(noise) && net.noiseFitness.every((v) => typeof v === 'number')
    ? (net.noiseFitness as number[])
    : undefined;
}

/**
 * Analyses the networks of a results store (see analyzeRuns for the measures): each network's policy is
 * exported from its stored weights by its family, its stored noise sweep is reused when the analysis asks
 * for the same test mazes and levels, and its stored training curve gives sample efficiency. With
 * `options.workers` > 1 the networks, and then the prediction study's forests, are computed on worker threads
 * (each network handed over with its stored data; the same results as one thread).
 */
export async function analyzeStoredNetworks(input: StoredNetworks, options: AnalysisOptions = {}): Promise<Analysis> {
  if (input.networks.length === 0) throw new PrnnError(`store ${input.path} holds no finished network: run the sweep first`);
  const started = performance.now();
  await ensureBackend();
  const registry = analysisRegistry(options);
  const measures = new Set(checkMeasures(options.metrics ?? MEASURE_NAMES, pluginMetricNames(registry)));
  const mazes = checkMazes(options.mazes ?? 1000);
  const noise = analysisLevels(options);
  const { task } = input;
  const mazeSeed = input.runSeed + TEST_SET_SEED_OFFSET;
  const source = input.name ?? input.path;
  const total = input.networks.length;
  const workers = checkWorkers(options.workers ?? 1, 'workers');
  const pool =
    workers > 1 && total > 1
      ? new AnalysisWorkerPool(Math.min(workers, total), { mazes, noise, measures: [...measures], fdStep: options.fdStep, jacobianPath: options.jacobianPath, plugins: options.plugins ?? {} })
      : undefined;
  try {
    let reused = 0;
    const sweeps = input.networks.map((net) => reusableStoredSweep(net, mazes, noise, input.testMazes));
    for (const s of sweeps) if (s) reused++;
    let networks: NetworkAnalysis[] = [];
    if (pool) {
      networks = await pool.analyzeStored(
        input.networks.map((network, i) => ({ network, task, runSeed: input.runSeed, path: input.path, source, storedSweep: sweeps[i] })),
        (done, id) => options.onProgress?.(done, total, id),
      );
    } else {
      const evaluators = testEvaluators(task, mazes, mazeSeed, noise);
      const sessions = new PolicySessions();
      try {
        for (const [i, net] of input.networks.entries()) {
          networks.push(
            await analyzeStoredNetwork(net, {
              task,
              registry,
              measures,
              evaluators,
              path: input.path,
              source,
              storedSweep: sweeps[i],
              fdStep: options.fdStep,
              jacobianPath: options.jacobianPath,
              sessions,
            }),
          );
          options.onProgress?.(networks.length, total, net.id);
        }
      } finally {
        await sessions.release();
      }
    }
    let threshold = Number.NaN;
    if (measures.has('sample-efficiency')) {
      threshold = sampleEfficiencyThreshold(networks.map((n) => n.fitness));
      const metric = registry.metric('sample-efficiency');
      for (const n of networks) {
        const m: AnalysisMetricInput = { arch: { family: n.family, name: n.arch, hidden: n.hidden, parameters: n.parameters }, weights: {}, trainingCurve: n.trainingCurve, sampleEfficiencyThreshold: threshold };
        n.sampleEfficiency = n.trainingCurve.length > 0 ? ((await metric.measure(m)) as number) : Number.NaN;
      }
    }
    const summary: SummarizeInput = {
      task,
      mazes,
      noise,
      measures: [...measures],
      sources: [{ kind: 'store', path: source, learner: input.learner, runSeed: input.runSeed, config: input.config, networks: networks.length, mazeSeed, reusedEval: reused === networks.length }],
      networks,
      sampleEfficiencyThreshold: threshold,
      forest: options.forest,
      seconds: (performance.now() - started) / 1000,
    };
    // with workers, the prediction study's forests are computed on them too, all at once
    const samples = pool ? predictionSamples(summary) : undefined;
    const predictions = samples && pool ? await paperPredictionsWith(samples, options.forest ?? {}, (rows, y, o) => pool.forest(rows, y, o)) : undefined;
    return summarizeAnalysis(predictions ? { ...summary, predictions } : summary);
  } finally {
    await pool?.destroy();
  }
}
