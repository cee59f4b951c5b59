import { beforeAll, describe, expect, test } from 'vitest';
import { PrnnError, Rng } from '@prnn/core';
import { trainDqn } from '../src/learners/dqn.js';
import { epsilonAt, resolveDqnConfig, dqnDefaults } from '../src/learners/dqn-config.js';
import type { LearnerState } from '../src/sdk/learner.js';
import * as tf from '@tensorflow/tfjs-core';
import { PopulationOptimizer } from '../src/training/population-optimizer.js';
import { argmaxWithTies } from '../src/training/evaluate-greedy.js';
import { architecture, kernels, cpuBackend, maxAbsDiff, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

describe('DqnConfig', () => {
  test('defaults are the paper\'s (docs/spec.md §3)', () => {
    const t = dqnDefaults(track());
    expect(t).toMatchObject({ episodes: 100_000, gamma: 0.9, lr: 1e-3, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 10, hidden: 8, sensorNoise: 0.05, stepPenalty: 0.1, curvePoints: 100, testMazes: 1000 });
    expect(dqnDefaults(resolveDqnConfig(track()) && { ...track(), kind: 'general' }).episodes).toBe(400_000);
    const eps = Array.from({ length: 10 }, (_, b) => epsilonAt(t, b * 10_000));
    eps.forEach((e, b) => expect(e).toBeCloseTo(0.95 - (b * 0.7) / 9, 12));
    expect(epsilonAt(t, 9_999)).toBeCloseTo(0.95, 12);
    expect(epsilonAt(t, 99_999)).toBeCloseTo(0.25, 12);
  });

  test('bad values are rejected naming the parameter', () => {
    expect(() => resolveDqnConfig(track(), { episodes: 9 })).toThrow(/^episodes must be an integer ≥ 10 \(got 9\)/);
    expect(() => resolveDqnConfig(track(), { hidden: 0 })).toThrow(/^hidden must be/);
    expect(() => resolveDqnConfig(track(), { lr: -1 })).toThrow(/^lr must be/);
    expect(() => resolveDqnConfig(track(), { gamma: 1.5 })).toThrow(/^gamma must be/);
    expect(() => resolveDqnConfig(track(), { learningRate: 1 })).toThrow(PrnnError);
    expect(() => resolveDqnConfig(track(), { learningRate: 1 })).toThrow(/unknown DQN parameter "learningRate"/);
  });
});

describe('argmaxWithTies', () => {
  test('the largest Q wins; exact ties are broken uniformly and reproducibly by the Rng', () => {
    const rng = new Rng(3);
    expect(argmaxWithTies(Float32Array.from([0, 0.1, 0.5, 0.2, 0.5, 0.9]), 1, rng)).toBe(4); // q[1 + 4] = 0.9 is the largest
    const q = Float32Array.from([0.2, 0.3, 0.3, 0.1, 0.3]);
    const counts = [0, 0, 0, 0, 0];
    const draws = (r: Rng) => Array.from({ length: 3000 }, () => argmaxWithTies(q, 0, r));
    const a = draws(new Rng(9));
    a.forEach((x) => counts[x]++);
    expect(counts[0] + counts[3]).toBe(0);
    for (const k of [1, 2, 4]) expect(Math.abs(counts[k] - 1000)).toBeLessThan(120);
    expect(draws(new Rng(9))).toEqual(a);
  });
});

describe('PopulationOptimizer', () => {
  test('typed clip + Adam equals tf.train.adam bit for bit, per network slice', () => {
    const P = 3;
    const shapes = [[P, 4, 3], [P, 2, 5]];
    const rng = new Rng(11);
    const init = shapes.map((s) => Float32Array.from({ length: s[0] * s[1] * s[2] }, () => rng.normal()));
    // the oracle: tfjs's own clip (per network slice) and Adam on variables
    const vars = shapes.map((s, i) => tf.variable(tf.tensor(init[i], s)));
    const adam = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
    const values = init.map((v) => Float32Array.from(v));
    let commits = 0;
    const parameters = { names: ['a', 'b'], shapes, values, commit: () => commits++ };
    const typed = new PopulationOptimizer(parameters, P, { lr: 0.01, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 1 });
    for (let k = 0; k < 5; k++) {
      // network 1 gets large gradients (clipped), the others small ones (not clipped)
      const grads = shapes.map((s) => Float32Array.from({ length: s[0] * s[1] * s[2] }, (_, j) => rng.normal() * (Math.floor(j / (s[1] * s[2])) === 1 ? 10 : 0.01)));
      const norms = tf.tidy(() => {
        let sq: tf.Tensor = tf.zeros([P]);
        const gs = grads.map((g, i) => tf.tensor(g, shapes[i]));
        for (const g of gs) sq = tf.add(sq, tf.sum(tf.square(tf.reshape(g, [P, -1])), 1));
        const norm = tf.sqrt(sq);
        const coef = tf.minimum(tf.scalar(1), tf.div(tf.scalar(1), tf.add(norm, tf.scalar(1e-6))));
        adam.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.mul(gs[i], tf.reshape(coef, [P, 1, 1])) })));
        return Float32Array.from(norm.dataSync());
      });
      expect(Float32Array.from(typed.step(grads).norms)).toEqual(norms);
    }
    vars.forEach((v, i) => expect(values[i]).toEqual(v.dataSync()));
    expect(commits).toBe(5);
    const state = typed.getState();
    expect(state.iterations).toBe(5);
    let acc = Math.fround(0.9);
    for (let k = 0; k < 5; k++) acc = Math.fround(acc * Math.fround(0.9));
    expect(state.accBeta1).toBe(acc);
    adam.dispose();
    tf.dispose(vars);
  });
});

