import type { TaskOptions } from '@prnn/env';
import { PrnnError, makeDirectories } from '@prnn/core';
import type { Architecture, PopulationMember } from '../sdk/architecture.js';
import { KernelSet } from '../sdk/kernel.js';
import type { TaskSource } from '../sdk/task-source.js';
import { familyParts, familyPaths, populationRanges, type FamilyResolver } from './populations.js';
import type { Learner, LearnerConfig, LearnerState, NetworkResult, TrainHooks, TrainResult } from '../sdk/learner.js';
import { checkpointDir, listCheckpoints, loadCheckpoint, removeCheckpoint, saveCheckpoint } from '../run/checkpoint.js';
import { jsonNumber } from '../run/json-number.js';
import { TrainingInterrupted } from './training-interrupted.js';
import type { TrainingLogger } from '../sdk/services.js';
import { curvePointEpisode } from '../learners/dqn-config.js';
import { isTrainingStopped } from '../sdk/training-stopped.js';
import { addPhaseTimes, concurrentPhaseTimes, type PhaseTimes } from '../profile/phase-times.js';
import { checkFinalTestExport } from './preflight.js';
import { TrainWorkerPool, checkWorkers, createStopFlag, parallelRate, sliceBounds } from './workers/train-in-workers.js';
import {
  PRNN_VERSION,
  RUN_FORMAT,
  RUN_VERSION,
  networkId,
  prepareRunDir,
  readNetworkResult,
  runFingerprint,
  writeNetworkResult,
  type RunManifest,
  type RunNetworkEntry,
} from '../run/run-dir.js';

/** Default number of networks trained in lockstep. */
export const DEFAULT_POPULATION = 256;

/**
 * Options of `trainRun`: task, family and members, learner and config, run seed, population, path, workers, backend,
 * output directory, resume, checkpoints, hooks and loggers.
 */
export interface TrainRunOptions {
  readonly task: TaskOptions;
  /** The architecture family (from the Registry) and the networks to train, in run order. */
  readonly architecture: Architecture;
  readonly members: readonly PopulationMember[];
  readonly learner: Learner;
  /** The learner's validated configuration (`learner.configure(task, overrides)`). */
  readonly config: LearnerConfig;
  readonly runSeed?: number;
  /** Networks per population (the run is trained in consecutive chunks of this size). */
  readonly population?: number;
  /** Where the episodes come from (absent: the built-in mazes of `task.kind`); a plugin task is recorded in run.json. */
  readonly taskSource?: TaskSource;
  /** The kernels registered for the family (`registry.kernels(family)`); absent: none (generic path only). */
  readonly kernels?: KernelSet;
  /**
   * Where networks of other families find theirs (e.g. the Registry): a run may mix families, each trained
   * in populations of its own.
   */
  readonly families?: FamilyResolver;
  /** Implementation to train with: `generic` or a population kernel's name (absent: the family's first kernel). */
  readonly path?: string;
  /**
   * Worker threads (default 1: everything in this thread). Each population is cut into `workers` slices
   * trained at once, one per thread; the results do not depend on the number of workers.
   */
  readonly workers?: number;
  /**
   * Worker threads to train on, owned by the caller (kept alive across runs, e.g. by a driver of many small
   * runs); absent: a pool of `workers` threads is made for this run and destroyed at its end.
   */
  readonly workerPool?: TrainWorkerPool;
  /** Where worker threads rebuild the registry: the directory of prnn.config.json, and more plugin specs. */
  readonly plugins?: { readonly cwd?: string; readonly extra?: readonly string[] };
  /** The tfjs backend in use (recorded in run.json). */
  readonly backend: string;
  /** Run directory; without it nothing is written. */
  readonly out?: string;
  readonly resume?: boolean;
  /** Checkpoint every this many episodes (default: a tenth of the run, at least 1). */
  readonly checkpointEvery?: number;
  /** Called with the run's progress in network-episodes. */
  readonly onProgress?: (p: RunProgress) => void;
  /** Loggers of training events (the registry's `loggers()`); each receives every event, in order. */
  readonly loggers?: readonly TrainingLogger[];
  /**
   * With loggers: log the loss after every this many episodes (default: the smallest `lossEvery` of the
   * loggers, else a tenth of the run, at least 1).
   */
  readonly lossEvery?: number;
  /** Called once everything is checked and the run directory is ready, before the first population trains. */
  readonly onStart?: () => void;
  readonly signal?: AbortSignal;
}

