import { join } from 'node:path';
import { PrnnError, type TaskOptions } from '@prnn/env';
import { runNetworkArch, runNetworkOnnx, selectNetworks, type NetworkSelector, type RunNetwork } from '../onnx/export-run.js';
import { loadRun, readNetworkWeights } from '../run/run-dir.js';
import { writeJsonAtomic } from '../run/atomic-write.js';
import type { Architecture } from '../sdk/architecture.js';
import type { TaskSource } from '../sdk/task-source.js';
import type { RunManifest } from '../run/run-dir.js';
import { TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { OnnxPolicy } from './onnx-policy.js';
import { PolicyEvaluator, type EvaluationResult } from './policy-evaluator.js';
import { PopulationEngine } from './population-engine.js';
import type { QEngine } from './q-engine.js';

export type EvalEngineName = 'onnx' | 'tfjs';
export const EVAL_ENGINES: readonly EvalEngineName[] = ['onnx', 'tfjs'];

export const RUN_EVALUATION_FORMAT = 'prnn-eval';
export const RUN_EVALUATION_VERSION = 1;
/** Where `evaluateRun` writes its results inside the run directory. */
export const RUN_EVALUATION_FILE = 'eval.json';

export interface RunEvaluationOptions {
  /** Default: the run's task. */
  readonly task?: TaskOptions;
  /** Test mazes (default 1 000). */
  readonly mazes?: number;
  /** Sensor-noise levels σs (default [0.05]). */
  readonly noise?: readonly number[];
  /** Default: each network's own seed (so the training σs level reproduces its stored fitness). */
  readonly seed?: number;
  readonly engine?: EvalEngineName;
  /** Only these networks (default: every trained one). */
  readonly select?: NetworkSelector;
  /** The Architecture plugin of a family (e.g. `(f) => registry.architecture(f)`); it throws or returns undefined for an unknown one. */
  readonly architecture: (family: string) => Architecture | undefined;
  /** The task source of a run trained on a plugin task (run.json `taskSource`), e.g. `(id) => registry.task(id)`. */
  readonly taskSource?: (id: string) => TaskSource;
  /** Maps a user's architecture spec in `select` to its canonical name (e.g. `oh+hh` → `hh+oh`). */
  readonly canonical?: (spec: string) => string | undefined;
  readonly intraOpNumThreads?: number;
  /** Write `eval.json` into the run directory (default true). */
  readonly write?: boolean;
  readonly onNetwork?: (done: number, total: number, network: RunNetworkEvaluation) => void;
}

export interface RunNetworkEvaluation {
  readonly id: string;
  readonly arch: string;
  readonly seed: number;
  readonly fitness: (number | null)[];
  readonly robustness?: number | null;
  readonly seconds: number;
}

export interface RunEvaluation {
  readonly format: typeof RUN_EVALUATION_FORMAT;
  readonly version: number;
  readonly run: string;
  readonly task: TaskOptions;
  readonly mazes: number;
  readonly mazeSeed: number;
  readonly noise: number[];
  readonly engine: EvalEngineName;
  /** The evaluation seed when one was imposed; otherwise each network used its own. */
  readonly seed: number | null;
  readonly networks: RunNetworkEvaluation[];
  /** Wall-clock seconds for all networks (loading included). */
  readonly seconds: number;
  /** Where the results were written (absent with `write: false`). */
  readonly file?: string;
}

async function engineFor(
  run: Awaited<ReturnType<typeof loadRun>>,
  net: RunNetwork,
  engine: EvalEngineName,
  architectureOf: (family: string) => Architecture | undefined,
  intraOpNumThreads: number,
): Promise<{ engine: QEngine; release(): Promise<void> | void }> {
  const family = net.result.arch?.family ?? net.entry.family;
  const architecture = architectureOf(family);
  if (!architecture) throw new PrnnError(`architecture family ${JSON.stringify(family)} of network ${net.entry.id} is registered by no loaded plugin`);
  if (engine === 'onnx') {
    const bytes = await runNetworkOnnx(run, net, architecture);
    const policy = await OnnxPolicy.load(bytes, { label: net.entry.id, intraOpNumThreads });
    return { engine: policy, release: () => policy.release() };
  }
  const weights = await readNetworkWeights(run.dir, net.entry.id, net.result);
  const pop = PopulationEngine.create(architecture, runNetworkArch(net), weights, run.manifest.task.channels, { seed: net.entry.seed });
  return { engine: pop, release: () => pop.dispose() };
}

/** The plugin task a run was trained on, resolved (undefined for the built-in mazes). */
export function runTaskSource(manifest: RunManifest, resolve: ((id: string) => TaskSource) | undefined): TaskSource | undefined {
  if (manifest.taskSource === undefined) return undefined;
  if (!resolve) throw new PrnnError(`run was trained on task ${manifest.taskSource}: pass its task source (taskSource)`);
  return resolve(manifest.taskSource);
}

/**
 * Evaluates every trained network of a run (or those `select` picks) on the run's test set
 * (runSeed + TEST_SET_SEED_OFFSET, unless the task differs) over a noise sweep. One PolicyEvaluator — one
 * VectorEnv and one set of buffers — serves all networks; with the onnx engine each network gets its own
 * session (its weights are the model's initialisers). Results go to `<run>/eval.json` (temp + rename).
 */
export async function evaluateRun(runDir: string, options: RunEvaluationOptions): Promise<RunEvaluation> {
  const started = performance.now();
  const run = await loadRun(runDir);
  const engine = options.engine ?? 'onnx';
  if (!EVAL_ENGINES.includes(engine)) {
    throw new PrnnError(`engine must be one of ${EVAL_ENGINES.join(', ')} (got ${JSON.stringify(engine)})`);
  }
  const task = options.task ?? run.manifest.task;
  if (task.channels !== run.manifest.task.channels) {
    throw new PrnnError(`channels must be the run's ${run.manifest.task.channels} (got ${task.channels}): the networks read 4·C inputs`);
  }
  const networks = selectNetworks(run, options.select ?? {}, options.canonical);
  if (networks.length === 0) throw new PrnnError(`run ${runDir} holds no trained network to evaluate`);
  const mazeSeed = run.manifest.runSeed + TEST_SET_SEED_OFFSET;
  const source = runTaskSource(run.manifest, options.taskSource);
  const mazes = source ? source.generateSet(task, { count: options.mazes ?? 1000, seed: mazeSeed }) : options.mazes;
  const evaluator = new PolicyEvaluator({ task, mazes, mazeSeed, noise: options.noise });
  const architectureOf = options.architecture;
  const results: RunNetworkEvaluation[] = [];
  for (const net of networks) {
    const { engine: q, release } = await engineFor(run, net, engine, architectureOf, options.intraOpNumThreads ?? 1);
    let r: EvaluationResult;
    try {
      r = await evaluator.evaluate(q, options.seed ?? net.entry.seed);
    } finally {
      await release();
    }
    const entry: RunNetworkEvaluation = {
      id: net.entry.id,
      arch: net.entry.arch,
      seed: net.entry.seed,
      fitness: r.fitness,
      ...(r.robustness !== undefined ? { robustness: r.robustness } : {}),
      seconds: r.seconds,
    };
    results.push(entry);
    options.onNetwork?.(results.length, networks.length, entry);
  }
  const evaluation: RunEvaluation = {
    format: RUN_EVALUATION_FORMAT,
    version: RUN_EVALUATION_VERSION,
    run: runDir,
    task: evaluator.task,
    mazes: evaluator.set.count,
    mazeSeed,
    noise: [...evaluator.noise],
    engine,
    seed: options.seed ?? null,
    networks: results,
    seconds: (performance.now() - started) / 1000,
  };
  if (options.write === false) return evaluation;
  const file = join(runDir, RUN_EVALUATION_FILE);
  await writeJsonAtomic(file, { ...evaluation, file: undefined });
  return { ...evaluation, file };
}