describe('trainDqn', () => {
  test.each(['generic', 'compiled'] as const)('a network trains the same alone and inside a mixed population of 16 (%s path)', async (path) => {
    const task = track();
    const config = smallConfig(task, { episodes: 30, curvePoints: 3, testMazes: 12 });
    const alone = await trainDqn({ task, architecture, kernels, members: members([['hh+oh', 7]]), config, runSeed: 5, path });
    const mix: [string, number][] = [
      ['fc', 1], ['ff', 2], ['ff-large', 3], ['ii', 4], ['hh', 5], ['oo+io', 6], ['hh+oh', 7], ['fc', 8],
      ['oi+hi', 9], ['ii+hh+oo', 10], ['127', 11], ['io', 12], ['oh', 13], ['ff', 14], ['hi+oh', 15], ['fc', 16],
    ];
    const population = await trainDqn({ task, architecture, kernels, members: members(mix), config, runSeed: 5, path });
    expect(population.networks[2].member.arch).toMatchObject({ name: 'ff-large', hidden: 34, parameters: 442 });
    const inside = population.networks[6];
    expect(inside.member.arch.name).toBe('hh+oh');
    const a = alone.networks[0];
    expect(Object.keys(a.weights).sort()).toEqual(['hh', 'ho', 'ih', 'oh']);
    expect(maxAbsDiff(a.weights, inside.weights)).toBeLessThanOrEqual(1e-5);
    // weights moved away from their initial values
    const init = architecture.createPopulation(members([['hh+oh', 7]]), { channels: 2 });
    expect(maxAbsDiff(a.weights, init.exportWeights(0))).toBeGreaterThan(1e-3);
    init.dispose();
    expect(inside.fitness).toBeCloseTo(a.fitness, 5);
    expect(inside.trainingCurve).toHaveLength(3);
    inside.trainingCurve.forEach((v, k) => expect(v).toBeCloseTo(a.trainingCurve[k], 5));
  });

  test('the compiled path (the default; the mixed population in fc\'s lanes) and the generic path (tfjs autodiff of the step): the same curves and fitness, weights within float32 rounding, not the same bits', async () => {
    const task = track();
    const config = smallConfig(task, { episodes: 30, curvePoints: 3, testMazes: 12 });
    const mix: [string, number][] = [['fc', 1], ['ff', 2], ['ff-large', 3], ['ii', 4], ['hh', 5], ['oo+io', 6], ['hh+oh', 7], ['fc', 8]];
    expect(kernels.resolvePath(undefined)).toBe('compiled');
    const [compiled, generic] = [await trainDqn({ task, architecture, kernels, members: members(mix), config, runSeed: 5 }), await trainDqn({ task, architecture, kernels, members: members(mix), config, runSeed: 5, path: 'generic' })];
    let differ = false;
    compiled.networks.forEach((c, n) => {
      const g = generic.networks[n];
      expect(maxAbsDiff(c.weights, g.weights), mix[n][0]).toBeLessThanOrEqual(1e-5);
      if (maxAbsDiff(c.weights, g.weights) > 0) differ = true;
      expect(c.fitness).toBe(g.fitness);
      expect(c.trainingCurve).toEqual(g.trainingCurve);
    });
    expect(differ).toBe(true);
  });

  test('test fitness rises on an easy task', async () => {
    // Track without the gap (following the cues is enough), 400 episodes, a larger step and less exploration
    // than the paper's so that learning shows within a test's budget.
    const task = track({ gap: 0 });
    const config = smallConfig(task, { episodes: 400, curvePoints: 4, testMazes: 50, lr: 3e-3, epsilonStart: 0.5, epsilonEnd: 0.05 });
    const progress: number[] = [];
    const r = await trainDqn(
      { task, architecture, kernels, members: members([['fc', 1], ['fc', 2], ['fc', 3], ['fc', 4]]), config, runSeed: 0 },
      { onProgress: (p) => progress.push(p.episode) },
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const before = mean(r.networks.map((n) => n.trainingCurve[0]));
    const after = mean(r.networks.map((n) => n.fitness));
    expect(after).toBeGreaterThan(before + 0.1);
    expect(progress.at(-1)).toBe(400);
    expect(r.netEpisodesPerSecond).toBeGreaterThan(0);
    expect(r.backend).toBe('cpu');
  });

  test('resuming from a checkpoint state gives the uninterrupted result', async () => {
    const task = track();
    const config = smallConfig(task, { episodes: 24, curvePoints: 4, testMazes: 10 });
    const job = { task, architecture, kernels, members: members([['fc', 1], ['hh+oh', 2], ['ff-large', 3]]), config, runSeed: 2 };
    const full = await trainDqn(job);
    const states: LearnerState[] = [];
    const controller = new AbortController();
    await expect(
      trainDqn(job, {
        checkpoint: {
          everyEpisodes: 9,
          save: (s) => {
            states.push(s);
            controller.abort();
          },
        },
        signal: controller.signal,
      }),
    ).rejects.toThrow(/training stopped at episode 9 of 24/);
    expect(states.map((s) => s.episode)).toEqual([9]);
    const resumed = await trainDqn({ ...job, resume: states[0] });
    resumed.networks.forEach((n, i) => {
      expect(maxAbsDiff(n.weights, full.networks[i].weights)).toBe(0);
      expect(n.trainingCurve).toEqual(full.networks[i].trainingCurve);
      expect(n.fitness).toBe(full.networks[i].fitness);
    });
  });

  test('a diverging run stops with an error naming the network and the episode', async () => {
    const task = track();
    const config = smallConfig(task, { lr: 1e30 });
    await expect(trainDqn({ task, architecture, kernels, members: members([['ff', 4], ['fc', 9]]), config, runSeed: 0 })).rejects.toThrow(
      /training diverged: network (ff|fc) \(seed \d\) has a (NaN|Infinity|-Infinity|non-finite)[\s\S]*episode \d+/,
    );
  });
});