/** Progress of `trainRun`: network-episodes done and planned, and the training rate. */
export interface RunProgress {
  /** Network-episodes done, out of `total`. */
  readonly done: number;
  readonly total: number;
  /** Network-episodes per second over the work done in this call. */
  readonly rate: number;
  readonly loss?: number;
}

/** One trained network of a run: id, architecture, seed, sizes, fitness and training curve. */
export interface RunNetworkSummary {
  readonly id: string;
  readonly arch: string;
  readonly seed: number;
  readonly hidden: number;
  readonly parameters: number;
  readonly fitness: number | null;
  readonly trainingCurve: readonly (number | null)[];
}

/**
 * Result of `trainRun`: every network's summary, the training rate, the backend, the run directory and the trained
 * weights.
 */
export interface TrainRunResult {
  readonly networks: readonly RunNetworkSummary[];
  /** Network-episodes per second of training in this call (NaN when everything was already trained). */
  readonly netEpisodesPerSecond: number;
  readonly backend: string;
  readonly out?: string;
  /** The full results (weights included) of the networks trained in this call. */
  readonly trained: readonly NetworkResult[];
  /**
   * Time the learner spent in this call outside training proper (`curveTests`, `finalTests`), summed over
   * populations; slices trained at once add their CPU time, and their longest slice gives the wall time.
   */
  readonly phases: PhaseTimes;
}

/** A network's summary: its run.json entry with its fitness and training curve. */
function summarize(e: RunNetworkEntry, fitness: number | null, trainingCurve: readonly (number | null)[]): RunNetworkSummary {
  return { id: e.id, arch: e.arch, seed: e.seed, hidden: e.hidden, parameters: e.parameters, fitness, trainingCurve };
}

/** The implementation a family trains with when `requested` is asked for (its first population kernel, else generic). */
export function trainingPath(architecture: Architecture, kernels: KernelSet | undefined, requested: string | undefined): string {
  return (kernels ?? new KernelSet(architecture.family, [])).resolvePath(requested);
}

/** One slice of a population: members [from, to) of it, where its checkpoint lives, where it resumes. */
interface Slice {
  readonly from: number;
  readonly to: number;
  /** checkpoint/ (undefined: the slice is the whole population) or checkpoint/slice-<run index of its first network>. */
  readonly slot?: string;
  readonly ids: readonly string[];
  resume?: LearnerState;
}

/**
 * How a population is cut into slices: as its checkpoints were when resuming (so an interrupted run continues
 * from every slice's checkpoint whatever the number of workers now), else into `workers` near-equal slices.
 */
async function planSlices(o: TrainRunOptions, ids: readonly string[], runFrom: number, workers: number): Promise<Slice[]> {
  const n = ids.length;
  const slotOf = (a: number, b: number) => (b - a === n ? undefined : `slice-${runFrom + a}`);
  let ranges: [number, number][] = [];
  if (o.out && o.resume) {
    for (const c of await listCheckpoints(o.out)) {
      const a = ids.indexOf(c.members[0]);
      const b = a + c.members.length;
      if (a < 0 || b > n || !c.members.every((id, k) => ids[a + k] === id) || c.slot !== slotOf(a, b)) continue;
      if (ranges.some(([x, y]) => a < y && x < b)) continue;
      ranges.push([a, b]);
    }
    ranges.sort((x, y) => x[0] - y[0]);
    // networks no checkpoint covers (a slice stopped before its first checkpoint) become slices of their own
    const gaps: [number, number][] = [];
    let at = 0;
    for (const [a, b] of ranges) {
      if (a > at) gaps.push([at, a]);
      at = b;
    }
    if (ranges.length > 0 && at < n) gaps.push([at, n]);
    ranges = [...ranges, ...gaps].sort((x, y) => x[0] - y[0]);
  }
  if (ranges.length === 0) ranges = sliceBounds(n, Math.min(workers, n));
  return ranges.map(([a, b]) => ({ from: a, to: b, slot: slotOf(a, b), ids: ids.slice(a, b) }));
}

/** Whether `error` is a learner's answer to a stop request (a TrainingStopped, also from a worker thread). */
function isStop(error: unknown): boolean {
  return isTrainingStopped(error);
}

/** The error to report when slices fail: a real failure before a requested stop. */
function firstFailure(settled: readonly PromiseSettledResult<unknown>[]): unknown {
  const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  return failures.find((e) => !isStop(e)) ?? failures[0];
}

