import { PrnnError } from '@prnn/core';
import {
  loadRun,
  PAPER_NOISE_SPEC,
  parseNoiseSpec,
  PolicyEvaluator,
  PAPER_FITNESS_NOISE,
  TEST_SET_SEED_OFFSET,
  trainedNetworks,
  builtinPlugins,
  createContainer,
  checkWorkers,
  runTaskSource,
  type Registry,
  type TaskSource,
  type LoadedRun,
  type RunNetwork,
} from '@prnn/agents';
import { checkMeasures, MEASURE_NAMES } from '../measures/measure-names.js';
import { sampleEfficiencyThreshold } from '../measures/sample-efficiency.js';
import { analysisMetricsPlugin, type AnalysisMetricInput } from '../plugin/analysis-metrics.js';
import type { AnalysisOptions } from './analysis-options.js';
import { ensureBackend } from './ensure-backend.js';
import { pluginMetricNames, type TestEvaluators } from './measure-network.js';
import type { NetworkAnalysis } from './network-analysis.js';
import { checkStoredResult } from './stored-results.js';
import { analyzeRunNetwork } from './run-network-analysis.js';
import { AnalysisWorkerPool, type AnalysisJob } from './analysis-workers.js';
import { predictionSamples, summarizeAnalysis, type Analysis, type AnalysisSource, type SummarizeInput } from './summarize.js';
import { paperPredictionsWith } from '../predict/paper-predictions.js';
import { storedSweep } from './stored-sweep.js';

/** The noise levels of an analysis: `options.noise`, else the paper's 21 levels 0, 0.025, …, 0.5. */
export function analysisLevels(options: AnalysisOptions): number[] {
  return [...(options.noise ?? parseNoiseSpec(PAPER_NOISE_SPEC))];
}

/**
 * The two evaluators of a network's test: one over the noise sweep, one recording trials at the paper's fitness noise;
 * both on the same seeded test mazes (those of `source`, a plugin task's, when given: the run's own test set).
 */
export function testEvaluators(task: LoadedRun['manifest']['task'], mazes: number, mazeSeed: number, noise: readonly number[], source?: TaskSource): TestEvaluators {
  const set = source?.generateSet(task, { count: mazes, seed: mazeSeed }) ?? mazes;
  return {
    sweep: new PolicyEvaluator({ task, mazes: set, mazeSeed, noise }),
    record: new PolicyEvaluator({ task, mazes: set, mazeSeed, noise: [PAPER_FITNESS_NOISE] }),
    mazeSeed,
  };
}

/** The test-set evaluators of a run: on its own test set (runSeed + TEST_SET_SEED_OFFSET, its plugin task's mazes). */
export function runTestEvaluators(run: LoadedRun, registry: Registry, mazes: number, noise: readonly number[]): TestEvaluators {
  const source = runTaskSource(run.manifest, (id) => registry.task(id));
  return testEvaluators(run.manifest.task, mazes, run.manifest.runSeed + TEST_SET_SEED_OFFSET, noise, source);
}

/**
 * The registry an analysis computes with: the given one, or the built-ins; @prnn/analysis's metrics plugin is
 * added when the registry does not already hold it.
 */
export function analysisRegistry(options: AnalysisOptions): Registry {
  const base = options.registry;
  if (base?.plugins.some((p) => p.manifest.name === analysisMetricsPlugin.manifest.name)) return base;
  return createContainer([...(base?.plugins ?? builtinPlugins()), analysisMetricsPlugin]);
}

/** Returns `mazes` when it is an integer in [1, 1 000 000]; otherwise a PrnnError naming `mazes`. */
export function checkMazes(mazes: number): number {
  if (!Number.isInteger(mazes) || mazes < 1 || mazes > 1_000_000) throw new PrnnError(`mazes must be an integer in [1, 1000000] (got ${mazes})`);
  return mazes;
}

async function loadTrainedRun(dir: string): Promise<{ run: LoadedRun; networks: RunNetwork[] }> {
  const run = await loadRun(dir);
  const networks = trainedNetworks(run);
  if (networks.length === 0) {
    throw new PrnnError(`run ${dir} holds no results (no trained network has networks/<id>/result.json): train it first with prnn train --out ${dir}`);
  }
  for (const net of networks) checkStoredResult(net.result, `network ${net.entry.id} of run ${dir}`);
  return { run, networks };
}

