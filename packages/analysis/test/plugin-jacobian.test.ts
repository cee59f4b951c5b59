// Exact Jacobians of a plugin family (lowrank-rnn) through SDK v2's NetworkStep, against an independent oracle,
// and the Jacobian measures of a plugin run without its ONNX export.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import {
  builtinPlugins,
  createContainer,
  defineArchitecture,
  dqnLearner,
  initBackend,
  loadRun,
  measureRun,
  readNetworkWeights,
  recordTrials,
  runNetworkArch,
  TEST_SET_SEED_OFFSET,
  trainedNetworks,
  trainRun,
  type Architecture,
} from '@prnn/agents';
import lowRankPlugin, { LOWRANK_FAMILY, lowRankDefinition } from '@prnn/plugin-lowrank-rnn';
import {
  analysisMetricsPlugin,
  memoryProfile,
  networkSensitivity,
  networkStepSensitivity,
  profileOfJacobians,
  programSensitivity,
  inputSensitivity,
  trialsOfRecording,
  type RecordedTrials,
  type TrialJacobians,
} from '../src/index.js';
import { I, maxAbsDiff, O, randomTrials } from './jacobian-fixtures.js';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'prnn-plugin-jacobian-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const registry = createContainer([...builtinPlugins(), lowRankPlugin, analysisMetricsPlugin]);
const sizes = { channels: 2, hidden: 8 };

/**
 * The oracle: the low-rank step written out from its definition in float64 —
 * h_t = tanh(s_t·W_in + (h_{t−1}·n)·mᵀ/H), o_t = softmax(h_t·W_out) — differentiated by central differences.
 */
function lowRankOutputs(w: Record<string, Float32Array>, H: number, R: number, s: Float64Array, T: number): Float64Array {
  const out = new Float64Array(T * O);
  let h = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const c = new Float64Array(R);
    for (let r = 0; r < R; r++) for (let i = 0; i < H; i++) c[r] += h[i] * w.n[i * R + r];
    const next = new Float64Array(H);
    for (let i = 0; i < H; i++) {
      let z = 0;
      for (let j = 0; j < I; j++) z += s[t * I + j] * w.w_in[j * H + i];
      for (let r = 0; r < R; r++) z += (c[r] * w.m[i * R + r]) / H;
      next[i] = Math.tanh(z);
    }
    h = next;
    const z = new Float64Array(O);
    for (let a = 0; a < O; a++) for (let i = 0; i < H; i++) z[a] += h[i] * w.w_out[i * O + a];
    const max = Math.max(...z);
    let sum = 0;
    for (let a = 0; a < O; a++) sum += (z[a] = Math.exp(z[a] - max));
    for (let a = 0; a < O; a++) out[t * O + a] = z[a] / sum;
  }
  return out;
}

function centralDifferences(w: Record<string, Float32Array>, H: number, R: number, trials: RecordedTrials, step = 1e-6): TrialJacobians {
  const { count: N, steps: T } = trials;
  const j = new Float64Array(N * T * T * O * I);
  for (let n = 0; n < N; n++) {
    const L = trials.lengths[n];
    const s = Float64Array.from(trials.obs.subarray(n * T * I, (n * T + L) * I));
    for (let tau = 0; tau < L; tau++) {
      for (let e = 0; e < I; e++) {
        const k = tau * I + e;
        const x = s[k];
        s[k] = x + step;
        const plus = lowRankOutputs(w, H, R, s, L);
        s[k] = x - step;
        const minus = lowRankOutputs(w, H, R, s, L);
        s[k] = x;
        for (let t = tau; t < L; t++) for (let a = 0; a < O; a++) j[((((n * T + t) * T + tau) * O + a) * I) + e] = (plus[t * O + a] - minus[t * O + a]) / (2 * step);
      }
    }
  }
  return { count: N, steps: T, outputs: O, inputs: I, j };
}

