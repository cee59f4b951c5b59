import { generateMazeSet, resolveTaskOptions, type MazeKind, type TaskOptions } from '@prnn/env';
import { PrnnError, median } from '@prnn/core';
import type { ArchInfo, Architecture, PopulationMember } from '../sdk/architecture.js';
import type { KernelSet } from '../sdk/kernel.js';
import { TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { createBenchPopulation, measureEpisodeRate, type BenchPopulation } from './bench-episode.js';
import { GreedyEvaluator, populationPolicy } from './evaluate-greedy.js';

// What one thread of `prnn bench sweep` measures, here beside the training code because the training workers run
// it (train-worker.ts); the projection from these rates, and its comparison with the recorded reference, is
// @prnn/bench's benchSweep.

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
 * What a worker thread of the sweep benchmark measures: family, backend, maze kind, its slice of networks,
 * path and timing.
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
 * (`--arch all --seeds 50`), so a kernel that packs networks of one architecture together (four per v128)
 * finds them together; runs of 4 keep that while a slice still samples 32 architectures. (The compiled path
 * runs the 128 in fc's lanes, so for it the runs only keep the sample's order close to the sweep's.)
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