/** The TrainingInterrupted error of a run stopped on request; `stop` is the learner's stop error (if any). */
function interrupted(o: TrainRunOptions, stop: unknown): unknown {
  if (stop !== undefined && !isStop(stop)) return stop;
  const where = isTrainingStopped(stop) ? `at episode ${stop.episode} of ${stop.episodes}` : 'between populations';
  if (!o.out) return new TrainingInterrupted(`training interrupted ${where}; nothing was saved (no --out)`, false);
  const what = stop === undefined ? 'finished networks are stored' : 'checkpoint written';
  return new TrainingInterrupted(`training interrupted ${where}; ${what} in ${o.out}`, true);
}

/** The run manifest of a training job (what run.json records). */
export function buildRunManifest(o: TrainRunOptions): RunManifest {
  const networks: RunNetworkEntry[] = o.members.map((m) => ({
    id: networkId(m.arch.name, m.seed),
    family: m.arch.family,
    arch: m.arch.name,
    seed: m.seed,
    hidden: m.arch.hidden,
    parameters: m.arch.parameters,
    ...(m.arch.referenceIndex !== undefined ? { referenceIndex: m.arch.referenceIndex } : {}),
    ...(m.arch.flags !== undefined ? { flags: m.arch.flags } : {}),
  }));
  const ids = new Set<string>();
  for (const n of networks) {
    if (ids.has(n.id)) throw new PrnnError(`network ${n.arch} with seed ${n.seed} is listed twice`);
    ids.add(n.id);
  }
  const paths = familyPaths(o, o.members);
  const families = Object.keys(paths);
  const body = {
    learner: o.learner.name,
    task: o.task,
    // recorded only for plugin tasks, so a built-in maze run's manifest (and fingerprint) stays as it was
    ...(o.taskSource ? { taskSource: o.taskSource.id } : {}),
    config: { ...o.config } as Record<string, unknown>,
    runSeed: o.runSeed ?? 0,
    path: paths[o.members[0]?.arch.family] ?? trainingPath(o.architecture, o.kernels, o.path),
    // recorded only for runs of several families, so a one-family run's manifest (and fingerprint) stays as it was
    ...(families.length > 1 ? { paths } : {}),
    populationSize: o.population ?? DEFAULT_POPULATION,
    networks,
  };
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    prnnVersion: PRNN_VERSION,
    backend: o.backend,
    ...body,
    fingerprint: runFingerprint(body),
  };
}

