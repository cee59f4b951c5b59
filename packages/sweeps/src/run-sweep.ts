import { cp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PrnnError, makeDirectories, systemErrorInfo } from '@prnn/core';
import {
  isTrainingStopped,
  PRNN_VERSION,
  loadRun,
  readNetworkWeights,
  type TrainRunOptions,
  type Learner,
  type LearnerConfig,
  type Registry,
  type RunNetworkEvaluation,
  TrainingInterrupted,
  TrainWorkerPool,
  StageStopwatch,
  addPhaseTimes,
  splitStage,
  type PhaseTime,
  type PhaseTimes,
} from '@prnn/agents';
import type { trainRun } from '@prnn/agents';
import { ChunkLock } from './chunk-lock.js';
import { ChunkProgressWriter, chunkProgressPath } from './chunk-progress.js';
import { pathExists } from './path-exists.js';
import type { JournalChoice } from './file-system.js';
import { chunkMembers, chunkNetworks, planEvalEngine, readPlan, type SweepPlan } from './plan.js';
import { publishedShards, shardFileName, SHARDS_DIR } from './shards.js';
import { STORE_FILE, hostName, type MeasureValue, type NetworkRecord } from './store.js';
import { loadSweepPlugins, resultsStores, type ResultsStoreFactory, type SweepStore } from './store-service.js';

/** Where chunks keep their training state (run directory + checkpoints) until they are stored. */
export const WORK_DIR = 'work';
/** Where the run directory of every stored chunk is kept (run.json, networks/<id>/, eval.json), for prnn analyze. */
export const RUNS_DIR = 'runs';

/** The kept run directories of a sweep's stored chunks, in chunk order. */
export async function chunkRunDirs(dir: string): Promise<string[]> {
  const names = await readdir(join(dir, RUNS_DIR)).catch(() => [] as string[]);
  return names
    .filter((n) => /^chunk-\d+$/.test(n))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)))
    .map((n) => join(dir, RUNS_DIR, n));
}

/** Progress of `runSweep` within one chunk: network-episodes done and planned, and the training rate. */
export interface SweepRunProgress {
  readonly chunk: number;
  /** Network-episodes done and planned in the chunk being trained. */
  readonly done: number;
  readonly total: number;
  readonly rate: number;
}

/**
 * What became of a chunk: stored, skipped (already stored or published), busy (locked by another live process) or
 * interrupted by a signal.
 */
export type ChunkOutcome = 'stored' | 'skipped' | 'busy' | 'interrupted';

/**
 * Report of one chunk of `runSweep`: its outcome, size, networks stored, seconds taken and, when busy, the lock holder.
 */
export interface ChunkReport {
  readonly chunk: number;
  readonly outcome: ChunkOutcome;
  readonly networks: number;
  /** Networks newly written to the store (0 when skipped). */
  readonly stored: number;
  readonly seconds: number;
  /** For `busy`: who holds the chunk's lock. */
  readonly heldBy?: string;
}

/**
 * Options of `runSweep`: the sweep directory, the chunks to run, plugins, engine and worker choices, and progress
 * callbacks.
 */
export interface RunSweepOptions {
  readonly dir: string;
  /** Chunk indices to run (default: all). */
  readonly chunks?: readonly number[];
  /**
   * The plugins' registry: architectures, learner and metrics, and the services the run resolves from its
   * container (the trainer runtime, the fitness evaluator, the results store). Default: `loadSweepPlugins`
   * from `pluginsCwd`.
   */
  readonly registry?: Registry;
  /** The tfjs backend in use. */
  readonly backend: string;
  readonly workers?: number;
  /** Where worker threads rebuild the registry (the directory of prnn.config.json). */
  readonly pluginsCwd?: string;
  /** The store to write (default DIR/results.sqlite). Ignored with `shardDir`. */
  readonly store?: string;
  /**
   * Write each chunk into its own shard in this (node-local) directory, then publish the finished shard to
   * DIR/shards/ for `prnn sweep merge`; the shared store is never written (Slurm array tasks).
   */
  readonly shardDir?: string;
  /** Where chunk work directories live (default DIR/work). */
  readonly workDir?: string;
  readonly journal?: JournalChoice;
  readonly busyTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called with the training progress of the current chunk. */
  readonly onProgress?: (p: SweepRunProgress) => void;
  /** Called once per chunk when it ends (stored, skipped, busy or interrupted). */
  readonly onChunk?: (r: ChunkReport) => void;
}

