/**
 * Worker thread of AnalysisWorkerPool: rebuilds the registry from the caller's plugins, then analyses the
 * networks it is handed, one at a time, exactly as analyzeRuns does in the calling thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PrnnError } from '@prnn/core';
import { initBackend, loadPlugins, loadRun, PolicySessions, trainedNetworks, TEST_SET_SEED_OFFSET, type LoadedRun, type Registry, type RunNetwork } from '@prnn/agents';
import type { AnalysisReply, AnalysisRequest, AnalysisWorkerSetup } from './analysis-workers.js';
import { analysisRegistry, runTestEvaluators, testEvaluators } from './analyze-run.js';
import type { TestEvaluators } from './measure-network.js';
import type { NetworkAnalysis } from './network-analysis.js';
import { crossValidatedForest, type CrossValidatedRmse } from '../predict/random-forest-cv.js';
import { analyzeRunNetwork } from './run-network-analysis.js';
import { analyzeStoredNetwork } from './analyze-stored.js';
import { storedSweep } from './stored-sweep.js';

const setup = workerData as AnalysisWorkerSetup;
const port = parentPort!;

interface RunContext {
  readonly run: LoadedRun;
  readonly networks: Map<string, RunNetwork>;
  readonly evaluators: TestEvaluators;
  readonly stored: Map<string, number[]> | undefined;
}

let registry: Promise<Registry> | undefined;
const runs = new Map<string, Promise<RunContext>>();

async function runContext(dir: string, reg: Registry): Promise<RunContext> {
  const run = await loadRun(dir);
  return {
    run,
    networks: new Map(trainedNetworks(run).map((n) => [n.entry.id, n])),
    evaluators: runTestEvaluators(run, reg, setup.mazes, setup.noise),
    stored: await storedSweep(run, setup.mazes, setup.noise),
  };
}

function workerRegistry(): Promise<Registry> {
  registry ??= (async () => {
    await initBackend(setup.backend);
    const base = await loadPlugins({ cwd: setup.plugins.cwd, extra: setup.plugins.extra ? [...setup.plugins.extra] : [] });
    return analysisRegistry({ registry: base });
  })();
  return registry;
}

async function analyze(req: Extract<AnalysisRequest, { kind: 'network' }>): Promise<NetworkAnalysis> {
  const reg = await workerRegistry();
  if (!runs.has(req.dir)) runs.set(req.dir, runContext(req.dir, reg));
  const c = await runs.get(req.dir)!;
  const net = c.networks.get(req.id);
  if (!net) throw new PrnnError(`network ${req.id} of run ${req.dir} has no result`);
  return analyzeRunNetwork(c.run, net, {
    task: c.run.manifest.task,
    registry: reg,
    measures: new Set(setup.measures),
    evaluators: c.evaluators,
    storedSweep: c.stored?.get(req.id),
    several: req.several,
    fdStep: setup.fdStep,
    jacobianPath: setup.jacobianPath,
  });
}

// the test set of a store's networks: one per task and run seed
const storeEvaluators = new Map<string, TestEvaluators>();
// this thread's onnxruntime sessions for stored networks (one weight-fed session per architecture, the last two
// kept); they end with the thread
const storeSessions = new PolicySessions();

async function analyzeStored(req: Extract<AnalysisRequest, { kind: 'stored' }>): Promise<NetworkAnalysis> {
  const reg = await workerRegistry();
  const key = JSON.stringify([req.task, req.runSeed]);
  let evaluators = storeEvaluators.get(key);
  if (!evaluators) {
    evaluators = testEvaluators(req.task, setup.mazes, req.runSeed + TEST_SET_SEED_OFFSET, setup.noise);
    storeEvaluators.set(key, evaluators);
  }
  return analyzeStoredNetwork(req.network, {
    task: req.task,
    registry: reg,
    measures: new Set(setup.measures),
    evaluators,
    path: req.path,
    source: req.source,
    storedSweep: req.storedSweep,
    fdStep: setup.fdStep,
    jacobianPath: setup.jacobianPath,
    sessions: storeSessions,
  });
}

async function answer(req: AnalysisRequest): Promise<NetworkAnalysis | CrossValidatedRmse> {
  if (req.kind === 'network') return analyze(req);
  if (req.kind === 'stored') return analyzeStored(req);
  return crossValidatedForest(req.rows, req.y, req.options);
}

// one request at a time: the parent hands out the next when this one is answered
port.on('message', (req: AnalysisRequest) => {
  answer(req).then(
    (value) => port.postMessage({ k: req.k, value } satisfies AnalysisReply),
    (error: unknown) => port.postMessage({ k: req.k, error: error instanceof Error ? error.message : String(error), prnn: error instanceof PrnnError } satisfies AnalysisReply),
  );
});
