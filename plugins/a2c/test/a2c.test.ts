import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import {
  COMPILED_PATH,
  allocateEpisodeRecords,
  builtinPlugins,
  createContainer,
  initBackend,
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

/** A random episode of P networks, T steps, rows of O outputs (a softmax) then a value, with ragged lengths. */
function randomEpisode(T: number, P: number, I: number, O: number, seed: number): { records: A2cRecords; q: Float32Array } {
  const rng = new Rng(seed);
  const rnd = () => rng.float();
  const base = allocateEpisodeRecords(T, P, I, O);
  const records: A2cRecords = { ...base, rewards: new Float32Array(T * P), advantageScale: Float32Array.from({ length: P }, (_, n) => 0.5 + n), advantageSquares: new Float32Array(P) };
  for (let i = 0; i < base.obs.length; i++) base.obs[i] = rnd();
  for (let i = 0; i < T * P; i++) {
    records.actions[i] = Math.floor(rnd() * O);
    records.rewards[i] = rnd() - 0.3;
  }
  records.lengths.set(Array.from({ length: P }, (_, n) => (n === 0 ? T : Math.max(1, T - 1 - n))));
  const W = O + 1;
  const q = new Float32Array(T * P * W);
  for (let r = 0; r < T * P; r++) {
    let sum = 0;
    for (let k = 0; k < O; k++) {
      q[r * W + k] = Math.exp(3 * rnd());
      sum += q[r * W + k];
    }
    for (let k = 0; k < O; k++) q[r * W + k] /= sum;
    q[r * W + O] = 2 * rnd() - 1;
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
    expect(a2cDefaults(task)).toMatchObject({ episodes: 200_000, gamma: 0.9, gaeLambda: 0.95, entropyCoef: 0.1, entropyFinal: 0, valueCoef: 0.5, lr: 7e-4, lrFinal: 0, stepCost: 0.1, goalContinuation: 1, advantageNorm: 0.99, clip: 1, hidden: 8 });
    expect(() => a2cLearner.configure(task, { lrFinal: 2 })).toThrow(expect.objectContaining({ parameter: 'lrFinal' }));
    expect(() => a2cLearner.configure(task, { gaeLambda: 2 })).toThrow(expect.objectContaining({ parameter: 'gaeLambda' }));
    expect(() => a2cLearner.configure(task, { pairs: 2 })).toThrow(/unknown a2c parameter "pairs"/);
  });

  test('the 9-pathway family trains on the compiled path (its default); an explicit path is kept; a removed one is named', () => {
    const job = { task, architecture, kernels, members: members([['fc', 1]]), config: a2cLearner.configure(task, {}), runSeed: 0 };
    const made = a2cJob(job);
    expect(made.kernels!.resolvePath(made.path)).toBe(COMPILED_PATH);
    expect(made.kernels!.paths()).toEqual(['generic', COMPILED_PATH]);
    expect(() => a2cJob({ ...job, path: 'wasm-simd' })).toThrow(/cannot train on path wasm-simd, which no longer exists in this prnn/);
    expect(a2cJob({ ...job, path: 'generic' }).path).toBe('generic');
  });

  test('cotangents (policy, entropy, value) equal tfjs autodiff of the loss written independently with tfjs ops', () => {
    const T = 6;
    const P = 3;
    const O = 5;
    const W = O + 1;
    const { records, q } = randomEpisode(T, P, 4, O, 7);
    const cot = new Float32Array(T * P * W);
    const losses = new Float32Array(P);
    a2cLoss(settings, O, P, T).cotangents!(q, records, T, cot, losses);
    // the oracle: advantages by the explicit sum Σ_l (γλ)^l δ_{t+l} (constants), the loss in tfjs ops
    const V = (n: number, t: number) => q[(t * P + n) * W + O];
    const A = new Float32Array(T * P);
    const R = new Float32Array(T * P);
    const weight = new Float32Array(T * P);
    const taken = new Float32Array(T * P * O);
    const squares = new Float64Array(P);
    for (let n = 0; n < P; n++) {
      const L = records.lengths[n];
      const delta = (t: number) => records.rewards[t * P + n] + settings.gamma * (t + 1 < L ? V(n, t + 1) : 0) - V(n, t);
      for (let t = 0; t < L; t++) {
        let a = 0;
        for (let l = 0; t + l < L; l++) a += (settings.gamma * settings.gaeLambda) ** l * delta(t + l);
        A[t * P + n] = a;
        squares[n] += (a * a) / L;
        R[t * P + n] = a + V(n, t);
        weight[t * P + n] = 1 / L;
        taken[(t * P + n) * O + records.actions[t * P + n]] = 1;
      }
    }
    const scale = tf.tensor2d(records.advantageScale, [1, P]);
    const f = (zs: tf.Tensor) => {
      const qs = tf.slice(zs, [0, 0, 0], [T, P, O]);
      const value = tf.reshape(tf.slice(zs, [0, 0, O], [T, P, 1]), [T, P]);
      const logp = tf.log(tf.add(qs, LOG_FLOOR));
      const pg = tf.mul(tf.neg(tf.mul(tf.tensor2d(A, [T, P]), scale)), tf.sum(tf.mul(logp, tf.tensor3d(taken, [T, P, O])), -1));
      const ent = tf.neg(tf.sum(tf.mul(qs, logp), -1));
      const vl = tf.mul(0.5 * settings.valueCoef, tf.square(tf.sub(value, tf.tensor2d(R, [T, P]))));
      const per = tf.mul(tf.sub(tf.add(pg, vl), tf.mul(settings.entropyCoef, ent)), tf.tensor2d(weight, [T, P]));
      return tf.sum(per, 0);
    };
    // the full tfjs package registers every gradient with the shared tfjs-core
    createRequire(import.meta.url)('@tensorflow/tfjs');
    const zT = tf.tensor3d(q, [T, P, W]);
    const dz = tf.grad((a: tf.Tensor) => tf.sum(f(a)))(zT);
    const oracleLoss = f(zT).dataSync();
    const dzv = dz.dataSync();
    let maxV = 0;
    for (let r = 0; r < T * P; r++) maxV = Math.max(maxV, Math.abs(dzv[r * W + O]));
    expect(maxV).toBeGreaterThan(0.05);
    for (let i = 0; i < dzv.length; i++) expect(cot[i]).toBeCloseTo(dzv[i], 4);
    for (let n = 0; n < P; n++) expect(losses[n]).toBeCloseTo(oracleLoss[n], 4);
    for (let n = 0; n < P; n++) expect(records.advantageSquares[n]).toBeCloseTo(squares[n], 4);
    // rows past a network's length are zero
    for (let k = 0; k < W; k++) expect(cot[((T - 1) * P + 2) * W + k]).toBe(0);
    // the operation's own tfjs loss agrees too
    expect(Array.from(a2cLoss(settings, O, P, T).loss(zT, records, T).dataSync()).map((x, n) => x - oracleLoss[n]).every((d) => Math.abs(d) < 1e-4)).toBe(true);
    tf.dispose([zT, dz, scale]);
  });

  test('the model it trains has the value head read from the state: its ONNX policies have the extra output head_value', async () => {
    const config = a2cLearner.configure(task, { episodes: 20, curvePoints: 2, testMazes: 8 });
    const result = await a2cLearner.train({ task, architecture, kernels, members: members([['fc', 1], ['ff', 2]]), config, runSeed: 0 });
    for (const n of result.networks) {
      expect(n.weights['head.value.weight'].length).toBe(architecture.stateSize!(n.member.arch, 2));
      expect(n.weights['head.value.weight'].some((x) => x !== 0)).toBe(true);
      const ort = createRequire(import.meta.url)('onnxruntime-node');
      const session = await ort.InferenceSession.create(architecture.exportOnnx!(n.member.arch, n.weights, {}, 2));
      expect(session.outputNames).toEqual(['q', 'state_out', 'head_value']);
      await session.release();
    }
  }, 60_000);

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
