import * as tf from '@tensorflow/tfjs-core';
import { PrnnError, resolveTaskOptions, type MazeKind } from '@prnn/env';
import type { ArchInfo, Architecture } from '../sdk/architecture.js';
import type { KernelSet } from '../sdk/kernel.js';
import { benchPopulationMemory, type PopulationMemory } from '../bench/bench-memory.js';
import { episodeFlops } from '../bench/episode-flops.js';
import { PEAK_FLOPS_PER_CORE, REFERENCE_MACHINE, REFERENCE_TRAINING_EPISODE_MS } from '../bench/reference-figures.js';
import { GENERIC_PATH } from '../sdk/kernel.js';
import { createBenchPopulation, measureEpisodeRate } from './bench-episode.js';
import { trainingPath } from './train-run.js';
import { TrainWorkerPool, checkWorkers } from './workers/train-in-workers.js';

/** The reference's speed on this task (BENCHMARKS.md, one core): 12.0 ms per General FC episode. */
export const REFERENCE_EPISODES_PER_SECOND = 1000 / REFERENCE_TRAINING_EPISODE_MS.general.fc;
/** The population whose memory the bench always reports (the memory target: 256 FC networks must fit in 64 MB). */
export const MEMORY_REPORT_POPULATION = 256;
/** Population sizes tried when none is given. */
export const BENCH_POPULATIONS = [1, 32, 128, 256] as const;

export interface BenchTrainOptions {
  readonly architecture: Architecture;
  /** Population size; when absent, the fastest per core among BENCH_POPULATIONS. */
  readonly population?: number;
  /** Learning path to ask the architecture for (absent: the family's default kernel, wasm-simd or fused for the 9-pathway family). */
  readonly path?: string;
  /** The family's registered kernels (`registry.kernels(family)`). */
  readonly kernels?: KernelSet;
  /** Approximate total wall time to spend measuring (warm-up not included). */
  readonly seconds?: number;
  /** Timed runs per population size (the median is reported). */
  readonly repeats?: number;
  /** Worker threads measuring at the same time, each its own population (default 1: this thread). */
  readonly workers?: number;
  /** Workers rebuild the registry: from prnn.config.json in `cwd` (default process.cwd()). */
  readonly cwd?: string;
  /**
   * The network measured (default: the family's `fc` at H = 8). Any member of the family, e.g. a plugin's
   * `lowrank-r2`; the reference stays FC's, the roofline counts this network's weights as FC-like layers.
   */
  readonly arch?: ArchInfo;
  /** Minimum warm-up per population size, in seconds (default 2). */
  readonly warmupSeconds?: number;
  /** Also measure every path registered for the family (generic and each population kernel) on this thread (default true). */
  readonly comparePaths?: boolean;
  /** Maze kind trained on, with its default task options (default `general`; the reference and roofline stay General FC's). */
  readonly maze?: MazeKind;
}

/** The reference figure a rate is compared with (recorded, not measured here). */
export interface TrainReference {
  readonly task: 'general';
  readonly arch: 'fc';
  readonly msPerEpisode: number;
  readonly episodesPerSecond: number;
  readonly machine: string;
}

/** Achieved arithmetic rate: the FLOP a network-episode needs ÷ the measured time per network-episode. */
export interface TrainRoofline {
  /** FLOP per FC General network-episode (learning forward reused from the rollout, as the fused path does). */
  readonly flopsPerEpisode: number;
  /** The same counting a recomputed learning forward (3 forwards per step, as the reference runs it). */
  readonly flopsPerEpisodeRecomputed: number;
  readonly microsecondsPerEpisode: number;
  readonly gflopsPerSecond: number;
  /** The recorded sustained rate of one core on this work (a WebAssembly SIMD probe, BENCHMARKS.md). */
  readonly peakGflopsPerSecond: number;
  readonly fractionOfPeak: number;
  /** Network-episodes per second per core at that peak. */
  readonly episodesPerSecondAtPeak: number;
}

/** One path's rate at the chosen population, on this thread. */
export interface PathRate {
  readonly path: string;
  readonly population: number;
  readonly netEpisodesPerSecondPerCore: number;
  readonly speedup: number;
}

export interface BenchTrainResult {
  /** netEpisodesPerSecond / workers. */
  readonly netEpisodesPerSecondPerCore: number;
  /** Summed over the workers. */
  readonly netEpisodesPerSecond: number;
  /** Networks per population (per worker). */
  readonly population: number;
  /** The network measured (`fc` by default). */
  readonly arch: string;
  readonly backend: string;
  readonly path: string;
  readonly workers: number;
  /** Median rate per core of every population size tried. */
  readonly tried: readonly { population: number; netEpisodesPerSecondPerCore: number }[];
  /** netEpisodesPerSecondPerCore / reference.episodesPerSecond. */
  readonly speedup: number;
  readonly reference: TrainReference;
  readonly roofline: TrainRoofline;
  /** Every path registered for the family, in registry order (empty with comparePaths false). */
  readonly paths: readonly PathRate[];
  /** The maze kind trained on. */
  readonly maze: MazeKind;
  /** Estimated memory at the measured population and at MEMORY_REPORT_POPULATION (undefined: no estimate). */
  readonly memory?: PopulationMemory;
  readonly memory256?: PopulationMemory;
}