/**
 * Trains every network of a run, population by population, writing results (and checkpoints) into
 * `out` when given; with `resume`, finished networks are kept and the current population continues from
 * its checkpoint, giving the same final weights as an uninterrupted run.
 */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  const population = o.population ?? DEFAULT_POPULATION;
  if (!Number.isInteger(population) || population < 1) {
    throw new PrnnError(`population must be an integer ≥ 1 (got ${population})`);
  }
  if (o.members.length === 0) throw new PrnnError('there are no networks to train (check --arch and --seeds)');
  const workers = checkWorkers(o.workers ?? o.workerPool?.workers ?? 1);
  const manifest = buildRunManifest(o);
  // pre-flight: a network that could not take the final test is refused before its first episode
  checkFinalTestExport(o.members, (family) => familyParts(o, family), o.task.channels);
  const E = o.config.episodes;
  const every = o.checkpointEvery ?? Math.max(1, Math.ceil(E / 10));
  if (!Number.isInteger(every) || every < 1) throw new PrnnError(`checkpoint-every must be an integer ≥ 1 (got ${every})`);
  if (o.resume && !o.out) throw new PrnnError('--resume needs --out (the run directory to continue)');
  if (o.out) await prepareRunDir(o.out, manifest, { resume: o.resume ?? false });
  o.onStart?.();
  const loggers = o.loggers ?? [];
  const lossEvery = loggers.length > 0 ? (o.lossEvery ?? Math.min(...loggers.map((l) => l.lossEvery ?? Math.max(1, Math.ceil(E / 10))))) : undefined;
  if (lossEvery !== undefined && (!Number.isInteger(lossEvery) || lossEvery < 1)) throw new PrnnError(`loss-every must be an integer ≥ 1 (got ${lossEvery})`);
  // logger calls run one after another, in event order; the first that fails stops the logging and fails
  // the run when the logs are next flushed (the error is held, never left as an unhandled rejection)
  let logged: Promise<void> = Promise.resolve();
  let logFailure: { error: unknown } | undefined;
  const log = (call: (logger: TrainingLogger) => void | Promise<void>): void => {
    for (const logger of loggers) {
      logged = logged
        .then(() => (logFailure ? undefined : call(logger)))
        .catch((error: unknown) => {
          logFailure ??= { error };
        });
    }
  };
  const flushLogs = async (): Promise<void> => {
    await logged;
    if (logFailure) throw logFailure.error;
  };
  log((l) => l.runStart?.({ learner: o.learner.name, runSeed: manifest.runSeed, config: { ...o.config }, networks: manifest.networks.map((n) => ({ id: n.id, arch: n.arch, seed: n.seed })), ...(o.out ? { out: o.out } : {}) }));

  const summaries = new Array<RunNetworkSummary | undefined>(o.members.length);
  const trained: NetworkResult[] = [];
  const total = o.members.length * E;
  let done = 0;
  let trainedEpisodes = 0;
  let trainingSeconds = 0;
  const started = performance.now();
  let backend = o.backend;
  let phases: PhaseTimes = {};
  let pool: TrainWorkerPool | undefined;
  const ownPool = o.workerPool === undefined;

  try {
    for (const [from, to] of populationRanges(o.members, population)) {
      // (a request before the first population still trains one episode of it: the learner stops after it)
      if (from > 0 && o.signal?.aborted) throw interrupted(o, undefined);
      const members = o.members.slice(from, to);
      const entries = manifest.networks.slice(from, to);
      const family = members[0].arch.family;
      const { architecture, kernels } = familyParts(o, family);
      const path = manifest.paths?.[family] ?? manifest.path;
      if (o.out) {
        const stored = await Promise.all(entries.map((e) => readNetworkResult(o.out as string, e.id)));
        if (stored.every((r) => r !== undefined)) {
          stored.forEach((r, k) => {
            summaries[from + k] = summarize(entries[k], r!.fitness, r!.trainingCurve);
          });
          done += members.length * E;
          continue;
        }
      }
      const slices = await planSlices(o, entries.map((e) => e.id), from, workers);
      // every slice's checkpoint directory exists before any slice trains: concurrent saves never create one
      if (o.out) for (const slice of slices) if (slice.slot !== undefined) await makeDirectories(checkpointDir(o.out, slice.slot));
      const identity = (slice: Slice) => ({ fingerprint: manifest.fingerprint, members: slice.ids });
      if (o.out && o.resume) {
        for (const slice of slices) slice.resume = await loadCheckpoint(o.out, identity(slice), slice.slot);
      }
      const base = done;
      const starts = slices.map((slice) => slice.resume?.episode ?? 0);
      const reached = [...starts];
      const report = (k: number, episode: number, loss: number | undefined) => {
        reached[k] = episode;
        if (lossEvery !== undefined && episode % lossEvery === 0) {
          const value = loss !== undefined && Number.isFinite(loss) ? loss : null;
          const networks = slices[k].ids;
          log((l) => l.loss?.({ episode, networks, loss: value }));
        }
        if (!o.onProgress) return;
        let doneNow = base;
        let work = trainedEpisodes;
        slices.forEach((slice, j) => {
          doneNow += reached[j] * (slice.to - slice.from);
          work += (reached[j] - starts[j]) * (slice.to - slice.from);
        });
        o.onProgress({ done: doneNow, total, rate: work / ((performance.now() - started) / 1000), loss });
      };
      const save = (slice: Slice) => (state: LearnerState) => saveCheckpoint(o.out as string, identity(slice), state, slice.slot);
      const results: TrainResult[] = [];
      let parallel = 1;
      if (workers === 1 || slices.length === 1) {
        for (const [k, slice] of slices.entries()) {
          const hooks: TrainHooks = {
            onProgress: (p) => report(k, p.episode, p.loss),
            ...(lossEvery !== undefined ? { progressEvery: lossEvery } : {}),
            checkpoint: o.out ? { everyEpisodes: every, save: save(slice) } : undefined,
            shouldStop: () => o.signal?.aborted === true,
          };
          const job = { task: o.task, taskSource: o.taskSource, architecture, kernels, members: members.slice(slice.from, slice.to), config: o.config, runSeed: manifest.runSeed, path, resume: slice.resume };
          results.push(await o.learner.train(job, hooks).catch((error: unknown) => Promise.reject(o.signal?.aborted ? interrupted(o, error) : error)));
        }
      } else {
        // kept alive for the whole run (destroyed at its end): between populations the threads would otherwise
        // exit after a second idle and load their modules again, which on a loaded machine happens every time
        pool ??= o.workerPool ?? new TrainWorkerPool(workers, { keepAlive: true });
        const workerPool = pool;
        parallel = Math.min(workers, slices.length);
        const stop = createStopFlag();
        const onAbort = () => Atomics.store(stop, 0, 1);
        if (o.signal?.aborted) onAbort();
        o.signal?.addEventListener('abort', onAbort);
        try {
          const settled = await Promise.allSettled(
            slices.map((slice, k) =>
              workerPool
                .run(
                  {
                    task: o.task,
                    taskSource: o.taskSource?.id,
                    family,
                    learner: o.learner.name,
                    members: members.slice(slice.from, slice.to),
                    config: o.config,
                    runSeed: manifest.runSeed,
                    path,
                    cwd: o.plugins?.cwd ?? process.cwd(),
                    plugins: o.plugins?.extra,
                    backend: o.backend,
                    resume: slice.resume,
                  },
                  {
                    stop,
                    checkpointEvery: every,
                    saveCheckpoint: o.out ? save(slice) : undefined,
                    onProgress: (episode, loss) => report(k, episode, loss),
                    ...(lossEvery !== undefined ? { progressEvery: lossEvery } : {}),
                  },
                )
                .catch((error: unknown) => {
                  // one slice failed: the others stop at their next checkpoint
                  onAbort();
                  throw error;
                }),
            ),
          );
          if (settled.some((r) => r.status === 'rejected')) {
            const failure = firstFailure(settled);
            throw o.signal?.aborted && isStop(failure) ? interrupted(o, failure) : failure;
          }
          for (const r of settled) if (r.status === 'fulfilled') results.push(r.value);
        } finally {
          o.signal?.removeEventListener('abort', onAbort);
        }
      }
      // network-episodes each slice trained in this call
      const work = slices.map((slice, k) => (E - starts[k]) * (slice.to - slice.from));
      const result: TrainResult = {
        networks: results.flatMap((r) => r.networks),
        netEpisodesPerSecond: parallelRate(results, parallel, work),
        backend: results[0].backend,
      };
      backend = result.backend;
      const slicePhases = results.map((r) => r.phases);
      phases = addPhaseTimes(phases, parallel > 1 ? concurrentPhaseTimes(slicePhases) : addPhaseTimes(...slicePhases));
      const count = work.reduce((sum, w) => sum + w, 0);
      trainedEpisodes += count;
      if (result.netEpisodesPerSecond > 0) trainingSeconds += count / result.netEpisodesPerSecond;
      done += members.length * E;
      for (let k = 0; k < result.networks.length; k++) {
        const r = result.networks[k];
        const e = entries[k];
        if (o.out) {
          await writeNetworkResult(
            o.out,
            { id: e.id, arch: r.member.arch, seed: r.member.seed, weights: r.weights, fitness: r.fitness, trainingCurve: r.trainingCurve, episodes: r.episodes },
            { backend: result.backend, shapes: architecture.weightShapes?.(r.member.arch, o.task.channels) },
          );
        }
        trained.push(r);
        summaries[from + k] = summarize(e, jsonNumber(r.fitness), r.trainingCurve.map(jsonNumber));
      }
      if (o.out) await removeCheckpoint(o.out);
      if (loggers.length > 0) {
        const ids = entries.map((e) => e.id);
        const networks = result.networks;
        for (let point = 0; point < o.config.curvePoints; point++) {
          const episode = curvePointEpisode(o.config, point);
          log((l) => l.curvePoint?.({ point, episode, networks: ids, fitness: networks.map((r) => jsonNumber(r.trainingCurve[point])) }));
        }
        log((l) => l.finalFitness?.({ networks: ids, fitness: networks.map((r) => jsonNumber(r.fitness)) }));
        await flushLogs();
      }
    }
    const rate = trainingSeconds > 0 ? trainedEpisodes / trainingSeconds : Number.NaN;
    log((l) => l.runEnd?.({ networks: o.members.length, netEpisodesPerSecond: Number.isFinite(rate) ? rate : null, ...(o.out ? { out: o.out } : {}) }));
    await flushLogs();
  } finally {
    if (ownPool) await pool?.destroy();
    await logged;
    for (const logger of loggers) await logger.close?.();
  }
  return {
    networks: summaries as RunNetworkSummary[],
    netEpisodesPerSecond: trainingSeconds > 0 ? trainedEpisodes / trainingSeconds : Number.NaN,
    backend,
    out: o.out,
    trained,
    phases,
  };
}
