import * as tf from '@tensorflow/tfjs-core';
import { resolveTaskOptions, type MazeKind } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import type { ArchInfo, Architecture } from '../sdk/architecture.js';
import type { KernelSet } from '../sdk/kernel.js';
import { createBenchPopulation, measureEpisodeRate } from './bench-episode.js';

// What one thread of `prnn bench train` measures, here beside the training code because the training workers run
// it (train-worker.ts); the comparison with the recorded reference, the roofline and the memory estimates are
// @prnn/bench's benchTrain.

/** Population sizes tried when none is given. */
export const BENCH_POPULATIONS = [1, 32, 128, 256] as const;

/** One thread's measured training rate: the fastest population size per core, and every size tried. */
export interface BenchTrainThreadResult {
  readonly netEpisodesPerSecondPerCore: number;
  /** Networks per population (per worker). */
  readonly population: number;
  /** The network measured (`fc` by default). */
  readonly arch: string;
  readonly backend: string;
  /** Median rate per core of every population size tried. */
  readonly tried: readonly { population: number; netEpisodesPerSecondPerCore: number }[];
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

/** One thread's measurement (what each worker runs). */
export async function benchTrainThread(
  architecture: Architecture,
  kernels: KernelSet | undefined,
  opts: { population?: number; arch?: ArchInfo; path: string; seconds: number; repeats: number; warmupSeconds: number; maze?: MazeKind },
): Promise<BenchTrainThreadResult> {
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
  };
}