/** Outcome of `runSweep`: the plan, one report per chunk, whether a signal stopped it, and the phase times. */
export interface RunSweepResult {
  readonly plan: SweepPlan;
  readonly chunks: readonly ChunkReport[];
  /** True when a signal stopped the run (a checkpoint was written). */
  readonly interrupted: boolean;
  /**
   * Wall and CPU time of the chunks run in this call by phase: `training`, `curveTests`, `finalTests`
   * (measured in the training threads and taken out of training) and `noiseSweeps`.
   */
  readonly phases: PhaseTimes;
}

/** `--chunk` values are checked against the plan: a clear error names the allowed range. */
export function checkChunks(plan: SweepPlan, chunks: readonly number[]): void {
  const n = plan.chunks.length;
  for (const c of chunks) {
    if (!Number.isInteger(c) || c < 0 || c >= n) {
      throw new PrnnError(`chunk index must be an integer from 0 to ${n - 1} (the plan has ${n} chunk${n === 1 ? '' : 's'}; got ${c})`);
    }
  }
}


function stoppedBySignal(error: unknown): boolean {
  return error instanceof TrainingInterrupted || isTrainingStopped(error);
}

/** Trains, measures and stores one chunk; its run directory is `runDir`, its results go to `store`. */
async function runChunk(
  o: RunSweepOptions & { readonly registry: Registry },
  plan: SweepPlan,
  learner: Learner,
  config: LearnerConfig,
  chunk: number,
  runDir: string,
  store: SweepStore,
  lock: ChunkLock,
  progress: ChunkProgressWriter,
  pool: TrainWorkerPool | undefined,
): Promise<{ stored: number; interrupted: boolean; phases: PhaseTimes }> {
  const networks = chunkNetworks(plan, chunk);
  // every chunk holds one family (a sweep may mix them)
  const family = networks[0]?.arch.family ?? plan.family;
  const architecture = o.registry.architecture(family);
  // a directory without run.json is what a kill left while it was being created: start it afresh
  if ((await pathExists(runDir)) && !(await pathExists(join(runDir, 'run.json')))) await rm(runDir, { recursive: true, force: true });
  // the lock's heartbeat tells jobs on other machines that this one is alive (STALE_LOCK_MS)
  let lastBeat = Date.now();
  const beat = () => {
    if (Date.now() - lastBeat < 30_000) return;
    lastBeat = Date.now();
    void lock.heartbeat().catch(() => undefined);
  };
  const started = performance.now();
  const options: TrainRunOptions = {
    task: plan.task,
    architecture,
    kernels: o.registry.kernels(architecture.family),
    families: o.registry,
    members: chunkMembers(plan, chunk),
    learner,
    config,
    runSeed: plan.runSeed,
    population: networks.length,
    path: plan.paths?.[family] ?? plan.path,
    workers: o.workers,
    workerPool: pool,
    plugins: { cwd: o.pluginsCwd ?? process.cwd() },
    backend: o.backend,
    out: runDir,
    resume: true,
    checkpointEvery: plan.checkpointEvery,
    signal: o.signal,
    // the container's training loggers (TYPES.Logger), fresh for each chunk: they log its run directory's events
    loggers: o.registry.loggers(),
    onProgress: (p) => {
      o.onProgress?.({ chunk, done: p.done, total: p.total, rate: p.rate });
      progress.update('training', p.done, p.total, p.rate);
      beat();
    },
  };
  const training = new StageStopwatch();
  let trained: Awaited<ReturnType<typeof trainRun>>;
  try {
    trained = await o.registry.trainer().train(options);
  } catch (error) {
    if (stoppedBySignal(error)) return { stored: 0, interrupted: true, phases: {} };
    throw error;
  }
  const trainSeconds = (performance.now() - started) / 1000;
  // the learner's tests ran inside training (on its threads): what they took is not training
  const phases: Record<string, PhaseTime> = splitStage(training.elapsed, 'training', trained.phases);
  const evaluations = new Map<string, RunNetworkEvaluation>();
  const sweeping = new StageStopwatch();
  // the evaluator bound to TYPES.Evaluator (a plugin may rebind or decorate it)
  await o.registry.evaluator().evaluateRun(runDir, {
    noise: plan.measures.noise,
    mazes: plan.measures.testMazes,
    engine: planEvalEngine(plan),
    architecture: (family) => o.registry.architecture(family),
    // every network's sweep on its own worker thread (the same numbers as in this thread)
    workers: o.workers,
    workerPool: pool,
    plugins: { cwd: o.pluginsCwd ?? process.cwd() },
    onNetwork: (done, total, e) => {
      evaluations.set(e.id, e);
      progress.update('testing', done, total, 0);
      beat();
    },
  });
  phases.noiseSweeps = sweeping.elapsed;
  const run = await loadRun(runDir);
  const metrics = plan.measures.metrics.map((name) => o.registry.metric(name));
  const host = hostName();
  let stored = 0;
  for (const [k, net] of networks.entries()) {
    const result = run.results[k];
    const evaluation = evaluations.get(net.id);
    if (!result || !evaluation || result.id !== net.id) throw new PrnnError(`chunk ${chunk}: network ${net.id} has no result after training (work directory ${runDir})`);
    const weights = await readNetworkWeights(runDir, net.id, result);
    const measures: Record<string, MeasureValue> = {};
    for (const m of metrics) measures[m.name] = await m.measure({ arch: net.arch, weights });
    const bytes = await readFile(join(runDir, 'networks', net.id, 'weights.bin'));
    const record: NetworkRecord = {
      sweep: plan.sweep,
      id: net.id,
      chunk,
      family: net.arch.family,
      arch: net.arch.name,
      seed: net.seed,
      hidden: net.arch.hidden,
      parameters: net.arch.parameters,
      episodes: result.episodes,
      fitness: result.fitness,
      trainingCurve: result.trainingCurve,
      noiseLevels: plan.measures.noise,
      noiseFitness: evaluation.fitness,
      robustness: evaluation.robustness ?? null,
      measures,
      weights: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      weightsDtype: 'float32',
      weightsLayout: result.weights,
      trainSeconds: trainSeconds / networks.length,
      evalSeconds: evaluation.seconds,
      backend: result.backend,
      prnnVersion: PRNN_VERSION,
      planHash: plan.hash,
      finishedAt: new Date().toISOString(),
      host,
    };
    if (store.insert(record)) stored++;
  }
  return { stored, interrupted: false, phases };
}

