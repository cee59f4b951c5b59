import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import {
  COMPILED_PATH,
  KernelSet,
  compiledPopulationKernel,
  allocateEpisodeRecords,
  allocateLike,
  autodiffLearningPass,
  builtinPlugins,
  createContainer,
  createPopulationModel,
  initBackend,
  vjpLearningPass,
  type PopulationMember,
} from '@prnn/agents';
import { createRequire } from 'node:module';
import { assertConformance, checkLearner } from '@prnn/agents/testing';
import lowrank from '@prnn/plugin-lowrank-rnn';
import plugin, { LOG_FLOOR, a2cDefaults, a2cLearner, a2cLoss, a2cJob, type A2cRecords } from '../src/index.js';

const registry = createContainer(builtinPlugins());
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions('track', {});
const members = (specs: [string, number][]): PopulationMember[] => specs.map(([s, seed]) => ({ arch: architecture.resolve(s, { channels: 2, hidden: 8 })!, seed }));
const settings = { gamma: 0.9, gaeLambda: 0.8, entropyCoef: 0.05, valueCoef: 0.5 };

/** A random episode of P networks, T steps, O outputs (a softmax per row), with ragged lengths. */
function randomEpisode(T: number, P: number, I: number, O: number, seed: number): { records: A2cRecords; q: Float32Array } {
  const rng = new Rng(seed);
  const rnd = () => rng.float();
  const base = allocateEpisodeRecords(T, P, I, O);
  const records: A2cRecords = { ...base, rewards: new Float32Array(T * P), head: new Float32Array(P * (O + 1)), headGradients: new Float32Array(P * (O + 1)) };
  for (let i = 0; i < base.obs.length; i++) base.obs[i] = rnd();
  for (let i = 0; i < T * P; i++) {
    records.actions[i] = Math.floor(rnd() * O);
    records.rewards[i] = rnd() - 0.3;
  }
  for (let i = 0; i < records.head.length; i++) records.head[i] = 2 * rnd() - 1;
  records.lengths.set(Array.from({ length: P }, (_, n) => (n === 0 ? T : Math.max(1, T - 1 - n))));
  const q = new Float32Array(T * P * O);
  for (let r = 0; r < T * P; r++) {
    let sum = 0;
    for (let k = 0; k < O; k++) {
      q[r * O + k] = Math.exp(3 * rnd());
      sum += q[r * O + k];
    }
    for (let k = 0; k < O; k++) q[r * O + k] /= sum;
  }
  return { records, q };
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('@prnn/plugin-a2c', () => {
  test('registers a2c; typed parameters with defaults and checks naming the parameter', () => {
    const r = createContainer([...builtinPlugins(), plugin]);
    expect(r.learner('a2c')).toBe(a2cLearner);
    expect(a2cDefaults(task)).toMatchObject({ episodes: 100_000, gamma: 0.9, gaeLambda: 0.95, entropyCoef: 0.01, valueCoef: 0.5, lr: 3e-4, clip: 1, hidden: 8 });
    expect(() => a2cLearner.configure(task, { gaeLambda: 2 })).toThrow(expect.objectContaining({ parameter: 'gaeLambda' }));
    expect(() => a2cLearner.configure(task, { pairs: 2 })).toThrow(/unknown a2c parameter "pairs"/);
  });

  test('the 9-pathway family trains on the compiled path (its default hand kernel has no VJP); an explicit path is kept', () => {
    const job = { task, architecture, kernels, members: members([['fc', 1]]), config: a2cLearner.configure(task, {}), runSeed: 0 };
    const made = a2cJob(job);
    expect(made.path).toBe(COMPILED_PATH);
    expect(made.kernels!.paths()).toEqual(['generic', COMPILED_PATH, 'wasm-simd', 'fused']);
    expect(a2cJob({ ...job, path: 'wasm-simd' }).path).toBe(COMPILED_PATH);
    expect(a2cJob({ ...job, path: 'generic' }).path).toBe('generic');
  });

  test('cotangents and value-head gradients equal tfjs autodiff of the loss written independently with tfjs ops', () => {
    const T = 6;
    const P = 3;
    const O = 5;
    const { records, q } = randomEpisode(T, P, 4, O, 7);
    const cot = new Float32Array(T * P * O);
    const losses = new Float32Array(P);
    a2cLoss(settings, O, P, T).cotangents!(q, records, T, cot, losses);
    // the oracle: advantages by the explicit sum Σ_l (γλ)^l δ_{t+l} (constants), the loss in tfjs ops
    const V = (n: number, t: number) => {
      let v = records.head[n * (O + 1) + O];
      for (let k = 0; k < O; k++) v += records.head[n * (O + 1) + k] * q[(t * P + n) * O + k];
      return v;
    };
    const A = new Float32Array(T * P);
    const R = new Float32Array(T * P);
    const weight = new Float32Array(T * P);
    const taken = new Float32Array(T * P * O);
    for (let n = 0; n < P; n++) {
      const L = records.lengths[n];
      const delta = (t: number) => records.rewards[t * P + n] + settings.gamma * (t + 1 < L ? V(n, t + 1) : 0) - V(n, t);
      for (let t = 0; t < L; t++) {
        let a = 0;
        for (let l = 0; t + l < L; l++) a += (settings.gamma * settings.gaeLambda) ** l * delta(t + l);
        A[t * P + n] = a;
        R[t * P + n] = a + V(n, t);
        weight[t * P + n] = 1 / L;
        taken[(t * P + n) * O + records.actions[t * P + n]] = 1;
      }
    }
    const f = (qs: tf.Tensor, head: tf.Tensor) => {
      const w = tf.reshape(tf.slice(head, [0, 0], [P, O]), [1, P, O]);
      const b = tf.reshape(tf.slice(head, [0, O], [P, 1]), [1, P]);
      const value = tf.add(tf.sum(tf.mul(qs, w), -1), b);
      const logp = tf.log(tf.add(qs, LOG_FLOOR));
      const pg = tf.mul(tf.neg(tf.tensor2d(A, [T, P])), tf.sum(tf.mul(logp, tf.tensor3d(taken, [T, P, O])), -1));
      const ent = tf.neg(tf.sum(tf.mul(qs, logp), -1));
      const vl = tf.mul(0.5 * settings.valueCoef, tf.square(tf.sub(value, tf.tensor2d(R, [T, P]))));
      const per = tf.mul(tf.sub(tf.add(pg, vl), tf.mul(settings.entropyCoef, ent)), tf.tensor2d(weight, [T, P]));
      return tf.sum(per, 0);
    };
    // the full tfjs package registers every gradient with the shared tfjs-core
    createRequire(import.meta.url)('@tensorflow/tfjs');
    const qT = tf.tensor3d(q, [T, P, O]);
    const hT = tf.tensor2d(records.head, [P, O + 1]);
    const [dq, dh] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(f(a, b)))([qT, hT]);
    const oracleLoss = f(qT, hT).dataSync();
    const dqv = dq.dataSync();
    const dhv = dh.dataSync();
    let maxQ = 0;
    for (let i = 0; i < dqv.length; i++) maxQ = Math.max(maxQ, Math.abs(dqv[i]));
    expect(maxQ).toBeGreaterThan(0.1);
    for (let i = 0; i < dqv.length; i++) expect(cot[i]).toBeCloseTo(dqv[i], 4);
    for (let i = 0; i < dhv.length; i++) expect(records.headGradients[i]).toBeCloseTo(dhv[i], 4);
    for (let n = 0; n < P; n++) expect(losses[n]).toBeCloseTo(oracleLoss[n], 4);
    // rows past a network's length are zero
    for (let k = 0; k < O; k++) expect(cot[((T - 1) * P + 2) * O + k]).toBe(0);
    // the operation's own tfjs loss agrees too
    expect(Array.from(a2cLoss(settings, O, P, T).loss(qT, records, T).dataSync()).map((x, n) => x - oracleLoss[n]).every((d) => Math.abs(d) < 1e-4)).toBe(true);
    tf.dispose([qT, hT, dq, dh]);
  });

  test('the loss through the compiled VJP gives the gradients of tfjs autodiff on the generic path (fc, ff)', () => {
    const ms = members([['fc', 3], ['ff', 4]]);
    const compiled = createPopulationModel({ task, architecture, kernels: new KernelSet(architecture.family, [compiledPopulationKernel(architecture.definition!)]), members: ms, path: COMPILED_PATH });
    const generic = createPopulationModel({ task, architecture, kernels, members: ms, path: 'generic' });
    try {
      const T = 5;
      const { records } = randomEpisode(T, 2, compiled.inputs, compiled.outputs, 11);
      const op = a2cLoss(settings, compiled.outputs, 2, T);
      const g1 = allocateLike(compiled.parameters);
      const g2 = allocateLike(generic.parameters);
      const l1 = new Float32Array(2);
      const l2 = new Float32Array(2);
      vjpLearningPass(compiled, op, records, l1, g1);
      autodiffLearningPass(generic, op, records, l2, g2);
      for (let n = 0; n < 2; n++) expect(l1[n]).toBeCloseTo(l2[n], 4);
      let scale = 0;
      g2.forEach((g) => g.forEach((x) => (scale = Math.max(scale, Math.abs(x)))));
      expect(scale).toBeGreaterThan(1e-3);
      g1.forEach((g, i) => g.forEach((x, j) => expect(Math.abs(x - g2[i][j])).toBeLessThan(1e-4 * Math.max(1, scale))));
    } finally {
      compiled.dispose();
      generic.dispose();
    }
  });

  test('passes checkLearner (9-pathway hh+oh and ff, the Elman family)', async () => {
    const report = await checkLearner(a2cLearner, { plugins: [plugin], episodes: 10 });
    assertConformance(report);
    expect(report.passed.filter((p) => p.startsWith('checkpoint/resume')).length).toBe(2);
  }, 120_000);

  test('trains lowrank-r2 (a plugin family): resumes to the same weights', async () => {
    const r = createContainer([...builtinPlugins(), lowrank, plugin]);
    const family = r.resolveArch('lowrank-r2', { channels: 2, hidden: 8 }).family;
    const job = {
      task,
      architecture: r.architecture(family),
      kernels: r.kernels(family),
      members: [{ arch: r.resolveArch('lowrank-r2', { channels: 2, hidden: 8 }), seed: 3 }],
      config: a2cLearner.configure(task, { episodes: 12, curvePoints: 3, testMazes: 8 }),
      runSeed: 0,
    };
    const full = await a2cLearner.train(job);
    const states: Parameters<NonNullable<NonNullable<Parameters<typeof a2cLearner.train>[1]>['checkpoint']>['save']>[0][] = [];
    let asked = 0;
    await expect(a2cLearner.train(job, { shouldStop: () => ++asked >= 5, checkpoint: { everyEpisodes: 100, save: (s) => void states.push(s) } })).rejects.toMatchObject({ name: 'TrainingStopped' });
    const resumed = await a2cLearner.train({ ...job, resume: states[0] });
    for (const k of Object.keys(full.networks[0].weights)) expect(Array.from(resumed.networks[0].weights[k])).toEqual(Array.from(full.networks[0].weights[k]));
    expect(resumed.networks[0].fitness).toBe(full.networks[0].fitness);
  }, 120_000);

  test('a short run learns: FC on Track (seed 1) rises above its untrained fitness', async () => {
    const config = a2cLearner.configure(task, { episodes: 1500, curvePoints: 3, testMazes: 100, lr: 3e-3 });
    const result = await a2cLearner.train({ task, architecture, kernels, members: members([['fc', 1]]), config, runSeed: 0 });
    const curve = result.networks[0].trainingCurve;
    expect(result.networks[0].fitness).toBeGreaterThan(curve[0] + 0.1);
  }, 120_000);
});
