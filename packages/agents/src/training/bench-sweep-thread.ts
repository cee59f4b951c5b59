import { generateMazeSet, resolveTaskOptions, type MazeKind, type TaskOptions } from '@prnn/env';
import { PrnnError, median } from '@prnn/core';
import type { ArchInfo, Architecture, PopulationMember } from '../sdk/architecture.js';
import type { KernelSet } from '../sdk/kernel.js';
import { TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { createBenchPopulation, measureEpisodeRates, type BenchPopulation, type EpisodeRates } from './bench-episode.js';
import { threadCpuSeconds } from '../profile/phase-times.js';
import { ChunkedGreedyTest } from './chunked-greedy-test.js';
import { createPopulationModel } from './create-population.js';

// What one thread of `prnn bench sweep` measures, here beside the training code because the training workers run
// it (train-worker.ts); the projection from these rates, and its comparison with the recorded reference, is
// @prnn/bench's benchSweep.

/** One thread's measured rates on one task (plain data, for worker threads). */
export interface SweepThreadRates {
  /** DQN training (rollout + learning pass + clip + Adam) of the 128 mixed, network-episodes per second. */
  readonly trainNetEpisodesPerSecond: number;
  /** The same for a population of ff-large networks (H = 34), which the sweep trains on their own. */
  readonly largeTrainNetEpisodesPerSecond: number;
  /**
   * Greedy test as the learner runs its curve points (ChunkedGreedyTest on `testMazes` mazes: chunks of
   * networks copied into models of their own), network-trials (one network on one maze) per second.
   */
  readonly evalTrialsPerSecond: number;
  /**
   * The same three rates per second of the measuring thread's CPU time: what the thread does when it has a
   * core to itself, whatever else runs on the machine (NaN where there is no per-thread clock).
   */
  readonly cpu: { readonly trainNetEpisodesPerSecond: number; readonly largeTrainNetEpisodesPerSecond: number; readonly evalTrialsPerSecond: number };
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
  /** Networks of the slice whose greedy test is timed (default: all of them; fewer keeps a 1 000-maze test brief). */
  readonly testNetworks?: number;
}

/** The large feed-forward network, which `--arch all` puts after the 128 (so in populations of its own). */
const LARGE = 'ff-large';

/**
 * Seeds per architecture in a measured slice. The sweep lays out 50 consecutive seeds of each architecture
 * (`--arch all --seeds 50`), so a kernel that packs networks of one architecture together (four per v128)
 * finds them together; runs of 4 keep that while a slice still samples 32 architectures. (The compiled path
 * runs the 128 in fc's lanes, a chunk of 4 networks of one architecture skipping the pathways it lacks, so it
 * needs the runs as much.)
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
): { rate: EpisodeRates; bench: BenchPopulation } {
  const bench = createBenchPopulation(architecture, kernels, members, task, path);
  try {
    return { rate: measureEpisodeRates(bench, seconds * 1000, 3, warmupSeconds), bench };
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
  let largeRate: EpisodeRates | undefined;
  if (large.length > 0) {
    const m = measureTraining(architecture, kernels, sampleMembers(large, req.networks, req.offset, req.runs), task, req.path, req.seconds / 4, req.warmupSeconds);
    m.bench.dispose();
    largeRate = m.rate;
  }
  const members = sampleMembers(small, req.networks, req.offset, req.runs);
  const { rate, bench } = measureTraining(architecture, kernels, members, task, req.path, req.seconds, req.warmupSeconds);
  let evalRate: EpisodeRates;
  try {
    const repeats = 3;
    const testSet = generateMazeSet(task, { count: req.testMazes, seed: TEST_SET_SEED_OFFSET });
    // the learner's curve test: the slice's first networks (whole runs of one architecture), chunked as it chunks
    // them (GREEDY_TEST_ROWS trials at a time, each chunk in a model of its own, kept across the tests as
    // TrainingCurves keeps them), on the test mazes it uses
    const tested = Math.max(1, Math.min(members.length, req.testNetworks ?? members.length));
    const testMembers = members.slice(0, tested);
    const trained = tested === members.length ? bench.model : createPopulationModel({ architecture, kernels, members: testMembers, task, path: req.path });
    const evaluator = new ChunkedGreedyTest(
      testSet,
      testMembers,
      (chunk) => createPopulationModel({ architecture, kernels, members: chunk, task, path: req.path }),
      undefined,
      true,
    );
    try {
      if (trained !== bench.model) for (let n = 0; n < tested; n++) trained.importWeights(n, bench.model.exportWeights(n));
      const seeds = testMembers.map((m) => m.seed);
      await evaluator.evaluate(trained, seeds, { sensorNoise: 0.05, streamId: 0 });
      const evalRates: number[] = [];
      const evalCpuRates: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        const c0 = threadCpuSeconds();
        await evaluator.evaluate(trained, seeds, { sensorNoise: 0.05, streamId: 1 + r });
        const c = threadCpuSeconds() - c0;
        evalRates.push((tested * req.testMazes) / ((performance.now() - t0) / 1000));
        evalCpuRates.push(c > 0 ? (tested * req.testMazes) / c : Number.NaN);
      }
      evalRate = { wall: median(evalRates), cpu: median(evalCpuRates) };
    } finally {
      evaluator.dispose();
      if (trained !== bench.model) trained.dispose();
    }
    const largeRates = largeRate ?? rate;
    return {
      trainNetEpisodesPerSecond: rate.wall,
      largeTrainNetEpisodesPerSecond: largeRates.wall,
      evalTrialsPerSecond: evalRate.wall,
      cpu: { trainNetEpisodesPerSecond: rate.cpu, largeTrainNetEpisodesPerSecond: largeRates.cpu, evalTrialsPerSecond: evalRate.cpu },
    };
  } finally {
    bench.dispose();
  }
}