/**
 * Runs the chunks of a sweep that are not stored yet. Each chunk trains as one population in its own run
 * directory under DIR/work (checkpointed every `plan.checkpointEvery` episodes, so a killed job loses at
 * most the episodes since the last checkpoint), then every network is measured and stored in its own
 * transaction, and the work directory is removed. An aborted `signal` stops training at the next
 * checkpoint; running the same command again continues from there with identical results.
 */
export async function runSweep(options: RunSweepOptions): Promise<RunSweepResult> {
  const o = { ...options, registry: options.registry ?? (await loadSweepPlugins({ cwd: options.pluginsCwd ?? process.cwd() })) };
  // the store bound to TYPES.ResultsStore (a plugin may rebind or decorate it)
  const stores: ResultsStoreFactory = resultsStores(o.registry);
  const plan = await readPlan(o.dir);
  const chunks = o.chunks ?? plan.chunks.map((c) => c.index);
  checkChunks(plan, chunks);
  const learner = o.registry.learner(plan.learner);
  const config = learner.configure(plan.task, plan.config);
  for (const family of new Set([plan.family, ...plan.networks.map((n) => n.arch.family)])) o.registry.architecture(family);
  for (const name of plan.measures.metrics) o.registry.metric(name);
  const workDir = o.workDir ?? join(o.dir, WORK_DIR);
  try {
    await makeDirectories(workDir);
    if (o.shardDir) {
      await makeDirectories(o.shardDir);
      await makeDirectories(join(o.dir, SHARDS_DIR));
    }
  } catch (error) {
    // a file-system error keeps its code and path, so that the CLI names the flag that gave the path
    if (systemErrorInfo(error)) throw error;
    throw new PrnnError(`cannot create the sweep's work directories under ${o.dir}: ${(error as Error).message}`);
  }
  const shared = o.shardDir ? undefined : stores.open(o.store ?? join(o.dir, STORE_FILE), { journal: o.journal, busyTimeoutMs: o.busyTimeoutMs });
  const reports: ChunkReport[] = [];
  let phases: PhaseTimes = {};
  let interrupted = false;
  // one set of worker threads for every chunk's training and noise sweeps (started with the first chunk run)
  let pool: TrainWorkerPool | undefined;
  try {
    shared?.bindPlan(plan);
    const published = new Set((await publishedShards(o.dir, plan)).map((s) => s.chunk));
    // array tasks never write the shared store, but must skip what is already merged into it
    const storedIds = shared?.storedIds(plan.sweep) ?? (await mergedIds(stores, o.store ?? join(o.dir, STORE_FILE), plan, o.busyTimeoutMs));
    for (const chunk of chunks) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      const started = performance.now();
      const networks = chunkNetworks(plan, chunk);
      const report = (outcome: ChunkOutcome, stored: number, heldBy?: string) => {
        const r: ChunkReport = { chunk, outcome, networks: networks.length, stored, seconds: (performance.now() - started) / 1000, ...(heldBy ? { heldBy } : {}) };
        reports.push(r);
        o.onChunk?.(r);
      };
      if (published.has(chunk) || networks.every((n) => storedIds.has(n.id))) {
        await keepRunDir(workDir, o.dir, chunk);
        report('skipped', 0);
        continue;
      }
      const lock = await ChunkLock.acquire(join(workDir, `chunk-${chunk}.lock`));
      if (!(lock instanceof ChunkLock)) {
        report('busy', 0, `${lock.host} pid ${lock.pid}`);
        continue;
      }
      const runDir = join(workDir, `chunk-${chunk}`);
      let shard: SweepStore | undefined;
      let outcome: { stored: number; interrupted: boolean; phases: PhaseTimes };
      const progress = new ChunkProgressWriter(chunkProgressPath(workDir, chunk), chunk);
      try {
        let store = shared;
        if (o.shardDir) {
          shard = stores.open(join(o.shardDir, `${plan.hash}-${shardFileName(chunk)}`), { journal: o.journal ?? 'auto', busyTimeoutMs: o.busyTimeoutMs });
          shard.bindPlan(plan);
          store = shard;
        }
        pool ??= (o.workers ?? 1) > 1 ? new TrainWorkerPool(o.workers!, { keepAlive: true }) : undefined;
        outcome = await runChunk(o, plan, learner, config, chunk, runDir, store!, lock, progress, pool);
        phases = addPhaseTimes(phases, outcome.phases);
        if (shard && !outcome.interrupted) await publishShard(shard, o.dir, chunk);
      } finally {
        shard?.close();
        await progress.remove();
        await lock.release();
      }
      if (outcome.interrupted) {
        report('interrupted', 0);
        interrupted = true;
        break;
      }
      if (shard) await rm(shard.path, { force: true });
      await keepRunDir(workDir, o.dir, chunk);
      report('stored', outcome.stored);
    }
  } finally {
    shared?.close();
    await pool?.destroy();
  }
  return { plan, chunks: reports, interrupted, phases };
}