export function trainReference(): TrainReference {
  const ms = REFERENCE_TRAINING_EPISODE_MS.general.fc;
  return { task: 'general', arch: 'fc', msPerEpisode: ms, episodesPerSecond: 1000 / ms, machine: REFERENCE_MACHINE };
}

/** The roofline figures of a measured FC General rate (network-episodes per second on one core). */
export function trainRoofline(netEpisodesPerSecondPerCore: number, fc: { hidden: number; parameters: number }, channels: number, steps: number): TrainRoofline {
  const flops = episodeFlops({ inputs: 4 * channels, hidden: fc.hidden, outputs: 5, weights: fc.parameters }, steps);
  const rate = flops.episode * netEpisodesPerSecondPerCore;
  return {
    flopsPerEpisode: flops.episode,
    flopsPerEpisodeRecomputed: flops.episodeRecomputed,
    microsecondsPerEpisode: 1e6 / netEpisodesPerSecondPerCore,
    gflopsPerSecond: rate / 1e9,
    peakGflopsPerSecond: PEAK_FLOPS_PER_CORE / 1e9,
    fractionOfPeak: rate / PEAK_FLOPS_PER_CORE,
    episodesPerSecondAtPeak: PEAK_FLOPS_PER_CORE / flops.episode,
  };
}


/** What one thread measures (plain data, for worker threads). */
export interface BenchTrainThreadRequest {
  readonly family: string;
  readonly backend: string;
  readonly cwd: string;
  readonly population?: number;
  readonly arch?: ArchInfo;
  readonly path: string;
  readonly seconds: number;
  readonly repeats: number;
  readonly warmupSeconds: number;
  /** Maze kind trained on (default `general`). */
  readonly maze?: MazeKind;
}

/**
 * Training speed of the DQN (rollout + learning pass + clip + Adam; no evaluation) for FC, H = 8,
 * General maze (20 steps), σs = 0.05, in network-episodes per second: on this one core (JS and the
 * tfjs cpu/wasm kernels run on the main thread), or with `workers` threads measuring at once (each its
 * own population), summed and per core. Each population size is warmed up until V8 has optimised the
 * (generated) kernel code: at least `warmupSeconds` and until two consecutive half-second rates agree
 * within 5 %.
 */
export async function benchTrain(opts: BenchTrainOptions): Promise<BenchTrainResult> {
  const seconds = opts.seconds ?? 10;
  if (!(seconds > 0 && seconds <= 3600)) throw new PrnnError(`seconds must be a number in (0, 3600] (got ${seconds})`);
  const repeats = opts.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new PrnnError(`repeats must be an integer ≥ 1 (got ${repeats})`);
  if (opts.population !== undefined && !(Number.isInteger(opts.population) && opts.population >= 1 && opts.population <= 65536)) {
    throw new PrnnError(`population must be an integer in [1, 65536] (got ${opts.population})`);
  }
  const warmupSeconds = opts.warmupSeconds ?? 2;
  if (!(warmupSeconds >= 0 && warmupSeconds <= 600)) throw new PrnnError(`warmupSeconds must be a number in [0, 600] (got ${warmupSeconds})`);
  const workers = checkWorkers(opts.workers ?? 1);
  const path = trainingPath(opts.architecture, opts.kernels, opts.path);
  if (workers === 1) {
    const r = await benchTrainThread(opts.architecture, opts.kernels, { population: opts.population, arch: opts.arch, path, seconds, repeats, warmupSeconds, maze: opts.maze });
    return withFigures(opts, { ...r, netEpisodesPerSecond: r.netEpisodesPerSecondPerCore, path, workers }, { seconds, repeats, warmupSeconds });
  }
  const pool = new TrainWorkerPool(workers);
  let measured: Measured;
  try {
    const request: BenchTrainThreadRequest = {
      family: opts.architecture.family,
      backend: tf.getBackend(),
      cwd: opts.cwd ?? process.cwd(),
      population: opts.population,
      arch: opts.arch,
      path,
      seconds,
      repeats,
      warmupSeconds,
      maze: opts.maze,
    };
    const threads = await Promise.all(Array.from({ length: workers }, () => pool.call<ThreadResult>('benchTrainInWorker', request)));
    // the population size whose rate summed over the threads is highest
    const tried = threads[0].tried.map((t, k) => ({
      population: t.population,
      netEpisodesPerSecondPerCore: threads.reduce((s, r) => s + r.tried[k].netEpisodesPerSecondPerCore, 0) / workers,
    }));
    const best = tried.reduce((a, b) => (b.netEpisodesPerSecondPerCore > a.netEpisodesPerSecondPerCore ? b : a));
    measured = {
      netEpisodesPerSecondPerCore: best.netEpisodesPerSecondPerCore,
      netEpisodesPerSecond: best.netEpisodesPerSecondPerCore * workers,
      population: best.population,
      arch: opts.arch?.name ?? 'fc',
      backend: threads[0].backend,
      path,
      workers,
      tried,
      speedup: best.netEpisodesPerSecondPerCore / REFERENCE_EPISODES_PER_SECOND,
    };
  } finally {
    await pool.destroy();
  }
  return withFigures(opts, measured, { seconds, repeats, warmupSeconds });
}

