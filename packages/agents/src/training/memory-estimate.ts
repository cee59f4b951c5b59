import type { TaskOptions } from '@prnn/env';
import type { Architecture, PopulationMember } from '../sdk/architecture.js';
import { KernelSet } from '../sdk/kernel.js';
import type { LearnerConfig } from '../sdk/learner.js';
import { familyParts, familyPaths, populationRanges, type FamilyResolver } from './populations.js';
import { sliceBounds } from './workers/train-in-workers.js';
import { greedyTestChunk } from './chunked-greedy-test.js';

/**
 * Bytes of one environment of a VectorEnv: its typed-array slots (observation, reward, flags, position,
 * step, fitness, maze, noise level, cell base, goal, limits, start progress, move offsets, channel mask,
 * seed), its sensor-noise Rng object, and what the WebAssembly path adds (action, maze slot, selection and
 * hand-over flags, the stream's words: 34 bytes). The module's maze copies are one per distinct maze in use
 * (about a MazeSet of those mazes); the slots no env uses are never touched, so they cost no resident memory.
 */
export function vectorEnvBytesPerEnv(channels: number): number {
  return 4 * 4 * channels + channels + 161 + 64 + 34;
}

/** Bytes of a MazeSet of `count` mazes (walls, cues, distances, progress per cell; per-maze fields). */
export function mazeSetBytes(task: TaskOptions, count: number): number {
  const cells = task.size * task.size;
  return count * (cells * (1 + 4 * task.channels + 4 + 4) + 24);
}

/**
 * Peak resident memory over the sum of the parts above: garbage awaiting collection (the greedy test derives
 * fresh Rng streams for every trial) and allocator slack. Measured: peak RSS growth of `trainRun` with 256
 * networks on Track with 1 000 test mazes was 1.26–1.28 × the sum, for H = 8 and for a population padded to
 * ff-large's H = 34.
 */
export const HEAP_OVERHEAD = 1.27;

/**
 * What the greedy tests leave resident beyond the parts counted here: V8 growing its heap under the tests'
 * allocation rate, and memory that onnxruntime-node sessions and WebAssembly instances return only when V8
 * collects their wrappers. Measured (test/train-memory.test.ts): 256 FC networks on Track peak ~60 MiB above
 * a one-network run, of which the parts account for ~14 MiB; 64 networks ~28 MiB. Scaled by min(networks, 64) / 64.
 */
export const TEST_RUNTIME_BYTES = 32 * 1024 * 1024;

/** A worker thread's own V8 isolate, tfjs backend and loaded modules (measured: about 36 MiB idle). */
export const WORKER_THREAD_BYTES = 48 * 1024 * 1024;

/**
 * What a training run's memory estimate depends on: task, family, members, learner config, population, workers and
 * path.
 */
export interface TrainMemoryOptions {
  readonly task: TaskOptions;
  readonly architecture: Architecture;
  readonly members: readonly PopulationMember[];
  readonly config: LearnerConfig;
  readonly population: number;
  readonly workers: number;
  readonly path?: string;
  /** The family's registered kernels (`registry.kernels(family)`). */
  readonly kernels?: KernelSet;
  /** Where networks of other families find their Architecture and kernels (a run may mix families). */
  readonly families?: FamilyResolver;
}

/**
 * Estimated memory of a training run: peak bytes, bytes per network, the workers' own runtime, and the path estimated.
 */
export interface TrainMemoryEstimate {
  /** Peak bytes of the populations trained at the same time (undefined: the architecture gives no estimate). */
  readonly bytes?: number;
  /** Bytes per network of the populations trained at the same time (worker threads' own runtime excluded). */
  readonly perNetwork?: number;
  /** The worker threads' own runtime, included in `bytes` (0 when training runs in this thread). */
  readonly workerBytes?: number;
  /** The learning path the architecture trains with. */
  readonly path: string;
  /** The family that gives no estimate (when `bytes` is undefined). */
  readonly unestimated?: string;
}

