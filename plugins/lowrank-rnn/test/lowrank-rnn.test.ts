import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveTaskOptions } from '@prnn/env';
import {
  OnnxPolicy,
  Rng,
  builtinPlugins,
  createContainer,
  dqnLearner,
  evaluateRun,
  exportRunNetwork,
  initBackend,
  readNetworkWeights,
  tf,
  trainRun,
} from '@prnn/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { LOWRANK_FAMILY, lowRankArchitecture } from '../src/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'prnn-lowrank-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  await initBackend('cpu');
});

const registry = createContainer([...builtinPlugins(), plugin]);
const task = resolveTaskOptions('track', {});
const sizes = { channels: 2, hidden: 8 };

describe('the low-rank tanh RNN plugin', () => {
  it('registers a family with rank-1 and rank-2 members; fc stays the 9-pathway one', () => {
    expect(registry.pluginOf('architecture', LOWRANK_FAMILY)?.plugin).toBe('@prnn/plugin-lowrank-rnn');
    const r2 = registry.resolveArch('lowrank-r2', sizes);
    // W_in 8×8, m and n 8×2, W_out 8×5
    expect(r2).toMatchObject({ family: LOWRANK_FAMILY, name: 'lowrank-r2', hidden: 8, parameters: 64 + 32 + 40 });
    expect(registry.resolveArch('fc', sizes).family).toBe('nine-pathway');
    expect(lowRankArchitecture.weightShapes!(r2, 2)).toEqual({ w_in: [8, 8], m: [8, 2], n: [8, 2], w_out: [8, 5] });
    expect(() => registry.resolveArch('lowrank-r3', sizes)).toThrow(/unknown architecture "lowrank-r3"/);
  });

  it('its step has rank-R recurrent weights: the state moves only within span(m) once the input is gone', () => {
    const arch = registry.resolveArch('lowrank-r1', sizes);
    const pop = lowRankArchitecture.createPopulation([{ arch, seed: 3 }], { channels: 2 });
    const w = pop.exportWeights(0);
    pop.dispose();
    const net = lowRankArchitecture.network!(arch, w, 2);
    try {
      let state = net.initialState(1);
      state = net.step(state, tf.tensor2d(Float32Array.from({ length: 8 }, (_, j) => j / 8), [1, 8]), null).state;
      const next = net.step(state, tf.zeros([1, 8]) as tf.Tensor2D, null).state;
      // with zero input h' = tanh(c·m) for the scalar c = h·n/H: every unit is tanh of a multiple of m_i
      const h = state.dataSync();
      const hn = next.dataSync();
      let c = 0;
      for (let i = 0; i < 8; i++) c += h[i] * w.n[i];
      c /= 8;
      for (let i = 0; i < 8; i++) expect(hn[i]).toBeCloseTo(Math.tanh(c * w.m[i]), 6);
    } finally {
      net.dispose();
    }
  });

  it('trains from a run, resumes exactly, exports to ONNX that onnxruntime runs like the tfjs model, and evaluates alike', async () => {
    const backend = await initBackend('cpu');
    const architecture = registry.architecture(LOWRANK_FAMILY);
    const kernels = registry.kernels(LOWRANK_FAMILY);
    // a family defined by its step trains on its compiled step by default
    expect(kernels.resolvePath(undefined)).toBe('compiled');
    const members = ['lowrank-r1', 'lowrank-r2', 'lowrank-r1'].map((spec, k) => ({ arch: registry.resolveArch(spec, sizes), seed: k }));
    const config = dqnLearner.configure(task, { episodes: 12, curvePoints: 3, testMazes: 16 });
    const base = { task, architecture, kernels, members, learner: dqnLearner, config, runSeed: 4, backend, population: 3 };
    const full = await trainRun({ ...base, out: path.join(tmp(), 'full') });

    // interrupted after a checkpoint, then resumed: the same weights
    const out = path.join(tmp(), 'run');
    const stop = new AbortController();
    stop.abort();
    await expect(trainRun({ ...base, out, checkpointEvery: 5, signal: stop.signal })).rejects.toThrow(/training interrupted at episode 1 of 12; checkpoint written in/);
    const resumed = await trainRun({ ...base, out, resume: true });
    expect(resumed.networks.map((n) => n.fitness)).toEqual(full.networks.map((n) => n.fitness));
    for (const n of full.networks) {
      const a = await readNetworkWeights(full.out!, n.id);
      const b = await readNetworkWeights(out, n.id);
      expect(b).toEqual(a);
    }

    // ONNX traced from the step: same q as the tfjs model, step after step
    const onnxFile = path.join(tmp(), 'r2.onnx');
    await exportRunNetwork(out, { arch: 'lowrank-r2', seed: 1 }, onnxFile, { architecture: (f) => registry.architecture(f) });
    const policy = await OnnxPolicy.load(onnxFile);
    const model = architecture.createPopulation([members[1]], { channels: 2 });
    model.importWeights(0, await readNetworkWeights(out, 'lowrank-r2_seed1'));
    try {
      const B = 4;
      policy.reset(B);
      model.resetState(B);
      const rng = new Rng(5);
      const q1 = new Float32Array(B * 5);
      const q2 = new Float32Array(B * 5);
      for (let t = 0; t < 5; t++) {
        const obs = Float32Array.from({ length: B * 8 }, () => rng.float());
        await policy.step(obs, q1);
        model.forward(obs, null, q2, true);
        for (let j = 0; j < q1.length; j++) expect(q1[j]).toBeCloseTo(q2[j], 5);
      }
    } finally {
      await policy.release();
      model.dispose();
    }

    // evaluation of the run on the onnx and tfjs engines agrees, and reproduces the stored fitness
    const opts = { architecture: (f: string) => registry.architecture(f), mazes: 16, noise: [0.05], write: false };
    const onnx = await evaluateRun(out, { ...opts, engine: 'onnx' });
    const tfjs = await evaluateRun(out, { ...opts, engine: 'tfjs' });
    expect(onnx.networks.map((n) => n.fitness)).toEqual(tfjs.networks.map((n) => n.fitness));
    expect(onnx.networks.map((n) => n.fitness[0])).toEqual(resumed.networks.map((n) => n.fitness));
  });
});

describe('workers', () => {
  it('a family handed over only as an object cannot reach worker threads: the error says how to register it', async () => {
    const backend = await initBackend('cpu');
    const members = [0, 1].map((seed) => ({ arch: registry.resolveArch('lowrank-r1', sizes), seed }));
    const config = dqnLearner.configure(task, { episodes: 10, curvePoints: 2, testMazes: 8 });
    await expect(
      trainRun({ task, architecture: lowRankArchitecture, members, learner: dqnLearner, config, backend, workers: 2, plugins: { cwd: tmp() } }),
    ).rejects.toThrow(/architecture family "lowrank-rnn" is registered by no loaded plugin; .*loads plugins by package name only: name the plugin in prnn.config.json/);
    // named by package, the same run works on 2 workers
    const r = await trainRun({ task, architecture: lowRankArchitecture, members, learner: dqnLearner, config, backend, workers: 2, plugins: { cwd: process.cwd(), extra: ['@prnn/plugin-lowrank-rnn'] } });
    expect(r.networks).toHaveLength(2);
  });
});

describe('conformance', () => {
  it('passes checkArchitecture', async () => {
    const { checkArchitecture } = await import('@prnn/agents/testing');
    const report = await checkArchitecture(lowRankArchitecture);
    expect(report.problems).toEqual([]);
  });
});
