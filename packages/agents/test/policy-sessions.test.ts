import { describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@prnn/core';
import { initWeights, parseArch } from '../src/architectures/nine-pathway/family.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';
import { defineArchitecture, type ArchitectureDefinition } from '../src/sdk/define-architecture.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { PolicySessions } from '../src/eval/policy-sessions.js';
import type { QEngine } from '../src/eval/q-engine.js';
import { STREAM } from '../src/sdk/streams.js';
import { architecture, kernels } from './training-helpers.js';

/** q of `engine` over 3 steps of seeded observations on a batch of B rows (the state carried from step to step). */
async function qTrace(engine: QEngine, inputs: number, seed: number, B = 9): Promise<number[]> {
  engine.reset(B);
  const rng = new Rng(seed);
  const obs = new Float32Array(B * inputs);
  const q = new Float32Array(B * 5);
  const out: number[] = [];
  for (let t = 0; t < 3; t++) {
    for (let i = 0; i < obs.length; i++) obs[i] = 2 * rng.float() - 1;
    await engine.step(obs, q);
    out.push(...q);
  }
  return out;
}

const info = (name: string) => {
  const arch = parseArch(name, { channels: 2 });
  return { arch, info: { family: 'nine-pathway', name: arch.name, hidden: arch.hidden, parameters: 0, flags: arch.flags } };
};
const weightsOf = (name: string, seed: number) => initWeights(parseArch(name, { channels: 2 }), Rng.derive(seed, STREAM.init)) as unknown as Record<string, Float32Array>;

/** The network's own exported policy (the initializer graph): the oracle. */
async function exported(name: string, seed: number): Promise<number[]> {
  const policy = await OnnxPolicy.load(buildNinePathwayOnnx(parseArch(name, { channels: 2 }), weightsOf(name, seed)));
  try {
    return await qTrace(policy, 8, 100 + seed);
  } finally {
    await policy.release();
  }
}

describe('PolicySessions', () => {
  test('networks of several architectures, in and out of order: each engine computes its network\'s exported policy bit for bit, at most `keep` sessions open', async () => {
    const sessions = new PolicySessions(2);
    const order: [string, number][] = [['fc', 1], ['fc', 2], ['ff', 1], ['fc', 3], ['hh+oh', 1], ['ff', 2], ['fc', 4], ['ff', 3]];
    try {
      for (const [name, seed] of order) {
        const { info: a } = info(name);
        const s = await sessions.open(architecture, kernels, a, weightsOf(name, seed), 2, `${name} seed ${seed}`);
        try {
          expect(s.engine.engine).toBe('onnx');
          expect(await qTrace(s.engine, 8, 100 + seed)).toEqual(await exported(name, seed));
        } finally {
          await s.done();
        }
        expect(sessions.sessions).toBeLessThanOrEqual(2);
      }
      // fc, ff and hh+oh were asked for; the two most recent stay open
      expect(sessions.sessions).toBe(2);
    } finally {
      await sessions.release();
    }
    expect(sessions.sessions).toBe(0);
  }, 60_000);

  test('a family without a weight-fed model: each network gets its own exported policy, released by done()', async () => {
    const definition: ArchitectureDefinition = {
      family: 'toy-own-export',
      description: 'a tanh RNN whose exportOnnx is its own function',
      list: () => [{ family: 'toy-own-export', name: 'toy', hidden: 4, parameters: 8 * 4 + 4 * 4 + 4 * 5 }],
      resolve: (spec) => (spec === 'toy' ? { family: 'toy-own-export', name: 'toy', hidden: 4, parameters: 8 * 4 + 4 * 4 + 4 * 5 } : undefined),
      parameters: (a, s) => ({ in: [s.inputs, a.hidden], rec: [a.hidden, a.hidden], out: [a.hidden, s.outputs] }),
      init: (a, s, rng) => {
        const draw = (n: number) => Float32Array.from({ length: n }, () => rng.float() - 0.5);
        return { in: draw(s.inputs * a.hidden), rec: draw(a.hidden * a.hidden), out: draw(a.hidden * s.outputs) };
      },
      stateSize: (a) => a.hidden,
      step: (p, state, obs, noise) => {
        const h = tf.tanh(tf.add(tf.matMul(obs, p.in as tf.Tensor3D), tf.matMul(state, p.rec as tf.Tensor3D)));
        const z = tf.matMul(h as tf.Tensor3D, p.out as tf.Tensor3D);
        return { output: tf.softmax(noise ? tf.add(z, noise) : z) as tf.Tensor3D, state: h as tf.Tensor3D };
      },
    };
    const traced = defineArchitecture(definition);
    // the same graph through a function of its own: not the traced export, so no generic weight-fed model
    const own = { ...traced, exportOnnx: (a: never, w: Record<string, Float32Array>, m: Record<string, string>, c: number) => traced.exportOnnx!(a, w, m, c) };
    const toy = traced.list({ channels: 2, hidden: 4 })[0];
    const sessions = new PolicySessions(1);
    try {
      for (const seed of [1, 2]) {
        const weights = definition.init(toy, { channels: 2, inputs: 8, outputs: 5 }, Rng.derive(seed, STREAM.init));
        const s = await sessions.open(own, undefined, toy, weights, 2, `toy seed ${seed}`);
        const oracle = await OnnxPolicy.load(traced.exportOnnx!(toy, weights, {}, 2));
        try {
          expect(await qTrace(s.engine, 8, seed)).toEqual(await qTrace(oracle, 8, seed));
        } finally {
          await oracle.release();
          await s.done();
        }
        expect(sessions.sessions).toBe(0);
      }
      // a step after done() fails: the network's session was released
      const weights = definition.init(toy, { channels: 2, inputs: 8, outputs: 5 }, Rng.derive(3, STREAM.init));
      const s = await sessions.open(own, undefined, toy, weights, 2, 'toy seed 3');
      await s.done();
      s.engine.reset(2);
      await expect(s.engine.step(new Float32Array(16), new Float32Array(10))).rejects.toThrow();
    } finally {
      await sessions.release();
    }
  }, 60_000);

  test('bad settings and families that cannot export are PrnnErrors naming them', async () => {
    expect(() => new PolicySessions(0)).toThrow(/keep must be an integer ≥ 1 \(got 0\)/);
    const sessions = new PolicySessions();
    const { info: a } = info('fc');
    await expect(sessions.open({ ...architecture, exportOnnx: undefined }, kernels, a, weightsOf('fc', 1), 2, 'network fc seed 1')).rejects.toThrow(
      /network fc seed 1: family nine-pathway cannot export an ONNX policy/,
    );
  });
});
