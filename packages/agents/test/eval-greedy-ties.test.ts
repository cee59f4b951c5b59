// PolicyEvaluator's per-step argmax (GreedyActions: the rows without a tie decided in one WebAssembly call, the
// tied ones broken here in row order) against the trainer's GreedyEvaluator, which scans every row with
// argmaxWithTies in (step, maze) order: an engine whose q-values tie on most rows, every noise level, with and
// without compaction.
import { describe, expect, test } from 'vitest';
import { generateMazeSet, resolveTaskOptions, VectorEnv } from '@prnn/env';
import { Rng } from '@prnn/core';
import { PolicyEvaluator } from '../src/eval/policy-evaluator.js';
import type { QEngine } from '../src/eval/q-engine.js';
import { FINAL_EVALUATION_STREAM } from '../src/learners/dqn.js';
import { argmaxWithTies, GreedyEvaluator } from '../src/training/evaluate-greedy.js';
import { STREAM } from '../src/sdk/streams.js';

/**
 * A stateless engine whose q-values are the observation's first values rounded to halves (so most rows tie),
 * with a step counter mixed in so that rows differ from step to step. Counts the rows that tie.
 */
class TieEngine implements QEngine {
  readonly engine = 'ties';
  readonly obsSize: number;
  tiedRows = 0;
  rows = 0;
  private t = 0;
  constructor(obsSize: number) {
    this.obsSize = obsSize;
  }
  reset(batch: number): void {
    this.rows = batch;
    this.t = 0;
  }
  compact(_rows: Int32Array, count: number): void {
    this.rows = count;
  }
  step(obs: Float32Array, q: Float32Array): void {
    const rows = obs.length / this.obsSize;
    for (let k = 0; k < rows; k++) {
      for (let a = 0; a < 5; a++) q[5 * k + a] = Math.round(2 * obs[k * this.obsSize + ((a + this.t) % this.obsSize)]) / 2;
      let tie = false;
      for (let a = 1; a < 5; a++) for (let b = 0; b < a; b++) if (q[5 * k + a] === q[5 * k + b]) tie = true;
      if (tie) this.tiedRows++;
    }
    this.t++;
  }
}

describe('PolicyEvaluator breaks ties as the trainer does', () => {
  test.each([0.125, 0])('an engine that ties on most rows: the trainer’s greedy evaluator’s fitness at every level (compact %s)', async (compact) => {
    const task = resolveTaskOptions('track', {});
    const set = generateMazeSet(task, { count: 60, seed: 3 });
    const noise = [0, 0.1, 0.3];
    const evaluator = new PolicyEvaluator({ task, mazes: set, noise, compact });
    const engine = new TieEngine(evaluator.observationSize);
    const greedy = new GreedyEvaluator(set, 1);
    for (const seed of [1, 2]) {
      engine.tiedRows = 0;
      const result = await evaluator.evaluate(engine, seed);
      // most rows tie, so the tie draws decide the trials
      expect(engine.tiedRows).toBeGreaterThan(200);
      const oracle = new TieEngine(evaluator.observationSize);
      for (const [k, sigma] of noise.entries()) {
        const g = await greedy.evaluate(oracle, [seed], { sensorNoise: sigma, streamId: FINAL_EVALUATION_STREAM });
        expect(result.fitness[k]).toBe(g.fitness[0]);
      }
    }
  });
});

/** TieEngine for P networks of M rows each (network-major): network n's q-values are shifted by n/2, so they differ. */
class NetworkTieEngine extends TieEngine {
  constructor(obsSize: number, readonly mazes: number) {
    super(obsSize);
  }
  override step(obs: Float32Array, q: Float32Array): void {
    super.step(obs, q);
    const rows = obs.length / this.obsSize;
    for (let k = 0; k < rows; k++) {
      const n = Math.floor(k / this.mazes);
      // on every other network the first action is lifted by a half: ties fall elsewhere
      if (n % 2 === 1) q[5 * k] += 0.5;
    }
  }
}

describe('GreedyEvaluator (the curve tests) breaks ties as a plain scan of every trial', () => {
  test('3 networks with their own tie generators: the fitness of every trial as a per-row argmaxWithTies loop gives', async () => {
    const task = resolveTaskOptions('track', {});
    const M = 40;
    const P = 3;
    const set = generateMazeSet(task, { count: M, seed: 5 });
    const seeds = [11, 12, 13];
    const opts = { sensorNoise: 0.1, streamId: 4 };
    const greedy = new GreedyEvaluator(set, P);
    const engine = new NetworkTieEngine(4 * set.channels, M);
    const got = await greedy.evaluate({ reset: (b) => engine.reset(P * b), step: (o, q) => engine.step(o, q) }, seeds, opts);
    // the oracle: every live row scanned in (step, network, maze) order, network n drawing from its own generator
    const N = P * M;
    const env = new VectorEnv({ numEnvs: N, channels: set.channels, reward: 'goal', autoreset: 'none', seeds: new Float64Array(N) });
    const rngs = seeds.map((s) => Rng.derive(s, STREAM.evalNoise, opts.streamId, 0));
    for (let i = 0; i < N; i++) {
      env.setSensorNoise(i, opts.sensorNoise);
      env.seedEnv(i, Rng.derive(seeds[Math.floor(i / M)], STREAM.evalNoise, opts.streamId, 1 + (i % M)).nextUint32());
    }
    env.resetAll(set, Int32Array.from({ length: N }, (_, i) => i % M));
    const oracle = new NetworkTieEngine(4 * set.channels, M);
    oracle.reset(N);
    const q = new Float32Array(N * 5);
    const actions = new Int32Array(N);
    const trials = new Float32Array(N).fill(Number.NaN);
    let draws = 0;
    for (let t = 0; t < task.steps; t++) {
      oracle.step(env.observations, q);
      for (let i = 0; i < N; i++) {
        if (env.done[i] === 1) continue;
        const before = rngs[Math.floor(i / M)].state().join();
        actions[i] = argmaxWithTies(q, 5 * i, rngs[Math.floor(i / M)]);
        if (rngs[Math.floor(i / M)].state().join() !== before) draws++;
      }
      env.step(actions);
      for (let i = 0; i < N; i++) if (env.fitness[i] === env.fitness[i]) trials[i] = env.fitness[i];
    }
    // the tie draws decide many trials, in every network
    expect(draws).toBeGreaterThan(100);
    expect(Array.from(got.trials)).toEqual(Array.from(trials));
    for (let n = 0; n < P; n++) {
      const own = Array.from(trials.subarray(n * M, (n + 1) * M)).filter((v) => v === v);
      expect(got.fitness[n]).toBe(own.reduce((a, b) => a + b, 0) / own.length);
    }
    // the networks' trials differ (a generator swapped between networks would show)
    expect(Array.from(got.trials.subarray(0, M))).not.toEqual(Array.from(got.trials.subarray(M, 2 * M)));
  });
});