/** Copies a finished shard next to the sweep (DIR/shards/chunk-<i>.sqlite) without ever exposing half a file. */
async function publishShard(shard: SweepStore, dir: string, chunk: number): Promise<void> {
  const target = join(dir, SHARDS_DIR, shardFileName(chunk));
  const temporary = `${target}.tmp-${process.pid}`;
  await rm(temporary, { force: true });
  try {
    shard.copyTo(temporary);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Moves a stored chunk's run directory from the work directory to DIR/runs/chunk-<i> (its checkpoints are
 * gone by then); also what a job killed between storing and moving left behind.
 */
async function keepRunDir(workDir: string, dir: string, chunk: number): Promise<void> {
  const runDir = join(workDir, `chunk-${chunk}`);
  if (!(await pathExists(join(runDir, 'run.json')))) return;
  const lock = await ChunkLock.acquire(join(workDir, `chunk-${chunk}.lock`));
  if (!(lock instanceof ChunkLock)) return;
  try {
    const kept = join(dir, RUNS_DIR, `chunk-${chunk}`);
    if (await pathExists(kept)) await rm(runDir, { recursive: true, force: true });
    else {
      await makeDirectories(join(dir, RUNS_DIR));
      await rename(runDir, kept).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') throw error;
        // --work-dir on another file system: copy under a temporary name, then rename
        const temporary = `${kept}.tmp-${process.pid}`;
        await cp(runDir, temporary, { recursive: true });
        await rename(temporary, kept);
        await rm(runDir, { recursive: true, force: true });
      });
    }
  } finally {
    await lock.release();
  }
}

/** The networks of `plan` in the store at `path`, read-only (none when there is no store yet). */
async function mergedIds(stores: ResultsStoreFactory, path: string, plan: SweepPlan, busyTimeoutMs?: number): Promise<Set<string>> {
  if (!(await pathExists(path))) return new Set();
  const store = stores.open(path, { readonly: true, create: false, busyTimeoutMs });
  try {
    if (store.sweeps().length === 0) return new Set();
    store.bindPlan(plan);
    return store.storedIds(plan.sweep);
  } finally {
    store.close();
  }
}
