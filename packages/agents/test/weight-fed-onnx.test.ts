import { describe, expect, test } from 'vitest';
import { generateMazeSet } from '@prnn/env';
import { Rng } from '@prnn/core';
import { initWeights, parseArch } from '../src/architectures/nine-pathway/family.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';
import * as tf from '@tensorflow/tfjs-core';
import { liftInitializers, weightFedOnnxKernel } from '../src/onnx/weight-fed-onnx.js';
import { readOnnxGraph } from '../src/onnx/onnx-graph-reader.js';
import { defineArchitecture, networkStep, type ArchitectureDefinition } from '../src/sdk/define-architecture.js';
import { createContainer } from '../src/sdk/container.js';
import { builtinPlugins } from '../src/builtins/index.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { WeightFedPolicy } from '../src/eval/weight-fed-policy.js';
import { onnxFinalFitness } from '../src/training/onnx-final-fitness.js';
import { STREAM } from '../src/sdk/streams.js';
import { architecture, kernels, members, track } from './training-helpers.js';

const ninePathwayFed = weightFedOnnxKernel(architecture);

/** A plugin-style family: a tanh RNN with a bias (state h, output softmax(h·W_out)), exported by tracing. */
const toyDefinition: ArchitectureDefinition = {
  family: 'toy-rnn',
  description: 'a tanh RNN with a bias, for the weight-fed tests',
  list: () => [{ family: 'toy-rnn', name: 'toy', hidden: 6, parameters: 8 * 6 + 6 * 6 + 6 + 6 * 5 }],
  resolve: (spec) => (spec === 'toy' ? { family: 'toy-rnn', name: 'toy', hidden: 6, parameters: 8 * 6 + 6 * 6 + 6 + 6 * 5 } : undefined),
  parameters: (a, s) => ({ in: [s.inputs, a.hidden], rec: [a.hidden, a.hidden], bias: [a.hidden], out: [a.hidden, s.outputs] }),
  init: (a, s, rng) => {
    const draw = (n: number) => Float32Array.from({ length: n }, () => rng.float() - 0.5);
    return { in: draw(s.inputs * a.hidden), rec: draw(a.hidden * a.hidden), bias: draw(a.hidden), out: draw(a.hidden * s.outputs) };
  },
  stateSize: (a) => a.hidden,
  step: (p, state, obs, noise) => {
    const h = tf.tanh(tf.add(tf.add(tf.matMul(obs, p.in as tf.Tensor3D), tf.matMul(state, p.rec as tf.Tensor3D)), p.bias));
    const z = tf.matMul(h as tf.Tensor3D, p.out as tf.Tensor3D);
    return { output: tf.softmax(noise ? tf.add(z, noise) : z) as tf.Tensor3D, state: h as tf.Tensor3D };
  },
};

