import * as tf from '@tensorflow/tfjs-core';
import { resolveTaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import {
  DEFAULT_EPISODES, DEFAULT_POPULATION, SAMPLE_RUN, TrainWorkerPool, checkWorkers, measureSweepThread, sliceBounds, trainingPath,
  type Architecture, type KernelSet, type SweepThreadRates, type SweepThreadRequest,
} from '@prnn/agents';
import { describeRecorded, loadReferenceCode, type ReferenceCodeFigures } from './reference-figures.js';

/** The paper's sweep (docs/spec.md §5): 128 architectures + ff-large, 50 seeds each, 100-point curves on 1 000 mazes. */
export const PAPER_SWEEP = { configurations: 129, seeds: 50, curvePoints: 100, testMazes: 1000 } as const;

/**
 * Options of the sweep projection benchmark: the family, workers, population, learning path, measured seconds and test
 * mazes.
 */
export interface BenchSweepOptions {
  readonly architecture: Architecture;
  /** Worker threads, as `prnn train --workers` would use (default 1: this thread). */
  readonly workers?: number;
  /** Networks per population, as `prnn train --population` (default 256); each worker measures a slice of it. */
  readonly population?: number;
  readonly path?: string;
  /** The family's registered kernels (`registry.kernels(family)`). */
  readonly kernels?: KernelSet;
  /** Seconds of timed training per task and thread (default 4); warm-up and evaluations come on top. */
  readonly seconds?: number;
  /** Minimum warm-up per task and thread, in seconds (default 2). */
  readonly warmupSeconds?: number;
  /**
   * Test mazes of the measured greedy tests (default 100; the projection scales to the sweep's 1 000). The test
   * is chunked as the learner chunks it on that many mazes, so the sweep's own count times it in its real shape.
   */
  readonly testMazes?: number;
  /** Networks of each thread's slice whose greedy test is timed (default: the whole slice). */
  readonly testNetworks?: number;
  /** Workers rebuild the registry: from prnn.config.json in `cwd` (default process.cwd()). */
  readonly cwd?: string;
  /** The reference code's recorded speed (default: reference/reference-code.json). */
  readonly reference?: ReferenceCodeFigures;
}

/**
 * Projected wall time of the paper's sweep on one maze kind: its size, the measured rates, and the training and
 * evaluation hours.
 */
export interface SweepTaskProjection {
  readonly task: 'track' | 'general';
  readonly steps: number;
  readonly networks: number;
  readonly episodesPerNetwork: number;
  readonly curvePoints: number;
  readonly testMazes: number;
  /** Measured, summed over the workers: the 128 mixed, ff-large alone, greedy-test trials. */
  readonly trainNetEpisodesPerSecond: number;
  readonly largeTrainNetEpisodesPerSecond: number;
  readonly evalTrialsPerSecond: number;
  /**
   * Per thread (the harmonic mean of the threads: every thread does the same work, so their CPU seconds add up),
   * per second of the thread's CPU time: training of the 128 mixed, of
   * ff-large, greedy-test trials. What a thread does when it has a core to itself, whatever the machine's load.
   */
  readonly perThreadCpu: { readonly trainNetEpisodesPerSecond: number; readonly largeTrainNetEpisodesPerSecond: number; readonly evalTrialsPerSecond: number };
  /** Projected wall time of the sweep on this machine, and its training and testing parts. */
  readonly hours: number;
  readonly trainHours: number;
  readonly evalHours: number;
  /**
   * The recorded reference (reference/reference-code.json, one core): ms per training episode — Track: the 128 mixed; General:
   * FC (the mixed were not recorded; FF takes 7.4 ms, so this is the reference's slow end) — and per test trial.
   */
  readonly referenceMsPerEpisode: number;
  readonly referenceMsPerTrial: number;
  /** Measured rate per core ÷ the reference's, for training the 128 and for test trials. */
  readonly trainSpeedupPerCore: number;
  readonly evalSpeedupPerCore: number;
  /** The same sweep by the reference on as many cores, at its recorded rates (ff-large at the mixed rate). */
  readonly referenceHours: number;
}

/** Result of the sweep projection benchmark: the setting, the measured slice, and one projection per maze kind. */
export interface BenchSweepResult {
  readonly workers: number;
  readonly population: number;
  /** Networks per measured slice (per worker). */
  readonly slice: number;
  readonly backend: string;
  readonly path: string;
  readonly track: SweepTaskProjection;
  readonly general: SweepTaskProjection;
  readonly referenceMachine: string;
}

/**
 * Projects the wall time of the paper's sweep on this machine: 6 450 networks (129 configurations × 50
 * seeds), Track (100 000 episodes of 6 steps) and General (400 000 episodes of 20 steps), each network with
 * a 100-point training curve and the final test on 1 000 test mazes. Each task is measured briefly with
 * `workers` threads at once, each training a slice of a population (as `prnn train` cuts populations) that
 * samples the 128 architectures in runs of SAMPLE_RUN consecutive seeds, as the sweep lays them out, and a
 * slice of ff-large networks; then the sweep's populations are laid out
 * as `prnn train --arch all --seeds 50` makes them (the 128 × 50 first, ff-large × 50 last): a population
 * takes as long as its largest slice (training, plus 101 greedy tests of its networks on 1 000 mazes).
 */
export async function benchSweep(opts: BenchSweepOptions): Promise<BenchSweepResult> {
  return measureSweepTasks(opts, ['track', 'general'], (setting, [track, general]) => ({ ...setting, track, general }));
}

/** What {@link benchSweepTask} measured: the setting and the one task's projection. */
export interface BenchSweepTaskResult extends Omit<BenchSweepResult, 'track' | 'general'> {
  readonly projection: SweepTaskProjection;
}

/**
 * {@link benchSweep} on one maze kind only: the same measurement and projection, in about half the time when
 * only one task matters (the per-phase calibration of `reproduce` measures its plan's task).
 */
export async function benchSweepTask(opts: BenchSweepOptions, kind: 'track' | 'general'): Promise<BenchSweepTaskResult> {
  return measureSweepTasks(opts, [kind], (setting, [projection]) => ({ ...setting, projection }));
}

async function measureSweepTasks<R>(
  opts: BenchSweepOptions,
  kinds: readonly ('track' | 'general')[],
  result: (setting: Omit<BenchSweepResult, 'track' | 'general'>, projections: SweepTaskProjection[]) => R,
): Promise<R> {
  const workers = checkWorkers(opts.workers ?? 1);
  const population = opts.population ?? DEFAULT_POPULATION;
  if (!Number.isInteger(population) || population < 1) throw new PrnnError(`population must be an integer ≥ 1 (got ${population})`);
  const seconds = opts.seconds ?? 4;
  if (!(seconds > 0 && seconds <= 3600)) throw new PrnnError(`seconds must be a number in (0, 3600] (got ${seconds})`);
  const warmupSeconds = opts.warmupSeconds ?? 2;
  if (!(warmupSeconds >= 0 && warmupSeconds <= 600)) throw new PrnnError(`warmupSeconds must be a number in [0, 600] (got ${warmupSeconds})`);
  const testMazes = opts.testMazes ?? 100;
  if (!Number.isInteger(testMazes) || testMazes < 1) throw new PrnnError(`testMazes must be an integer ≥ 1 (got ${testMazes})`);
  const path = trainingPath(opts.architecture, opts.kernels, opts.path);
  const reference = opts.reference ?? loadReferenceCode();
  const networks = PAPER_SWEEP.configurations * PAPER_SWEEP.seeds;
  const slices = Math.min(workers, population);
  const slice = Math.ceil(population / slices);
  const pool = workers > 1 ? new TrainWorkerPool(workers) : undefined;
  try {
    const measure = async (kind: 'track' | 'general'): Promise<SweepTaskProjection> => {
      const base = { kind, networks: slice, path, seconds, warmupSeconds, testMazes, testNetworks: opts.testNetworks, runs: Math.ceil((slice * slices) / SAMPLE_RUN) };
      const threads: SweepThreadRates[] = pool
        ? await Promise.all(
            Array.from({ length: workers }, (_, k) =>
              pool.call<SweepThreadRates>('benchSweepInWorker', {
                ...base,
                offset: k * slice,
                family: opts.architecture.family,
                backend: tf.getBackend(),
                cwd: opts.cwd ?? process.cwd(),
              } satisfies SweepThreadRequest),
            ),
          )
        : [await measureSweepThread(opts.architecture, opts.kernels, { ...base, offset: 0 })];
      const mean = (f: (t: SweepThreadRates) => number) => threads.reduce((s, t) => s + f(t), 0) / threads.length;
      const harmonicMean = (f: (t: SweepThreadRates) => number) => threads.length / threads.reduce((s, t) => s + 1 / f(t), 0);
      const train = mean((t) => t.trainNetEpisodesPerSecond);
      const trainLarge = mean((t) => t.largeTrainNetEpisodesPerSecond);
      const test = mean((t) => t.evalTrialsPerSecond);
      const E = DEFAULT_EPISODES[kind];
      const tests = PAPER_SWEEP.curvePoints + 1;
      // `--arch all --seeds 50`: the 128 × 50 first, then ff-large × 50 (a population holding one is padded to H = 34)
      const smallNetworks = (PAPER_SWEEP.configurations - 1) * PAPER_SWEEP.seeds;
      let trainSeconds = 0;
      let evalSeconds = 0;
      for (let from = 0; from < networks; from += population) {
        const size = Math.min(population, networks - from);
        const rate = from + size > smallNetworks ? trainLarge : train;
        // slices run at once; the population waits for its largest
        const largest = Math.max(...sliceBounds(size, Math.min(workers, size)).map(([a, b]) => b - a));
        trainSeconds += (E * largest) / rate;
        evalSeconds += (tests * largest * PAPER_SWEEP.testMazes) / test;
      }
      const refEpisode = kind === 'track' ? reference.trainingEpisodeMs.track.mixed : reference.trainingEpisodeMs.general.fc;
      const refTrial = reference.testTrialMs[kind];
      const cores = threads.length;
      const referenceSeconds = (networks * (E * refEpisode + tests * PAPER_SWEEP.testMazes * refTrial)) / 1000 / cores;
      return {
        task: kind,
        steps: resolveTaskOptions(kind, {}).steps,
        networks,
        episodesPerNetwork: E,
        curvePoints: PAPER_SWEEP.curvePoints,
        testMazes: PAPER_SWEEP.testMazes,
        trainNetEpisodesPerSecond: train * threads.length,
        largeTrainNetEpisodesPerSecond: trainLarge * threads.length,
        evalTrialsPerSecond: test * threads.length,
        // equal work on every thread: the CPU seconds add up, so the threads' rate is the harmonic mean
        perThreadCpu: {
          trainNetEpisodesPerSecond: harmonicMean((t) => t.cpu.trainNetEpisodesPerSecond),
          largeTrainNetEpisodesPerSecond: harmonicMean((t) => t.cpu.largeTrainNetEpisodesPerSecond),
          evalTrialsPerSecond: harmonicMean((t) => t.cpu.evalTrialsPerSecond),
        },
        hours: (trainSeconds + evalSeconds) / 3600,
        trainHours: trainSeconds / 3600,
        evalHours: evalSeconds / 3600,
        referenceMsPerEpisode: refEpisode,
        referenceMsPerTrial: refTrial,
        trainSpeedupPerCore: (train * refEpisode) / 1000,
        evalSpeedupPerCore: (test * refTrial) / 1000,
        referenceHours: referenceSeconds / 3600,
      };
    };
    const projections: SweepTaskProjection[] = [];
    for (const kind of kinds) projections.push(await measure(kind));
    return result({ workers, population, slice, backend: tf.getBackend(), path, referenceMachine: describeRecorded(reference) }, projections);
  } finally {
    await pool?.destroy();
  }
}