/** The first field in which two values differ, as `path: a vs b` (undefined when equal). */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(ra), ...Object.keys(rb)])]) {
      const d = firstDifference(ra[key], rb[key], path ? `${path}.${key}` : key);
      if (d !== undefined) return d;
    }
  }
  return `${path} ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/**
 * Checks, before any work, that runs analysed together are comparable: the same task always; the same
 * learner and training configuration (episodes, learning rate, …) unless `allowMixed`. A difference is a
 * PrnnError naming both run directories and the first field that differs.
 */
export function checkRunsComparable(runs: readonly LoadedRun[], allowMixed: boolean): void {
  const first = runs[0];
  for (const run of runs.slice(1)) {
    const task = firstDifference(run.manifest.task, first.manifest.task, 'task');
    if (task !== undefined) throw new PrnnError(`runs must share one task: ${run.dir} differs from ${first.dir} (${task})`);
    if (allowMixed) continue;
    const training = firstDifference({ learner: run.manifest.learner, ...run.manifest.config }, { learner: first.manifest.learner, ...first.manifest.config }, '');
    if (training !== undefined) {
      throw new PrnnError(`runs ${run.dir} and ${first.dir} were trained differently (${training}); analyse them separately, or pass --allow-mixed to compare them anyway`);
    }
  }
}

/**
 * Analyses the trained networks of one or more runs of one task (docs/spec.md §4): for every network the noise
 * sweep, robustness, sample efficiency, input sensitivity, memory M_k and capacity, weight norms and
 * parameter count, on each run's own test set (runSeed + TEST_SET_SEED_OFFSET) with the network's own
 * evaluation seed; then per architecture the medians and the tests against FC, the paper's headline table
 * and the random-forest prediction study. Reads the runs only (an `eval.json` with the same sweep is reused).
 */
export async function analyzeRuns(dirs: readonly string[], options: AnalysisOptions = {}): Promise<Analysis> {
  if (dirs.length === 0) throw new PrnnError('runs must list at least one run directory');
  const started = performance.now();
  await ensureBackend();
  const registry = analysisRegistry(options);
  const measures = new Set(checkMeasures(options.metrics ?? MEASURE_NAMES, pluginMetricNames(registry)));
  const mazes = checkMazes(options.mazes ?? 1000);
  const noise = analysisLevels(options);
  const loaded = [];
  for (const dir of dirs) loaded.push(await loadTrainedRun(dir));
  const task = loaded[0].run.manifest.task;
  checkRunsComparable(loaded.map((l) => l.run), options.allowMixed ?? false);
  const total = loaded.reduce((n, l) => n + l.networks.length, 0);
  const networks: NetworkAnalysis[] = [];
  // with workers, the networks are measured on worker threads (each rebuilds the registry from options.plugins)
  const workers = checkWorkers(options.workers ?? 1, 'workers');
  const parallel = workers > 1 && total > 1;
  const jobs: AnalysisJob[] = [];
  const sources: AnalysisSource[] = [];
  const several = loaded.length > 1;
  for (const { run, networks: nets } of loaded) {
    const mazeSeed = run.manifest.runSeed + TEST_SET_SEED_OFFSET;
    const ev = runTestEvaluators(run, registry, mazes, noise);
    const stored = await storedSweep(run, mazes, noise);
    sources.push({
      kind: 'run',
      path: run.dir,
      learner: run.manifest.learner,
      runSeed: run.manifest.runSeed,
      config: run.manifest.config,
      networks: nets.length,
      mazeSeed,
      reusedEval: stored !== undefined,
    });
    if (parallel) {
      jobs.push(...nets.map((net) => ({ dir: run.dir, id: net.entry.id, several })));
      continue;
    }
    for (const net of nets) {
      networks.push(await analyzeRunNetwork(run, net, { task, registry, measures, evaluators: ev, storedSweep: stored?.get(net.entry.id), several, fdStep: options.fdStep, jacobianPath: options.jacobianPath }));
      options.onProgress?.(networks.length, total, net.entry.id);
    }
  }
  const pool = parallel
    ? new AnalysisWorkerPool(Math.min(workers, total), { mazes, noise, measures: [...measures], fdStep: options.fdStep, jacobianPath: options.jacobianPath, plugins: options.plugins ?? {} })
    : undefined;
  try {
    if (pool) networks.push(...(await pool.analyze(jobs, (done, id) => options.onProgress?.(done, total, id))));
    let threshold = Number.NaN;
    if (measures.has('sample-efficiency')) {
      threshold = sampleEfficiencyThreshold(networks.map((n) => n.fitness));
      const metric = registry.metric('sample-efficiency');
      for (const n of networks) {
        const input: AnalysisMetricInput = { arch: { family: n.family, name: n.arch, hidden: n.hidden, parameters: n.parameters }, weights: {}, trainingCurve: n.trainingCurve, sampleEfficiencyThreshold: threshold };
        n.sampleEfficiency = n.trainingCurve.length > 0 ? ((await metric.measure(input)) as number) : Number.NaN;
      }
    }
    const input: SummarizeInput = {
      task,
      mazes,
      noise,
      measures: [...measures],
      sources,
      networks,
      sampleEfficiencyThreshold: threshold,
      forest: options.forest,
      seconds: (performance.now() - started) / 1000,
    };
    // with workers, the prediction study's forests are computed on them too, all at once
    const samples = pool ? predictionSamples(input) : undefined;
    const predictions = samples && pool ? await paperPredictionsWith(samples, options.forest ?? {}, (rows, y, o) => pool.forest(rows, y, o)) : undefined;
    return summarizeAnalysis(predictions ? { ...input, predictions } : input);
  } finally {
    await pool?.destroy();
  }
}

/** Analyses one run directory (see analyzeRuns). */
export function analyzeRun(dir: string, options: AnalysisOptions = {}): Promise<Analysis> {
  return analyzeRuns([dir], options);
}