describe('the weight-fed 9-pathway ONNX model', () => {
  test('over the 129 configurations, one session fed each network\'s weights computes its exported policy bit for bit', async () => {
    const B = 40;
    const specs = [...Array.from({ length: 128 }, (_, i) => String(i)), 'ff-large'];
    let compared = 0;
    for (const spec of specs) {
      const arch = parseArch(spec, { channels: 2 });
      const info = { family: 'nine-pathway', name: arch.name, hidden: arch.hidden, parameters: 0, flags: arch.flags };
      const model = ninePathwayFed.model(info, 2)!;
      expect(readOnnxGraph(model.bytes).inputs.slice(0, 2)).toEqual(['obs', 'state']);
      const fed = await WeightFedPolicy.open(model);
      try {
        for (const seed of [1, 2]) {
          const weights = initWeights(arch, Rng.derive(seed, STREAM.init)) as unknown as Record<string, Float32Array>;
          const oracle = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
          try {
            fed.use(weights);
            fed.reset(B);
            oracle.reset(B);
            const rng = new Rng(seed + 17);
            const obs = new Float32Array(B * arch.inputs);
            const qa = new Float32Array(B * 5);
            const qb = new Float32Array(B * 5);
            for (let t = 0; t < 3; t++) {
              for (let i = 0; i < obs.length; i++) obs[i] = 2 * rng.float() - 1;
              await oracle.step(obs, qa);
              await fed.step(obs, qb);
              expect(Array.from(qb)).toEqual(Array.from(qa));
              compared++;
            }
          } finally {
            await oracle.release();
          }
        }
      } finally {
        await fed.release();
      }
    }
    expect(compared).toBe(129 * 2 * 3);
  }, 120_000);

  test('onnxFinalFitness: the same fitness with the weight-fed kernel (one session per architecture) as one exported policy per network', async () => {
    const task = track();
    const set = generateMazeSet(task, { count: 30, seed: 4 });
    const pop = members([['fc', 3], ['ff', 8], ['fc', 5], ['hh+oh', 2], ['ff', 1]]);
    const weights = pop.map((m) => initWeights(parseArch(m.arch.name, { channels: 2 }), Rng.derive(m.seed, STREAM.init)) as unknown as Record<string, Float32Array>);
    expect(kernels.weightFedOnnx().map((k) => k.name)).toEqual(['onnx-weight-fed']);
    const fed = await onnxFinalFitness(architecture, pop, weights, set, 0.05, kernels);
    const alone = await onnxFinalFitness(architecture, pop, weights, set, 0.05);
    expect(Array.from(fed)).toEqual(Array.from(alone));
    expect(fed.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  test('bad weights are a PrnnError naming the pathway', () => {
    const arch = parseArch('fc', { channels: 2 });
    const model = ninePathwayFed.model({ family: 'nine-pathway', name: 'fc', hidden: 8, parameters: 0, flags: arch.flags }, 2)!;
    expect(() => model.feeds({ ih: new Float32Array(3) })).toThrow(/weights of fc must include ih as a Float32Array of 8×8 = 64 values/);
  });

  test('lifting an initializer that is not there is a PrnnError naming it', () => {
    const arch = parseArch('ff', { channels: 2 });
    const bytes = buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(1, STREAM.init)));
    expect(() => liftInitializers(bytes, ['param_hh'])).toThrow(/has no initializer param_hh/);
  });
});

describe('the generic weight-fed model of a plugin family', () => {
  const toy = defineArchitecture(toyDefinition);
  const info = toy.list({ channels: 2, hidden: 6 })[0];

  test('one session fed each network\'s weights computes the family\'s exported policy bit for bit', async () => {
    const model = weightFedOnnxKernel(toy).model(info, 2)!;
    expect(readOnnxGraph(model.bytes).inputs).toEqual(['obs', 'state', 'param_in', 'param_rec', 'param_bias', 'param_out']);
    const fed = await WeightFedPolicy.open(model);
    try {
      const B = 7;
      for (const seed of [3, 4]) {
        const weights = toyDefinition.init(info, { channels: 2, inputs: 8, outputs: 5 }, Rng.derive(seed, STREAM.init));
        const oracle = await OnnxPolicy.load(toy.exportOnnx!(info, weights, {}, 2));
        try {
          fed.use(weights);
          fed.reset(B);
          oracle.reset(B);
          const rng = new Rng(seed);
          const obs = new Float32Array(B * 8);
          const qa = new Float32Array(B * 5);
          const qb = new Float32Array(B * 5);
          for (let t = 0; t < 4; t++) {
            for (let i = 0; i < obs.length; i++) obs[i] = 2 * rng.float() - 1;
            await oracle.step(obs, qa);
            await fed.step(obs, qb);
            expect(Array.from(qb)).toEqual(Array.from(qa));
            expect(new Set(qa).size).toBeGreaterThan(1);
          }
        } finally {
          await oracle.release();
        }
      }
    } finally {
      await fed.release();
    }
  });

  test('a family whose exportOnnx is not the traced one gets no generic model', () => {
    const own = { ...toy, exportOnnx: (a: typeof info, w: Record<string, Float32Array>, m: Record<string, string>, c: number) => toy.exportOnnx!(a, w, m, c) };
    expect(weightFedOnnxKernel(own).model(info, 2)).toBeUndefined();
    expect(weightFedOnnxKernel({ ...toy }).model(info, 2)).toBeDefined();
  });

  test('onnxFinalFitness uses it for a family that registers no weight-fed kernel, with the same fitness', async () => {
    const set = generateMazeSet(track(), { count: 20, seed: 5 });
    const pop = [1, 2, 3].map((seed) => ({ arch: info, seed }));
    const weights = pop.map((m) => toyDefinition.init(info, { channels: 2, inputs: 8, outputs: 5 }, Rng.derive(m.seed, STREAM.init)));
    const noKernels = createContainer(builtinPlugins()).kernels('toy-rnn');
    expect(noKernels.weightFedOnnx()).toEqual([]);
    const fed = await onnxFinalFitness(toy, pop, weights, set, 0.05, noKernels);
    const alone = await onnxFinalFitness(toy, pop, weights, set, 0.05);
    expect(Array.from(fed)).toEqual(Array.from(alone));
  });
});

describe('a step that moves the network axis', () => {
  // the toy RNN with its hidden layer reshaped to [B, H] and back: the exporter keeps the axis G in the graph
  const reshaping: ArchitectureDefinition = {
    ...toyDefinition,
    family: 'toy-reshape',
    step: (p, state, obs, noise) => {
      const pre = tf.add(tf.add(tf.matMul(obs, p.in as tf.Tensor3D), tf.matMul(state, p.rec as tf.Tensor3D)), p.bias);
      const H = pre.shape[2] as number;
      const h = tf.reshape(tf.tanh(tf.reshape(pre, [-1, H])), [1, -1, H]) as tf.Tensor3D;
      const z = tf.matMul(h, p.out as tf.Tensor3D);
      return { output: tf.softmax(noise ? tf.add(z, noise) : z) as tf.Tensor3D, state: h };
    },
  };
  const family = defineArchitecture(reshaping);
  const info = { ...toyDefinition.list({ channels: 2, hidden: 6 })[0], family: 'toy-reshape' };

  test('exports with Unsqueeze/Reshape around the step, at any batch, equal to the tfjs step; its weight-fed model bit for bit', async () => {
    const weights = toyDefinition.init(info, { channels: 2, inputs: 8, outputs: 5 }, Rng.derive(6, STREAM.init));
    const bytes = family.exportOnnx!(info, weights, {}, 2);
    const ops = readOnnxGraph(bytes).nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Unsqueeze')).toHaveLength(2);
    expect(ops).toContain('Reshape');
    const policy = await OnnxPolicy.load(bytes);
    const fed = await WeightFedPolicy.open(weightFedOnnxKernel(family).model(info, 2)!);
    const net = networkStep(reshaping, info, weights, 2);
    try {
      fed.use(weights);
      for (const B of [1, 9]) {
        policy.reset(B);
        fed.reset(B);
        let state = net.initialState(B);
        const rng = new Rng(B);
        const qa = new Float32Array(B * 5);
        const qb = new Float32Array(B * 5);
        for (let t = 0; t < 3; t++) {
          const obs = Float32Array.from({ length: B * 8 }, () => 2 * rng.float() - 1);
          await policy.step(obs, qa);
          await fed.step(obs, qb);
          expect(Array.from(qb)).toEqual(Array.from(qa));
          const r = net.step(state, tf.tensor2d(obs, [B, 8]), null);
          tf.dispose(state);
          state = r.state;
          const expected = r.output.dataSync();
          r.output.dispose();
          for (let j = 0; j < qa.length; j++) expect(Math.abs(qa[j] - expected[j])).toBeLessThan(1e-6);
        }
        tf.dispose(state);
      }
    } finally {
      net.dispose();
      await policy.release();
      await fed.release();
    }
  });
});
