import type { TaskOptions } from '@prnn/env';
import { median } from '@prnn/core';
import type { Architecture, PopulationMember } from '../sdk/architecture.js';
import type { KernelSet } from '../sdk/kernel.js';
import { allocateEpisodeRecords, type PopulationModel } from '../sdk/population-model.js';
import { dqnDefaults } from '../learners/dqn-config.js';
import { allocateLearningScratch, allocateRolloutScratch, createTrainingEnv, learnFromEpisode, rollout, rolloutSettings, rolloutStreams } from '../learners/dqn.js';
import { createPopulationModel } from './create-population.js';
import { PopulationOptimizer } from './population-optimizer.js';
import { threadCpuSeconds } from '../profile/phase-times.js';
import { mazeTaskSource, TrainingMazes } from '../sdk/task-source.js';

/** A population ready to run the DQN's training work, one population-episode per `episode()` call. */
export interface BenchPopulation {
  readonly model: PopulationModel;
  /**
   * Fresh mazes, rollout (ε = 0.5, or `epsilon`), learning pass, clip and Adam: one DQN update without
   * evaluation.
   */
  episode(epsilon?: number): void;
  /** Steps each network took in the last episode. */
  readonly lengths: Int32Array;
  dispose(): void;
}

/** The DQN's per-episode training work for `members` on `task` (paper hyper-parameters), for benchmarks. */
export function createBenchPopulation(
  architecture: Architecture,
  kernels: KernelSet | undefined,
  members: readonly PopulationMember[],
  task: TaskOptions,
  path: string,
): BenchPopulation {
  const P = members.length;
  const config = dqnDefaults(task);
  const model = createPopulationModel({ architecture, kernels, members, task, path });
  const optimizer = new PopulationOptimizer(model.parameters, P, config);
  const learning = allocateLearningScratch(model);
  const seeds = members.map((m) => m.seed);
  const streams = rolloutStreams(seeds);
  const mazes = new TrainingMazes(mazeTaskSource, task, P);
  const env = createTrainingEnv(task, config, seeds);
  const records = allocateEpisodeRecords(task.steps, P, model.inputs, model.outputs);
  const scratch = allocateRolloutScratch(P, model.outputs);
  const settings = { ...rolloutSettings(config, 0), epsilon: 0.5 };
  return {
    model,
    lengths: records.lengths,
    episode: (epsilon = 0.5) => {
      settings.epsilon = epsilon;
      mazes.draw(streams.mazes, scratch.episode.mazeOfEnv);
      rollout(model, env, mazes.set, records, streams, scratch, settings);
      learnFromEpisode(model, kernels, optimizer, records, members, 0, config.lr, learning);
    },
    dispose: () => model.dispose(),
  };
}

/**
 * Runs `episode` until V8 has optimised the code it runs (a generated kernel is compiled lazily and
 * optimised only once hot): at least `minSeconds`, then until two consecutive half-second windows give rates
 * within 5 % of each other (at most 3 × minSeconds + 2 s). Returns the milliseconds per call of the last window.
 */
export function warmUp(episode: () => void, minSeconds: number): number {
  const start = performance.now();
  const limit = start + (3 * minSeconds + 2) * 1000;
  let previous = Number.NaN;
  for (;;) {
    const t0 = performance.now();
    let count = 0;
    do {
      episode();
      count++;
    } while (performance.now() - t0 < 500);
    const now = performance.now();
    const perEpisode = (now - t0) / count;
    const stable = Math.abs(perEpisode - previous) <= 0.05 * previous;
    if ((now - start >= minSeconds * 1000 && stable) || now >= limit) return Math.max(0.05, perEpisode);
    previous = perEpisode;
  }
}

/** Network-episodes per second of wall time and per second of this thread's CPU time (medians of the timed runs). */
export interface EpisodeRates {
  readonly wall: number;
  /** Per CPU second of the measuring thread: what it does when it has a core to itself (NaN without a thread clock). */
  readonly cpu: number;
}

/**
 * Median network-episodes per second of `bench` over `repeats` timed runs sharing `budgetMs`, after
 * `warmUp(bench.episode, warmupSeconds)`, by the wall clock and by this thread's CPU clock.
 */
export function measureEpisodeRates(bench: BenchPopulation, budgetMs: number, repeats: number, warmupSeconds: number): EpisodeRates {
  const perEpisode = warmUp(bench.episode, warmupSeconds);
  const count = Math.max(1, Math.floor(budgetMs / repeats / perEpisode));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const c0 = threadCpuSeconds();
    for (let k = 0; k < count; k++) bench.episode();
    const c = threadCpuSeconds() - c0;
    wall.push((count * bench.model.population) / ((performance.now() - t0) / 1000));
    cpu.push(c > 0 ? (count * bench.model.population) / c : Number.NaN);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Median network-episodes per second (wall clock) of `bench`: {@link measureEpisodeRates}' `wall`. */
export function measureEpisodeRate(bench: BenchPopulation, budgetMs: number, repeats: number, warmupSeconds: number): number {
  return measureEpisodeRates(bench, budgetMs, repeats, warmupSeconds).wall;
}
