// Output heads (packages/agents/src/sdk/output-heads.ts): a value head read from the recurrent state, trained
// through the model's VJP, against tfjs autodiff of the network's own step (an independent oracle), on the
// compiled path (9-pathway fc and ff) and the generic step population (a plugin family); and its ONNX export:
// an extra output, which `prnn eval` ignores.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { Rng } from '@prnn/core';
import { resolveTaskOptions } from '@prnn/env';
import {
  COMPILED_PATH,
  KernelSet,
  allocateEpisodeRecords,
  allocateLike,
  builtinPlugins,
  compiledPopulationKernel,
  createContainer,
  createPopulationModel,
  headParameterNames,
  initBackend,
  withOutputHeads,
  type Architecture,
  type EpisodeRecords,
  type HeadedPopulationModel,
  type PopulationMember,
} from '@prnn/agents';
import lowrank from '@prnn/plugin-lowrank-rnn';
import { runCli } from './run-cli.js';

const task = resolveTaskOptions('track', {});
const HEAD = { name: 'value', size: 1 };
const names = headParameterNames('value');
let dir = '';

beforeAll(async () => {
  await initBackend('cpu');
  // the full tfjs package registers every gradient with the shared tfjs-core (the oracle's autodiff)
  createRequire(import.meta.url)('@tensorflow/tfjs');
  dir = mkdtempSync(join(tmpdir(), 'prnn-heads-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A random episode (ragged lengths, no tie noise) and random cotangents [T, P, O + 1], zero past each length. */
function randomCase(T: number, P: number, I: number, O: number, seed: number): { records: EpisodeRecords; cot: Float32Array } {
  const rng = new Rng(seed);
  const records = allocateEpisodeRecords(T, P, I, O);
  for (let i = 0; i < records.obs.length; i++) records.obs[i] = rng.float();
  records.lengths.set(Array.from({ length: P }, (_, n) => T - n));
  const cot = new Float32Array(T * P * (O + 1));
  for (let t = 0; t < T; t++) for (let n = 0; n < P; n++) if (t < records.lengths[n]) for (let k = 0; k <= O; k++) cot[(t * P + n) * (O + 1) + k] = 2 * rng.float() - 1;
  return { records, cot };
}

/**
 * The oracle for network n: the family's step as a tfjs function (`Architecture.network`) unrolled from the zero
 * state, V_t = s_t·W + b on its next state, L = Σ_t cot_t·[o_t, V_t]; tfjs autodiff gives dL/d(every weight).
 */
function oracle(architecture: Architecture, model: HeadedPopulationModel, member: PopulationMember, n: number, records: EpisodeRecords, cot: Float32Array) {
  const { population: P, inputs: I, outputs: O } = model;
  const weights = model.exportWeights(n);
  const own = Object.fromEntries(Object.entries(weights).filter(([k]) => !k.startsWith('head.')));
  const net = architecture.network!(member.arch, own, task.channels);
  const S = net.stateSize;
  const W = tf.tensor2d(weights[names.weight].subarray(0, S), [S, 1]);
  const b = tf.tensor1d(weights[names.bias]);
  const xs = [...Object.values(net.params), W, b];
  const values: number[] = [];
  const engine = tf.engine() as unknown as { gradients(f: () => tf.Tensor, xs: tf.Tensor[]): { grads: tf.Tensor[] } };
  const { grads } = engine.gradients(() => {
    let state = net.initialState(1);
    let L: tf.Tensor = tf.scalar(0);
    for (let t = 0; t < records.lengths[n]; t++) {
      const row = t * P + n;
      const r = net.step(state, tf.tensor2d(records.obs.slice(row * I, (row + 1) * I), [1, I]), tf.zeros([1, O]));
      state = r.state;
      const v = tf.add(tf.matMul(state, W), b);
      values.push(...(r.output.dataSync() as Float32Array), v.dataSync()[0]);
      const c = cot.subarray(row * (O + 1), (row + 1) * (O + 1));
      L = tf.add(L, tf.add(tf.sum(tf.mul(r.output, tf.tensor2d(c.slice(0, O), [1, O]))), tf.mul(v, c[O])));
    }
    return tf.sum(L);
  }, xs);
  const out: Record<string, Float32Array> = {};
  Object.keys(net.params).forEach((k, i) => (out[k] = grads[i].dataSync() as Float32Array));
  out[names.weight] = grads[grads.length - 2].dataSync() as Float32Array;
  out[names.bias] = grads[grads.length - 1].dataSync() as Float32Array;
  net.dispose();
  tf.dispose([W, b, ...grads]);
  return { grads: out, values, S };
}

/** The headed model's forward/backward against the oracle for every network. */
function checkAgainstOracle(architecture: Architecture, make: () => HeadedPopulationModel, members: PopulationMember[], seed: number): void {
  const model = make();
  const probe = make();
  try {
    const { population: P, inputs: I, outputs: O } = model;
    expect(model.headOutputs).toBe(1);
    expect(model.parameters.names.slice(-2)).toEqual([names.weight, names.bias]);
    // random head weights (they start at zero)
    const rng = new Rng(seed + 1);
    for (const v of model.parameters.values.slice(-2)) for (let i = 0; i < v.length; i++) v[i] = rng.float() - 0.5;
    model.parameters.commit();
    const T = 4;
    const { records, cot } = randomCase(T, P, I, O, seed);
    const outputs = new Float32Array(T * P * (O + 1));
    const gradients = allocateLike(model.parameters);
    model.vjp.forward(records, T, outputs);
    model.vjp.backward(cot, gradients);
    // the gradients by name, network by network: loaded as a probe model's values, read with exportWeights
    probe.parameters.values.forEach((v, k) => v.set(gradients[k]));
    probe.parameters.commit();
    let scale = 0;
    for (let n = 0; n < P; n++) {
      const want = oracle(architecture, model, members[n], n, records, cot);
      const got = probe.exportWeights(n);
      for (let t = 0; t < records.lengths[n]; t++) {
        for (let k = 0; k <= O; k++) expect(outputs[(t * P + n) * (O + 1) + k]).toBeCloseTo(want.values[t * (O + 1) + k], 4);
      }
      for (const [name, g] of Object.entries(want.grads)) {
        const mine = name === names.weight ? got[name].subarray(0, want.S) : got[name];
        expect(mine.length, name).toBe(g.length);
        for (let i = 0; i < g.length; i++) {
          scale = Math.max(scale, Math.abs(g[i]));
          expect(Math.abs(mine[i] - g[i]), `${name}[${i}] of network ${n}`).toBeLessThan(2e-4 * Math.max(1, Math.abs(g[i])));
        }
      }
      // the head's weight rows past this network's own state (padding) get no gradient
      for (let i = want.S; i < got[names.weight].length; i++) expect(got[names.weight][i]).toBe(0);
    }
    expect(scale).toBeGreaterThan(0.05);
  } finally {
    model.dispose();
    probe.dispose();
  }
}

describe('output heads', () => {
  it('compiled 9-pathway (fc, ff): the value head and its gradient into the network equal tfjs autodiff of the step', () => {
    const registry = createContainer(builtinPlugins());
    const architecture = registry.architecture('nine-pathway');
    const def = (architecture as { definition?: Parameters<typeof compiledPopulationKernel>[0] }).definition!;
    const members = (['fc', 'ff', 'hh+oh'] as const).map((s, k) => ({ arch: architecture.resolve(s, { channels: 2, hidden: 8 })!, seed: 3 + k }));
    const make = () =>
      withOutputHeads(createPopulationModel({ task, architecture, kernels: new KernelSet(architecture.family, [compiledPopulationKernel(def)]), members, path: COMPILED_PATH }), [HEAD]);
    expect(make().implementation).toBe(COMPILED_PATH);
    checkAgainstOracle(architecture, make, members, 21);
  });

  it('a plugin family (lowrank-r2, lowrank-r1) on the generic step population and on the compiled path', () => {
    const registry = createContainer([...builtinPlugins(), lowrank]);
    const r2 = registry.resolveArch('lowrank-r2', { channels: 2, hidden: 8 });
    const r1 = registry.resolveArch('lowrank-r1', { channels: 2, hidden: 6 });
    const architecture = registry.architecture(r2.family);
    const kernels = registry.kernels(r2.family);
    const members = [{ arch: r2, seed: 1 }, { arch: r1, seed: 2 }];
    for (const path of ['generic', COMPILED_PATH]) {
      const make = () => withOutputHeads(createPopulationModel({ task, architecture, kernels, members, path }), [HEAD]);
      checkAgainstOracle(architecture, make, members, 31);
    }
  });

  it('a population without a state-reading VJP is refused with one line naming the path', () => {
    const registry = createContainer(builtinPlugins());
    const architecture = registry.architecture('nine-pathway');
    const kernels = registry.kernels('nine-pathway');
    const members = [{ arch: architecture.resolve('fc', { channels: 2, hidden: 8 })!, seed: 1 }];
    // the 9-pathway family's generic population (the padded tfjs model) has no VJP (its hand kernels had none either)
    const model = createPopulationModel({ task, architecture, kernels, members, path: 'generic' });
    try {
      expect(() => withOutputHeads(model, [HEAD])).toThrow(/output heads need a population whose vector-Jacobian product reads the recurrent state; the generic path of family nine-pathway has none/);
      expect(() => withOutputHeads(model, [{ name: 'bad name', size: 1 }])).toThrow(/output head needs a name/);
    } finally {
      model.dispose();
    }
  });

  it('exports the head as an extra ONNX output (state_out·W + b); prnn eval ignores it', async () => {
    const registry = createContainer(builtinPlugins());
    const architecture = registry.architecture('nine-pathway');
    const def = (architecture as { definition?: Parameters<typeof compiledPopulationKernel>[0] }).definition!;
    const member = { arch: architecture.resolve('fc', { channels: 2, hidden: 8 })!, seed: 7 };
    const model = withOutputHeads(createPopulationModel({ task, architecture, kernels: new KernelSet(architecture.family, [compiledPopulationKernel(def)]), members: [member], path: COMPILED_PATH }), [HEAD]);
    const rng = new Rng(5);
    for (const v of model.parameters.values.slice(-2)) for (let i = 0; i < v.length; i++) v[i] = rng.float() - 0.5;
    model.parameters.commit();
    const weights = model.exportWeights(0);
    // V_0 from the model's VJP on one step (zero state, no noise)
    const { records } = randomCase(1, 1, model.inputs, model.outputs, 9);
    const rows = new Float32Array(model.outputs + 1);
    model.vjp.forward(records, 1, rows);
    model.dispose();
    const withHead = join(dir, 'fc-head.onnx');
    const plain = join(dir, 'fc.onnx');
    writeFileSync(withHead, architecture.exportOnnx!(member.arch, weights, {}, 2));
    const own = Object.fromEntries(Object.entries(weights).filter(([k]) => !k.startsWith('head.')));
    writeFileSync(plain, architecture.exportOnnx!(member.arch, own, {}, 2));
    const session = await ort.InferenceSession.create(withHead);
    expect(session.outputNames).toEqual(['q', 'state_out', 'head_value']);
    const S = architecture.stateSize!(member.arch, 2);
    const out = await session.run({
      obs: new ort.Tensor('float32', records.obs.slice(0, model.inputs), [1, model.inputs]),
      state: new ort.Tensor('float32', new Float32Array(S), [1, S]),
    });
    const next = out.state_out.data as Float32Array;
    let v = weights[names.bias][0];
    for (let j = 0; j < S; j++) v += next[j] * weights[names.weight][j];
    expect((out.head_value.data as Float32Array)[0]).toBeCloseTo(v, 5);
    expect((out.head_value.data as Float32Array)[0]).toBeCloseTo(rows[model.outputs], 4);
    for (let k = 0; k < 5; k++) expect((out.q.data as Float32Array)[k]).toBeCloseTo(rows[k], 5);
    await session.release();
    const evalOf = (file: string) => runCli(['eval', '--policy', file, '--mazes', '20', '--test-seed', '0', '--seed', '1', '--noise', '0.05', '--json']);
    const a = evalOf(withHead);
    const b = evalOf(plain);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(a.stdout).fitness).toEqual(JSON.parse(b.stdout).fitness);
  }, 60_000);
});