describe('exact Jacobians of a plugin family through its NetworkStep (lowrank-rnn)', () => {
  it('autodiff equals central finite differences of an independent float64 forward (within 1e-5 relative)', () => {
    const family = registry.architecture(LOWRANK_FAMILY);
    for (const [spec, R] of [['lowrank-r1', 1], ['lowrank-r2', 2]] as const) {
      const arch = registry.resolveArch(spec, sizes);
      // scaled-up initial weights: tanh units saturate and the recurrence matters
      const weights = lowRankDefinition.init(arch, { channels: 2, inputs: I, outputs: O }, Rng.derive(21, 1));
      for (const m of Object.values(weights)) for (let k = 0; k < m.length; k++) m[k] *= 2.5;
      const trials = randomTrials(9, 6, 22);
      const net = family.network!(arch, weights, 2);
      try {
        const auto = networkStepSensitivity(net, trials, { full: true, rows: 64 });
        const oracle = centralDifferences(weights, arch.hidden, R, trials);
        const scale = oracle.j.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(scale).toBeGreaterThan(1e-2);
        // lagged blocks are non-zero: the recurrence carries the input forward
        const lagged = profileOfJacobians(oracle, trials.lengths).s[(0 * 6 + 5) * 6 + 3];
        expect(lagged).toBeGreaterThan(1e-4);
        expect(maxAbsDiff(auto.jacobians!.j, oracle.j) / scale, spec).toBeLessThan(1e-5);
        expect(maxAbsDiff(auto.profile.s, profileOfJacobians(oracle, trials.lengths).s) / scale, spec).toBeLessThan(1e-5);
        // the float64 Jacobians derived from the lowered step (the family's `compiled` kernel): to the differences' own error
        const exact = programSensitivity(lowRankDefinition, arch, weights, trials, { full: true })!;
        expect(maxAbsDiff(exact.jacobians!.j, oracle.j) / scale, spec).toBeLessThan(1e-8);
        expect(maxAbsDiff(exact.jacobians!.j, auto.jacobians!.j) / scale, spec).toBeLessThan(1e-5);
      } finally {
        net.dispose();
      }
    }
  });

  it('networkSensitivity takes the compiled jacobian kernel for the 9-pathway family and lowrank-rnn, autodiff on request', async () => {
    const trials = randomTrials(6, 6, 5);
    const lowrank = registry.resolveArch('lowrank-r2', sizes);
    const lw = lowRankDefinition.init(lowrank, { channels: 2, inputs: I, outputs: O }, Rng.derive(3, 1));
    const lnet = registry.architecture(LOWRANK_FAMILY).network!(lowrank, lw, 2);
    const fc = registry.resolveArch('fc', sizes);
    const nine = registry.architecture(fc.family);
    const fw = nine.createPopulation([{ arch: fc, seed: 4 }], { channels: 2 });
    const fcw = fw.exportWeights(0);
    fw.dispose();
    const fnet = nine.network!(fc, fcw, 2);
    try {
      const l = await networkSensitivity({ arch: lowrank, weights: lw, network: lnet, kernels: registry.kernels(LOWRANK_FAMILY) }, trials);
      expect(l.jacobian).toBe('compiled');
      const lauto = await networkSensitivity({ arch: lowrank, weights: lw, network: lnet, kernels: registry.kernels(LOWRANK_FAMILY) }, trials, { path: 'autodiff' });
      expect(lauto.jacobian).toBe('autodiff');
      expect(maxAbsDiff(l.profile.s, lauto.profile.s)).toBeLessThan(2e-5);
      const fused = await networkSensitivity({ arch: fc, weights: fcw, network: fnet, kernels: registry.kernels(fc.family) }, trials);
      expect(fused.jacobian).toBe('compiled');
      const generic = await networkSensitivity({ arch: fc, weights: fcw, network: fnet, kernels: registry.kernels(fc.family) }, trials, { path: 'autodiff' });
      expect(generic.jacobian).toBe('autodiff');
      expect(maxAbsDiff(fused.profile.s, generic.profile.s)).toBeLessThan(2e-5);
      await expect(networkSensitivity({ arch: lowrank, weights: lw, network: lnet }, trials, { path: 'fused' })).rejects.toThrow(
        /^jacobian path "fused" is not available for family lowrank-rnn: available: autodiff$/,
      );
    } finally {
      lnet.dispose();
      fnet.dispose();
    }
  });
});

describe('Jacobian measures of a plugin run (prnn measure\'s library path)', () => {
  it('memory and input sensitivity of lowrank-rnn networks come from its step (the compiled Jacobians), never its ONNX export', async () => {
    const task = resolveTaskOptions('track', {});
    const backend = await initBackend('cpu');
    const lowrank = registry.architecture(LOWRANK_FAMILY);
    // the same family, but its ONNX export throws: the measures must not need it
    const noOnnx: Architecture = defineArchitecture({
      ...lowRankDefinition,
      exportOnnx: () => {
        throw new Error('the ONNX export was used');
      },
    });
    const members = [0, 1].map((seed) => ({ arch: registry.resolveArch('lowrank-r1', sizes), seed }));
    const config = dqnLearner.configure(task, { episodes: 10, curvePoints: 2, testMazes: 10 });
    const out = join(dir, 'run');
    await trainRun({ task, architecture: lowrank, kernels: registry.kernels(LOWRANK_FAMILY), members, learner: dqnLearner, config, runSeed: 2, backend, out, population: 2 });
    const measured = await measureRun(out, {
      metrics: ['input-sensitivity', 'memory', 'memory-capacity'].map((m) => registry.metric(m)),
      architecture: () => noOnnx,
      kernels: (family) => registry.kernels(family),
      write: false,
    });
    expect(measured.networks).toHaveLength(2);
    for (const n of measured.networks) {
      const memory = n.values.memory as Record<string, number>;
      expect(memory.M_0).toBe(1);
      expect(n.values['memory-capacity']).toBeCloseTo(Object.values(memory).reduce((a, b) => a + (b ?? 0), 0), 10);
      expect(n.values['input-sensitivity']).toBeGreaterThan(0);
    }
    // the values are those of the Jacobians derived from the lowered step along the same recorded trials (and
    // within float32 rounding of autodiff's)
    const run = await loadRun(out);
    const net1 = trainedNetworks(run)[1];
    const net = lowrank.network!(runNetworkArch(net1), await readNetworkWeights(out, net1.entry.id, net1.result), task.channels);
    try {
      const mazeSeed = run.manifest.runSeed + TEST_SET_SEED_OFFSET;
      const recorded = await recordTrials(net, { task, mazes: measured.mazes, mazeSeed, sensorNoise: measured.sensorNoise, seed: net1.entry.seed });
      const trials = trialsOfRecording(recorded);
      const profile = programSensitivity(lowRankDefinition, runNetworkArch(net1), await readNetworkWeights(out, net1.entry.id, net1.result), trials)!.profile;
      expect(measured.networks[1].values['input-sensitivity']).toBeCloseTo(inputSensitivity(profile), 12);
      expect(measured.networks[1].values['memory-capacity']).toBeCloseTo(memoryProfile(profile).capacity, 12);
      const auto = networkStepSensitivity(net, trials).profile;
      expect(measured.networks[1].values['input-sensitivity']).toBeCloseTo(inputSensitivity(auto), 5);
      expect(measured.networks[1].values['memory-capacity']).toBeCloseTo(memoryProfile(auto).capacity, 4);
    } finally {
      net.dispose();
    }
  });
});