type Measured = Omit<BenchTrainResult, 'reference' | 'roofline' | 'paths' | 'memory' | 'memory256' | 'maze'>;
type ThreadResult = Omit<Measured, 'netEpisodesPerSecond' | 'path' | 'workers'>;

/**
 * Adds the recorded reference, the roofline, each registered path's rate at the chosen population (measured
 * on this thread, one after the other) and the memory estimates.
 */
async function withFigures(
  opts: BenchTrainOptions,
  r: Measured,
  budget: { seconds: number; repeats: number; warmupSeconds: number },
): Promise<BenchTrainResult> {
  const task = resolveTaskOptions('general', {});
  const fc = opts.arch ?? opts.architecture.resolve('fc', { channels: task.channels, hidden: 8 });
  if (!fc) throw new PrnnError(`architecture family ${opts.architecture.family} has no "fc" network to benchmark: name one with arch`);
  const paths: PathRate[] = [];
  if (opts.comparePaths ?? true) {
    const names = opts.kernels?.paths() ?? [GENERIC_PATH];
    for (const name of names) {
      const rate =
        name === r.path && r.workers === 1
          ? r.netEpisodesPerSecondPerCore
          : (await benchTrainThread(opts.architecture, opts.kernels, { ...budget, population: r.population, arch: opts.arch, path: name, seconds: budget.seconds / names.length, maze: opts.maze })).netEpisodesPerSecondPerCore;
      paths.push({ path: name, population: r.population, netEpisodesPerSecondPerCore: rate, speedup: rate / REFERENCE_EPISODES_PER_SECOND });
    }
  }
  return {
    ...r,
    maze: opts.maze ?? 'general',
    reference: trainReference(),
    roofline: trainRoofline(r.netEpisodesPerSecondPerCore, fc, task.channels, task.steps),
    paths,
    memory: benchPopulationMemory(opts.architecture, opts.kernels, fc, task, r.path, r.population),
    memory256: benchPopulationMemory(opts.architecture, opts.kernels, fc, task, r.path, MEMORY_REPORT_POPULATION),
  };
}

/** One thread's measurement (what each worker runs). */
export async function benchTrainThread(
  architecture: Architecture,
  kernels: KernelSet | undefined,
  opts: { population?: number; arch?: ArchInfo; path: string; seconds: number; repeats: number; warmupSeconds: number; maze?: MazeKind },
): Promise<ThreadResult> {
  const { seconds, repeats } = opts;
  const sizes = opts.population !== undefined ? [opts.population] : [...BENCH_POPULATIONS];
  const task = resolveTaskOptions(opts.maze ?? 'general', {});
  const fc = opts.arch ?? architecture.resolve('fc', { channels: task.channels, hidden: 8 });
  if (!fc) throw new PrnnError(`architecture family ${architecture.family} has no "fc" network to benchmark: name one with arch`);
  const budgetMs = (seconds * 1000) / sizes.length;
  const tried: { population: number; netEpisodesPerSecondPerCore: number }[] = [];

  for (const P of sizes) {
    const members = Array.from({ length: P }, (_, n) => ({ arch: fc, seed: n }));
    const bench = createBenchPopulation(architecture, kernels, members, task, opts.path);
    try {
      tried.push({ population: P, netEpisodesPerSecondPerCore: measureEpisodeRate(bench, budgetMs, repeats, opts.warmupSeconds) });
    } finally {
      bench.dispose();
    }
  }
  const best = tried.reduce((a, b) => (b.netEpisodesPerSecondPerCore > a.netEpisodesPerSecondPerCore ? b : a));
  return {
    netEpisodesPerSecondPerCore: best.netEpisodesPerSecondPerCore,
    population: best.population,
    arch: fc.name,
    backend: tf.getBackend(),
    tried,
    speedup: best.netEpisodesPerSecondPerCore / REFERENCE_EPISODES_PER_SECOND,
  };
}