/** The distinct lists of architectures among the chunks of `chunk` networks of `members` (ChunkedGreedyTest's models). */
function distinctChunks(members: readonly PopulationMember[], chunk: number): number {
  const keys = new Set<string>();
  for (let from = 0; from < members.length; from += chunk) keys.add(members.slice(from, from + chunk).map((m) => m.arch.name).join('\n'));
  return keys.size;
}

/**
 * Memory that `trainRun` needs at its peak: for the largest population, the sum over its slices (trained
 * at once, one per worker) of the architecture's population model (`populationMemoryBytes`), the training
 * environments, the greedy test (ChunkedGreedyTest: the trained model when the slice fits in a chunk, else a
 * chunk's model per distinct list of architectures among the chunks, kept for all the curve points, and
 * chunk × M environments, every trial's score; the final test's M environments) and the
 * test set (times HEAP_OVERHEAD), the tests' runtime allowance (TEST_RUNTIME_BYTES) and each worker thread's
 * own runtime.
 */
export function estimateTrainMemory(o: TrainMemoryOptions): TrainMemoryEstimate {
  if (o.members.length === 0) return { path: (o.kernels ?? new KernelSet(o.architecture.family, [])).resolvePath(o.path) };
  const paths = familyPaths(o, o.members);
  const path = paths[o.members[0].arch.family];
  /** The population model's estimate for a family's networks, or undefined when the family gives none. */
  const modelBytesOf = (family: string) => {
    const { architecture, kernels } = familyParts(o, family);
    const kernel = kernels?.population(paths[family]);
    return kernel ? kernel.memoryBytes?.bind(kernel) : architecture.populationMemoryBytes?.bind(architecture);
  };
  const M = o.config.testMazes;
  const envBytes = vectorEnvBytesPerEnv(o.task.channels);
  let peak = 0;
  let peakNetworks = 1;
  let peakWorkers = 0;
  for (const [from, to] of populationRanges(o.members, o.population)) {
    const members = o.members.slice(from, to);
    const modelBytes = modelBytesOf(members[0].arch.family);
    if (!modelBytes) return { path, unestimated: members[0].arch.family };
    const slices = sliceBounds(members.length, Math.min(o.workers, members.length));
    let bytes = 0;
    const threads = slices.length > 1 ? slices.length * WORKER_THREAD_BYTES : 0;
    for (const [a, b] of slices) {
      const slice = members.slice(a, b);
      const P = slice.length;
      const chunk = greedyTestChunk(P, M);
      const shape = { channels: o.task.channels, steps: o.task.steps };
      // one chunk: the trained model runs the test; several: a chunk-sized model per distinct list of
      // architectures among the chunks does, each kept for the run's later tests (TrainingCurves)
      const modelParts =
        chunk >= P ? [modelBytes(slice, { ...shape, testBatch: M })] : [modelBytes(slice, { ...shape, testBatch: 1 }), modelBytes(slice.slice(0, chunk), { ...shape, testBatch: M })];
      if (modelParts.some((b) => b === undefined)) return { path, unestimated: members[0].arch.family };
      const chunkModels = chunk >= P ? 1 : distinctChunks(slice, chunk);
      const models = modelParts[0]! + (modelParts.length > 1 ? chunkModels * modelParts[1]! : 0);
      const parts =
        models +
        envBytes * (P + chunk * M + M) +
        28 * chunk * M +
        4 * P * M +
        mazeSetBytes(o.task, M + P);
      bytes += HEAP_OVERHEAD * parts + (TEST_RUNTIME_BYTES * Math.min(P, 64)) / 64;
    }
    if (bytes + threads > peak) {
      peak = bytes + threads;
      peakNetworks = members.length;
      peakWorkers = threads;
    }
  }
  return { bytes: peak, perNetwork: (peak - peakWorkers) / peakNetworks, workerBytes: peakWorkers, path };
}
