import * as tf from '@tensorflow/tfjs-core';
import { resolveTaskOptions, type MazeKind } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import {
  GENERIC_PATH, TrainWorkerPool, benchTrainThread, checkWorkers, trainingPath,
  type ArchInfo, type Architecture, type BenchTrainThreadRequest, type BenchTrainThreadResult, type KernelSet,
} from '@prnn/agents';
import { benchPopulationMemory, type PopulationMemory } from './bench-memory.js';
import { episodeFlops } from './episode-flops.js';
import { describeRecorded, loadPeakFlops, loadReferenceCode, type PeakFlopsFigure, type ReferenceCodeFigures } from './reference-figures.js';

/** The population whose memory the bench always reports (the memory target: 256 FC networks must fit in 64 MB). */
export const MEMORY_REPORT_POPULATION = 256;

/**
 * Options of the training benchmark: the family, population, learning path, measured seconds and repeats, workers, and
 * whether to compare paths.
 */
export interface BenchTrainOptions {
  readonly architecture: Architecture;
  /** Population size; when absent, the fastest per core among BENCH_POPULATIONS. */
  readonly population?: number;
  /** Learning path to ask the architecture for (absent: the family's default kernel, compiled for the 9-pathway family). */
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
  /** The reference code's recorded speed (default: reference/reference-code.json). */
  readonly reference?: ReferenceCodeFigures;
  /** The recorded peak rate of one core for the roofline (default: reference/peak-flops.json). */
  readonly peak?: PeakFlopsFigure;
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
  /** FLOP per FC General network-episode (learning forward reused from the rollout, as the compiled path does). */
  readonly flopsPerEpisode: number;
  /** The same counting a recomputed learning forward (3 forwards per step, as the reference runs it). */
  readonly flopsPerEpisodeRecomputed: number;
  readonly microsecondsPerEpisode: number;
  readonly gflopsPerSecond: number;
  /** The recorded sustained rate of one core on this work (a WebAssembly SIMD probe, reference/peak-flops.json). */
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

/**
 * Result of the training benchmark: network-episodes per second (total and per core), per path, and the memory
 * estimates.
 */
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

/** The reference code's measured training speed (General maze, fc), the yardstick of `prnn bench train`. */
export function trainReference(reference: ReferenceCodeFigures = loadReferenceCode()): TrainReference {
  const ms = reference.trainingEpisodeMs.general.fc;
  return { task: 'general', arch: 'fc', msPerEpisode: ms, episodesPerSecond: 1000 / ms, machine: describeRecorded(reference) };
}

/** The roofline figures of a measured FC General rate (network-episodes per second on one core). */
export function trainRoofline(
  netEpisodesPerSecondPerCore: number,
  fc: { hidden: number; parameters: number },
  channels: number,
  steps: number,
  peak: PeakFlopsFigure = loadPeakFlops(),
): TrainRoofline {
  const peakFlops = peak.peakFlopsPerCore;
  const flops = episodeFlops({ inputs: 4 * channels, hidden: fc.hidden, outputs: 5, weights: fc.parameters }, steps);
  const rate = flops.episode * netEpisodesPerSecondPerCore;
  return {
    flopsPerEpisode: flops.episode,
    flopsPerEpisodeRecomputed: flops.episodeRecomputed,
    microsecondsPerEpisode: 1e6 / netEpisodesPerSecondPerCore,
    gflopsPerSecond: rate / 1e9,
    peakGflopsPerSecond: peakFlops / 1e9,
    fractionOfPeak: rate / peakFlops,
    episodesPerSecondAtPeak: peakFlops / flops.episode,
  };
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
  const reference = trainReference(opts.reference);
  if (workers === 1) {
    const r = await benchTrainThread(opts.architecture, opts.kernels, { population: opts.population, arch: opts.arch, path, seconds, repeats, warmupSeconds, maze: opts.maze });
    const measured = { ...r, netEpisodesPerSecond: r.netEpisodesPerSecondPerCore, path, workers, speedup: r.netEpisodesPerSecondPerCore / reference.episodesPerSecond };
    return withFigures(opts, measured, reference, { seconds, repeats, warmupSeconds });
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
    const threads = await Promise.all(Array.from({ length: workers }, () => pool.call<BenchTrainThreadResult>('benchTrainInWorker', request)));
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
      speedup: best.netEpisodesPerSecondPerCore / reference.episodesPerSecond,
    };
  } finally {
    await pool.destroy();
  }
  return withFigures(opts, measured, reference, { seconds, repeats, warmupSeconds });
}

type Measured = Omit<BenchTrainResult, 'reference' | 'roofline' | 'paths' | 'memory' | 'memory256' | 'maze'>;

/**
 * Adds the recorded reference, the roofline, each registered path's rate at the chosen population (measured
 * on this thread, one after the other) and the memory estimates.
 */
async function withFigures(
  opts: BenchTrainOptions,
  r: Measured,
  reference: TrainReference,
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
      paths.push({ path: name, population: r.population, netEpisodesPerSecondPerCore: rate, speedup: rate / reference.episodesPerSecond });
    }
  }
  return {
    ...r,
    maze: opts.maze ?? 'general',
    reference,
    roofline: trainRoofline(r.netEpisodesPerSecondPerCore, fc, task.channels, task.steps, opts.peak),
    paths,
    memory: benchPopulationMemory(opts.architecture, opts.kernels, fc, task, r.path, r.population),
    memory256: benchPopulationMemory(opts.architecture, opts.kernels, fc, task, r.path, MEMORY_REPORT_POPULATION),
  };
}
