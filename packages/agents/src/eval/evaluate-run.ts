import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { runNetworkArch, runNetworkOnnx, selectNetworks, type NetworkSelector, type RunNetwork } from '../onnx/export-run.js';
import { loadRun, readNetworkWeights, type RunManifest } from '../run/run-dir.js';
import { writeJsonAtomic } from '../run/atomic-write.js';
import type { Architecture } from '../sdk/architecture.js';
import type { TaskSource } from '../sdk/task-source.js';
import { TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { OnnxPolicy } from './onnx-policy.js';
import { PolicyEvaluator, type EvaluationResult } from './policy-evaluator.js';
import { PopulationEngine } from './population-engine.js';
import { trapezoidArea } from './noise-spec.js';
import type { LevelsRequest, LevelsResult, ModelLevelsRequest } from './evaluate-in-workers.js';
import { jsonNumber } from '../run/json-number.js';
import { TrainWorkerPool, checkWorkers } from '../training/workers/train-in-workers.js';
import type { QEngine } from './q-engine.js';
import type { KernelSet } from '../sdk/kernel.js';
import { CompiledEngine } from './compiled-engine.js';
import { COMPILED_PATH } from '../compiler/compiled-population.js';

/**
 * Engine that runs a run's networks in `evaluateRun`: onnxruntime on the exported model, the tfjs population,
 * or the family's compiled WebAssembly step (CompiledEngine).
 */
export type EvalEngineName = 'onnx' | 'tfjs' | 'compiled';
/** Every {@link EvalEngineName}, for flag validation. */
export const EVAL_ENGINES: readonly EvalEngineName[] = ['onnx', 'tfjs', 'compiled'];

/** Value of `format` in eval.json. */
export const RUN_EVALUATION_FORMAT = 'prnn-eval';
/** Version of the eval.json layout this code writes. */
export const RUN_EVALUATION_VERSION = 1;
/** Where `evaluateRun` writes its results inside the run directory. */
export const RUN_EVALUATION_FILE = 'eval.json';

/** Options of `evaluateRun`: task, test set, noise levels, networks, engine, workers and where to write. */
export interface RunEvaluationOptions {
  /** Default: the run's task. */
  readonly task?: TaskOptions;
  /** Test mazes (default: the run's test set size, `config.testMazes`, else 1 000). */
  readonly mazes?: number;
  /** Run seed whose test set is used (default: the run's own `runSeed`). */
  readonly testSeed?: number;
  /** Sensor-noise levels σs (default [0.05]). */
  readonly noise?: readonly number[];
  /** Default: each network's own seed (so the training σs level reproduces its stored fitness). */
  readonly seed?: number;
  readonly engine?: EvalEngineName;
  /** Only these networks (default: every trained one). */
  readonly select?: NetworkSelector;
  /** The Architecture plugin of a family (e.g. `(f) => registry.architecture(f)`); it throws or returns undefined for an unknown one. */
  readonly architecture: (family: string) => Architecture | undefined;
  /** The kernels registered for a family (`(f) => registry.kernels(f)`); the compiled engine needs them. */
  readonly kernels?: (family: string) => KernelSet;
  /** The task source of a run trained on a plugin task (run.json `taskSource`), e.g. `(id) => registry.task(id)`. */
  readonly taskSource?: (id: string) => TaskSource;
  /** Maps a user's architecture spec in `select` to its canonical name (e.g. `oh+hh` → `hh+oh`). */
  readonly canonical?: (spec: string) => string | undefined;
  readonly intraOpNumThreads?: number;
  /**
   * Worker threads (default 1: this thread): on a built-in maze kind, up to this many networks are evaluated
   * at once, each in a worker with its own session (onnx) or population model (tfjs) and maze world (same results).
   */
  readonly workers?: number;
  /** Worker threads owned by the caller (kept alive across runs); absent: a pool of `workers` threads for this call. */
  readonly workerPool?: TrainWorkerPool;
  /** With the tfjs engine on workers: where the workers load plugins (the directory of prnn.config.json), and more specs. */
  readonly plugins?: { readonly cwd?: string; readonly extra?: readonly string[] };
  /** Write the results (default true), to `file` (default `<run>/eval.json`). */
  readonly write?: boolean;
  readonly file?: string;
  /** Called after each network is evaluated, with the count done, the total and its result. */
  readonly onNetwork?: (done: number, total: number, network: RunNetworkEvaluation) => void;
}

/** One network's evaluation: its id, architecture, seed, fitness per noise level and robustness. */
export interface RunNetworkEvaluation {
  readonly id: string;
  readonly arch: string;
  readonly seed: number;
  readonly fitness: (number | null)[];
  readonly robustness?: number | null;
  readonly seconds: number;
}

/** A run's evaluation (eval.json): the settings and one entry per network. */
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

/** How a run measured its networks' stored fitness: its task, test set and training sensor noise. */
export interface RunEvaluationSettings {
  readonly task: TaskOptions;
  /** Size of the run's test set (config.testMazes; 1 000 for a learner without one). */
  readonly mazes: number;
  /** The run seed: the test set is the maze set of seed `testSeed + TEST_SET_SEED_OFFSET`. */
  readonly testSeed: number;
  /** σs of training and of the stored fitness (config.sensorNoise; 0.05 for a learner without one). */
  readonly sensorNoise: number;
}

/**
 * The test settings a run was trained with (task, test mazes, test seed, σs), with the paper's defaults for missing
 * config keys.
 */
export function runEvaluationSettings(m: RunManifest): RunEvaluationSettings {
  const number = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  return { task: m.task, mazes: number(m.config.testMazes, 1000), testSeed: m.runSeed, sensorNoise: number(m.config.sensorNoise, 0.05) };
}

async function engineFor(
  run: Awaited<ReturnType<typeof loadRun>>,
  net: RunNetwork,
  engine: EvalEngineName,
  architectureOf: (family: string) => Architecture | undefined,
  intraOpNumThreads: number,
  kernelsOf?: (family: string) => KernelSet,
): Promise<{ engine: QEngine; release(): Promise<void> | void }> {
  const family = net.result.arch?.family ?? net.entry.family;
  const architecture = architectureOf(family);
  if (!architecture) throw new PrnnError(`architecture family ${JSON.stringify(family)} of network ${net.entry.id} is registered by no loaded plugin`);
  if (engine === 'onnx') {
    const bytes = await runNetworkOnnx(run, net, architecture);
    const policy = await OnnxPolicy.load(bytes, { label: net.entry.id, intraOpNumThreads, splitState: true });
    return { engine: policy, release: () => policy.release() };
  }
  const weights = await readNetworkWeights(run.dir, net.entry.id, net.result);
  if (engine === 'compiled') {
    const compiled = CompiledEngine.create(compiledKernels(family, kernelsOf), runNetworkArch(net), weights, run.manifest.task.channels, { seed: net.entry.seed });
    return { engine: compiled, release: () => compiled.dispose() };
  }
  const pop = PopulationEngine.create(architecture, runNetworkArch(net), weights, run.manifest.task.channels, { seed: net.entry.seed });
  return { engine: pop, release: () => pop.dispose() };
}

/** A family's kernels for the compiled engine; PrnnError when it has no compiled path (before any work). */
function compiledKernels(family: string, kernelsOf: ((family: string) => KernelSet) | undefined): KernelSet {
  if (!kernelsOf) throw new PrnnError('the compiled engine needs the families\' kernels (kernels)');
  const kernels = kernelsOf(family);
  if (!kernels.population(COMPILED_PATH)) {
    throw new PrnnError(`--engine compiled: family ${family} has no compiled path here (its paths: ${kernels.paths().join(', ')}); use --engine onnx`);
  }
  return kernels;
}

/** The plugin task a run was trained on, resolved (undefined for the built-in mazes). */
export function runTaskSource(manifest: RunManifest, resolve: ((id: string) => TaskSource) | undefined): TaskSource | undefined {
  if (manifest.taskSource === undefined) return undefined;
  if (!resolve) throw new PrnnError(`run was trained on task ${manifest.taskSource}: pass its task source (taskSource)`);
  return resolve(manifest.taskSource);
}

/**
 * Evaluates every trained network of a run (or those `select` picks) on the run's test set
 * (runSeed + TEST_SET_SEED_OFFSET and config.testMazes mazes, unless told otherwise) over a noise sweep, so
 * that at the training σs each network's stored fitness is reproduced. One PolicyEvaluator — one
 * VectorEnv and one set of buffers — serves all networks; with the onnx engine each network gets its own
 * session (its weights are the model's initialisers). Results go to `file` (default `<run>/eval.json`; temp + rename).
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
  const settings = runEvaluationSettings(run.manifest);
  const mazeSeed = (options.testSeed ?? run.manifest.runSeed) + TEST_SET_SEED_OFFSET;
  const count = options.mazes ?? settings.mazes;
  const source = runTaskSource(run.manifest, options.taskSource);
  const mazes = source ? source.generateSet(task, { count, seed: mazeSeed }) : count;
  const evaluator = new PolicyEvaluator({ task, mazes, mazeSeed, noise: options.noise });
  const architectureOf = options.architecture;
  const workers = checkWorkers(options.workers ?? options.workerPool?.workers ?? 1);
  if (engine === 'compiled') {
    if (workers > 1) throw new PrnnError(`--engine compiled runs on this thread only: pass --workers 1 (got ${workers}) or use --engine onnx`);
    for (const net of networks) compiledKernels(net.result.arch?.family ?? net.entry.family, options.kernels);
  }
  const results: RunNetworkEvaluation[] =
    workers > 1 && !source && networks.length > 1
      ? await evaluateInWorkers(run, networks, workers, { ...options, task, count, mazeSeed, noise: [...evaluator.noise] })
      : [];
  for (const net of workers > 1 && results.length > 0 ? [] : networks) {
    const { engine: q, release } = await engineFor(run, net, engine, architectureOf, options.intraOpNumThreads ?? 1, options.kernels);
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
  const file = options.file ?? join(runDir, RUN_EVALUATION_FILE);
  await writeJsonAtomic(file, { ...evaluation, file: undefined });
  return { ...evaluation, file };
}

/** The networks of a run on `workers` threads at once, each whole (all levels) in one worker; results in run order. */
async function evaluateInWorkers(
  run: Awaited<ReturnType<typeof loadRun>>,
  networks: readonly RunNetwork[],
  workers: number,
  o: RunEvaluationOptions & { task: TaskOptions; count: number; mazeSeed: number; noise: number[] },
): Promise<RunNetworkEvaluation[]> {
  const pool = o.workerPool ?? new TrainWorkerPool(workers);
  const entries = new Array<RunNetworkEvaluation>(networks.length);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < networks.length) {
      const k = next++;
      const net = networks[k];
      const family = net.result.arch?.family ?? net.entry.family;
      const architecture = o.architecture(family);
      if (!architecture) throw new PrnnError(`architecture family ${JSON.stringify(family)} of network ${net.entry.id} is registered by no loaded plugin`);
      const common = { label: net.entry.id, task: o.task, mazes: o.count, mazeSeed: o.mazeSeed, noise: o.noise, seed: o.seed ?? net.entry.seed };
      const started = performance.now();
      let means: number[];
      if ((o.engine ?? 'onnx') === 'onnx') {
        const request: LevelsRequest = { ...common, bytes: await runNetworkOnnx(run, net, architecture), intraOpNumThreads: o.intraOpNumThreads ?? 1 };
        ({ means } = await pool.call<LevelsResult>('evaluateLevelsInWorker', request));
      } else {
        const request: ModelLevelsRequest = {
          ...common,
          family,
          arch: runNetworkArch(net),
          weights: await readNetworkWeights(run.dir, net.entry.id, net.result),
          backend: tf.getBackend(),
          cwd: o.plugins?.cwd ?? process.cwd(),
          plugins: o.plugins?.extra,
        };
        ({ means } = await pool.call<LevelsResult>('evaluateModelLevelsInWorker', request));
      }
      const entry: RunNetworkEvaluation = {
        id: net.entry.id,
        arch: net.entry.arch,
        seed: net.entry.seed,
        fitness: means.map(jsonNumber),
        ...(o.noise.length > 1 ? { robustness: jsonNumber(trapezoidArea(o.noise, means)) } : {}),
        seconds: (performance.now() - started) / 1000,
      };
      entries[k] = entry;
      o.onNetwork?.(++done, networks.length, entry);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(workers, networks.length) }, lane));
  } finally {
    if (!o.workerPool) await pool.destroy();
  }
  return entries;
}
