import * as tf from '@tensorflow/tfjs-core';
import { PrnnError, generateMazeSet, median, resolveTaskOptions, type MazeKind, type TaskOptions } from '@prnn/env';
import type { ArchInfo, Architecture, PopulationMember } from '../sdk/architecture.js';
import type { KernelSet } from '../sdk/kernel.js';
import { TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { DEFAULT_EPISODES } from '../learners/dqn-config.js';
import { REFERENCE_MACHINE, REFERENCE_TEST_TRIAL_MS, REFERENCE_TRAINING_EPISODE_MS } from '../bench/reference-figures.js';
import { createBenchPopulation, measureEpisodeRate, type BenchPopulation } from './bench-episode.js';
import { GreedyEvaluator, populationPolicy } from './evaluate-greedy.js';
import { DEFAULT_POPULATION, trainingPath } from './train-run.js';
import { TrainWorkerPool, checkWorkers, sliceBounds } from './workers/train-in-workers.js';

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
  /** Test mazes of the measured greedy tests (default 100; the projection scales to the sweep's 1 000). */
  readonly testMazes?: number;
  /** Workers rebuild the registry: from prnn.config.json in `cwd` (default process.cwd()). */
  readonly cwd?: string;
}

/** One thread's measured rates on one task (plain data, for worker threads). */
export interface SweepThreadRates {
  /** DQN training (rollout + learning pass + clip + Adam) of the 128 mixed, network-episodes per second. */
  readonly trainNetEpisodesPerSecond: number;
  /** The same for a population of ff-large networks (H = 34), which the sweep trains on their own. */
  readonly largeTrainNetEpisodesPerSecond: number;
  /** Greedy test, network-trials (one network on one maze, a whole episode) per second. */
  readonly evalTrialsPerSecond: number;
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
  /** Projected wall time of the sweep on this machine, and its training and testing parts. */
  readonly hours: number;
  readonly trainHours: number;
  readonly evalHours: number;
  /**
   * The recorded reference (BENCHMARKS.md, one core): ms per training episode — Track: the 128 mixed; General:
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
 * What a worker thread of the sweep benchmark measures: family, backend, maze kind, its slice of networks, path and
 * timing.
 */
export interface SweepThreadRequest {
  readonly family: string;
  readonly backend: string;
  readonly cwd: string;
  readonly kind: 'track' | 'general';
  /** Networks of this thread's slice, which starts at network `offset` of the measured population (see sampleMembers). */
  readonly networks: number;
  readonly offset: number;
  /** Runs of SAMPLE_RUN seeds in all threads' slices together. */
  readonly runs: number;
  readonly path: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly testMazes: number;
}

/** The large feed-forward network, which `--arch all` puts after the 128 (so in populations of its own). */
const LARGE = 'ff-large';

/**
 * Seeds per architecture in a measured slice. The sweep lays out 50 consecutive seeds of each architecture
 * (`--arch all --seeds 50`), so a kernel that packs networks of one architecture together (wasm-simd: four
 * per v128) finds them together; runs of 4 keep that while a slice still samples 32 architectures. (The
 * sweep's runs of 50 also have ragged ends, 50 = 12 × 4 + 2, cut again at population and slice borders:
 * a few per cent more lane groups than the sample, which the projection does not add.)
 */
export const SAMPLE_RUN = 4;

/**
 * The sample's architectures are those of runs b = 0, 1, … at (b · SAMPLE_STRIDE) mod the count (reference
 * order). A stride coprime with the count visits every architecture once per count runs, and any stretch of
 * runs mixes pathways the way the family does: with 128 architectures, 32 runs average 272.5 weights (the
 * 128: 272.5). (Spreading the runs evenly, b · 128 / runs, had picked indices with their lowest bits clear —
 * architectures without oh, or without hi and oh: 252.5 weights for 64 runs, 220.5 for 32 — and overstated
 * the rate of smaller slices by up to 1.5×.) The chosen architectures are then laid out in reference order,
 * as `--arch all` lays out the sweep: neighbours share most pathways, which the kernels' per-pathway loops
 * feel (the same 256 networks train ≈ 12 % faster in reference order than in stride order).
 */
export const SAMPLE_STRIDE = 41;

function coprimeStride(count: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = SAMPLE_STRIDE;
  while (gcd(stride, count) !== 1) stride++;
  return stride;
}

/**
 * `count` members of a thread whose slice starts at network `offset` of the measured population, which
 * holds `runs` runs in all: runs of SAMPLE_RUN consecutive seeds (offset, offset + 1, …) per architecture,
 * the runs' architectures chosen as SAMPLE_STRIDE says and sorted into reference order.
 */
export function sampleMembers(archs: readonly ArchInfo[], count: number, offset: number, runs: number): PopulationMember[] {
  const stride = coprimeStride(archs.length);
  const total = Math.max(1, runs);
  const chosen = Array.from({ length: total }, (_, b) => (b * stride) % archs.length).sort((x, y) => x - y);
  const archOf = (b: number) => archs[chosen[b % total]];
  return Array.from({ length: count }, (_, n) => ({ arch: archOf(Math.floor((offset + n) / SAMPLE_RUN)), seed: offset + n }));
}

/** Median network-episodes per second of `members` training on `task`, after the warm-up. */
function measureTraining(
  architecture: Architecture,
  kernels: KernelSet | undefined,
  members: readonly PopulationMember[],
  task: TaskOptions,
  path: string,
  seconds: number,
  warmupSeconds: number,
): { rate: number; bench: BenchPopulation } {
  const bench = createBenchPopulation(architecture, kernels, members, task, path);
  try {
    return { rate: measureEpisodeRate(bench, seconds * 1000, 3, warmupSeconds), bench };
  } catch (error) {
    bench.dispose();
    throw error;
  }
}

/**
 * What one thread measures on a task: the training rate of a slice sampling the 128 architectures (runs of
 * SAMPLE_RUN seeds each, see sampleMembers; then the
 * greedy-test rate of that slice), and the training rate of a slice of ff-large networks alone.
 */
export async function measureSweepThread(architecture: Architecture, kernels: KernelSet | undefined, req: Omit<SweepThreadRequest, 'family' | 'backend' | 'cwd'>): Promise<SweepThreadRates> {
  const task = resolveTaskOptions(req.kind as MazeKind, {});
  const listed = architecture.list({ channels: task.channels, hidden: 8 });
  const small = listed.filter((a) => a.name !== LARGE);
  const large = listed.filter((a) => a.name === LARGE);
  if (small.length === 0) throw new PrnnError(`architecture family ${architecture.family} lists no architectures to measure`);
  let largeRate = Number.NaN;
  if (large.length > 0) {
    const m = measureTraining(architecture, kernels, sampleMembers(large, req.networks, req.offset, req.runs), task, req.path, req.seconds / 4, req.warmupSeconds);
    m.bench.dispose();
    largeRate = m.rate;
  }
  const members = sampleMembers(small, req.networks, req.offset, req.runs);
  const { rate, bench } = measureTraining(architecture, kernels, members, task, req.path, req.seconds, req.warmupSeconds);
  try {
    const repeats = 3;
    const testSet = generateMazeSet(task, { count: req.testMazes, seed: TEST_SET_SEED_OFFSET });
    const evaluator = new GreedyEvaluator(testSet, members.length);
    const policy = populationPolicy(bench.model);
    const seeds = members.map((m) => m.seed);
    await evaluator.evaluate(policy, seeds, { sensorNoise: 0.05, streamId: 0 });
    const evalRates: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      await evaluator.evaluate(policy, seeds, { sensorNoise: 0.05, streamId: 1 + r });
      evalRates.push((members.length * req.testMazes) / ((performance.now() - t0) / 1000));
    }
    return { trainNetEpisodesPerSecond: rate, largeTrainNetEpisodesPerSecond: Number.isNaN(largeRate) ? rate : largeRate, evalTrialsPerSecond: median(evalRates) };
  } finally {
    bench.dispose();
  }
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
  const networks = PAPER_SWEEP.configurations * PAPER_SWEEP.seeds;
  const slices = Math.min(workers, population);
  const slice = Math.ceil(population / slices);
  const pool = workers > 1 ? new TrainWorkerPool(workers) : undefined;
  try {
    const measure = async (kind: 'track' | 'general'): Promise<SweepTaskProjection> => {
      const base = { kind, networks: slice, path, seconds, warmupSeconds, testMazes, runs: Math.ceil((slice * slices) / SAMPLE_RUN) };
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
      const refEpisode = kind === 'track' ? REFERENCE_TRAINING_EPISODE_MS.track.mixed : REFERENCE_TRAINING_EPISODE_MS.general.fc;
      const refTrial = REFERENCE_TEST_TRIAL_MS[kind];
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
    const track = await measure('track');
    const general = await measure('general');
    return { workers, population, slice, backend: tf.getBackend(), path, track, general, referenceMachine: REFERENCE_MACHINE };
  } finally {
    await pool?.destroy();
  }
}
