import * as tf from '@tensorflow/tfjs-core';
import { MazeSet, PrnnError, Rng, VectorEnv, generateMazeInto, resolveTaskOptions } from '@prnn/env';
import type { Architecture } from '../sdk/architecture.js';
import { allocateEpisodeRecords } from '../sdk/population-model.js';
import { STREAM } from '../sdk/streams.js';
import { dqnDefaults } from '../learners/dqn-config.js';
import { allocateRolloutScratch, rollout } from '../learners/dqn.js';
import { PopulationOptimizer } from './population-optimizer.js';

/** The reference's speed on this task: 40.6 ms per FC episode (24.6 episodes/s). */
export const REFERENCE_EPISODES_PER_SECOND = 24.6;
/** Population sizes tried when none is given. */
export const BENCH_POPULATIONS = [1, 32, 128, 256] as const;

export interface BenchTrainOptions {
  readonly architecture: Architecture;
  /** Population size; when absent, the fastest per core among BENCH_POPULATIONS. */
  readonly population?: number;
  readonly path?: 'generic' | 'fused';
  /** Approximate total wall time to spend measuring. */
  readonly seconds?: number;
  /** Timed runs per population size (the median is reported). */
  readonly repeats?: number;
}

export interface BenchTrainResult {
  readonly netEpisodesPerSecondPerCore: number;
  readonly population: number;
  readonly arch: 'fc';
  readonly backend: string;
  /** Median rate of every population size tried. */
  readonly tried: readonly { population: number; netEpisodesPerSecondPerCore: number }[];
  /** Ratio to the reference's 24.6 FC episodes per second. */
  readonly speedup: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Training speed of the DQN (rollout + learning pass + clip + Adam; no evaluation) for FC, H = 8,
 * General maze (20 steps), σs = 0.05, in network-episodes per second on this one core (JS and the
 * tfjs cpu/wasm kernels run on the main thread).
 */
export async function benchTrain(opts: BenchTrainOptions): Promise<BenchTrainResult> {
  const seconds = opts.seconds ?? 10;
  if (!(seconds > 0 && seconds <= 3600)) throw new PrnnError(`seconds must be a number in (0, 3600] (got ${seconds})`);
  const repeats = opts.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new PrnnError(`repeats must be an integer ≥ 1 (got ${repeats})`);
  if (opts.population !== undefined && !(Number.isInteger(opts.population) && opts.population >= 1 && opts.population <= 65536)) {
    throw new PrnnError(`population must be an integer in [1, 65536] (got ${opts.population})`);
  }
  const sizes = opts.population !== undefined ? [opts.population] : [...BENCH_POPULATIONS];
  const task = resolveTaskOptions('general', {});
  const config = dqnDefaults(task);
  const fc = opts.architecture.resolve('fc', { channels: task.channels, hidden: 8 });
  if (!fc) throw new PrnnError(`architecture family ${opts.architecture.family} has no "fc" network to benchmark`);
  const budgetMs = (seconds * 1000) / sizes.length;
  const tried: { population: number; netEpisodesPerSecondPerCore: number }[] = [];

  for (const P of sizes) {
    const members = Array.from({ length: P }, (_, n) => ({ arch: fc, seed: n }));
    const model = opts.architecture.createPopulation(members, { channels: task.channels, path: opts.path });
    const optimizer = new PopulationOptimizer(model.variables, P, config);
    const streams = {
      mazes: members.map((m) => Rng.derive(m.seed, STREAM.trainingMazes)),
      exploration: members.map((m) => Rng.derive(m.seed, STREAM.exploration)),
      tieNoise: members.map((m) => Rng.derive(m.seed, STREAM.tieNoise)),
    };
    const mazes = MazeSet.allocate(task, P);
    const env = new VectorEnv({
      numEnvs: P,
      channels: task.channels,
      sensorNoise: config.sensorNoise,
      reward: 'progress',
      seeds: members.map((m) => Rng.derive(m.seed, STREAM.sensorNoise).nextUint32()),
    });
    const records = allocateEpisodeRecords(task.steps, P, model.inputs, model.outputs);
    const scratch = allocateRolloutScratch(P, model.outputs);
    const settings = { epsilon: 0.5, gamma: config.gamma, stepPenalty: config.stepPenalty, tieNoise: config.tieNoise };
    const episode = () => {
      for (let n = 0; n < P; n++) generateMazeInto(mazes, n, streams.mazes[n]);
      rollout(model, env, mazes, records, streams, scratch, settings);
      const { gradients } = model.lossAndGradients(records);
      optimizer.step(gradients);
      tf.dispose(gradients);
    };
    try {
      // Warm-up (kernel compilation, caches), then timed runs of a fixed episode count each.
      const w0 = performance.now();
      episode();
      episode();
      const perEpisode = Math.max(0.05, (performance.now() - w0) / 2);
      const count = Math.max(1, Math.floor(budgetMs / repeats / perEpisode));
      const rates: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        for (let k = 0; k < count; k++) episode();
        rates.push((count * P) / ((performance.now() - t0) / 1000));
      }
      tried.push({ population: P, netEpisodesPerSecondPerCore: median(rates) });
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  }
  const best = tried.reduce((a, b) => (b.netEpisodesPerSecondPerCore > a.netEpisodesPerSecondPerCore ? b : a));
  return {
    netEpisodesPerSecondPerCore: best.netEpisodesPerSecondPerCore,
    population: best.population,
    arch: 'fc',
    backend: tf.getBackend(),
    tried,
    speedup: best.netEpisodesPerSecondPerCore / REFERENCE_EPISODES_PER_SECOND,
  };
}
