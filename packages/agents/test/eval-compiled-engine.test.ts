import { beforeAll, describe, expect, test } from 'vitest';
import { generateMazeSet, resolveTaskOptions } from '@prnn/env';
import { PrnnError, Rng } from '@prnn/core';
import { initBackend } from '../src/backend.js';
import { archInfo, ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { initWeights, parseArch, referenceStep, zeroState, type NinePathwayState } from '../src/architectures/nine-pathway/family.js';
import { compiledPopulationKernel } from '../src/compiler/kernel.js';
import { CompiledEngine } from '../src/eval/compiled-engine.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { PolicyEvaluator } from '../src/eval/policy-evaluator.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';
import { KernelSet } from '../src/sdk/kernel.js';

// float32 forward with another summation order than onnxruntime's and than the double-precision oracle
const TOLERANCE = 1e-5;
const kernels = new KernelSet(ninePathwayDefinition.family, [compiledPopulationKernel(ninePathwayDefinition)]);

beforeAll(async () => {
  await initBackend('cpu');
});

function engineFor(spec: string, seed: number): { engine: CompiledEngine; arch: ReturnType<typeof parseArch>; weights: Record<string, Float32Array> } {
  const arch = parseArch(spec);
  const weights = initWeights(arch, Rng.derive(seed, 1)) as Record<string, Float32Array>;
  return { engine: CompiledEngine.create(kernels, archInfo(arch), weights, 2, { seed }), arch, weights };
}

describe('compiled evaluation engine', () => {
  test.each([1, 4, 7])('q over a rollout of %i rows (padding lanes included) = referenceStep and the exported ONNX model within 1e-5', async (rows) => {
    for (const [spec, seed] of [['fc', 31], ['hh+oh', 32], ['ff-large', 33]] as const) {
      const { engine, arch, weights } = engineFor(spec, seed);
      const onnx = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
      engine.reset(rows);
      onnx.reset(rows);
      const states = Array.from({ length: rows }, () => zeroState(arch));
      const rng = Rng.derive(seed, 2);
      const qc = new Float32Array(rows * 5);
      const qo = new Float32Array(rows * 5);
      let worstReference = 0;
      let worstOnnx = 0;
      for (let t = 0; t < 6; t++) {
        const obs = new Float32Array(rows * 8).map(() => (rng.float() < 0.3 ? 0 : rng.float()));
        engine.step(obs, qc);
        await onnx.step(obs, qo);
        for (let r = 0; r < rows; r++) {
          states[r] = referenceStep(arch, weights, states[r], obs.subarray(r * 8, r * 8 + 8));
          for (let a = 0; a < 5; a++) {
            worstReference = Math.max(worstReference, Math.abs(qc[r * 5 + a] - states[r].o[a]));
            worstOnnx = Math.max(worstOnnx, Math.abs(qc[r * 5 + a] - qo[r * 5 + a]));
          }
        }
      }
      expect(worstReference, spec).toBeLessThanOrEqual(TOLERANCE);
      expect(worstOnnx, spec).toBeLessThanOrEqual(TOLERANCE);
      // not trivially zero: the network's outputs move
      expect(qc.some((v) => v !== 0)).toBe(true);
      engine.dispose();
      await onnx.release();
    }
  });

  test('compact keeps the chosen rows with their state: the same bits as the uncompacted batch, close to referenceStep', () => {
    const { engine, arch, weights } = engineFor('fc', 41);
    const { engine: full } = engineFor('fc', 41);
    const rows = 11;
    engine.reset(rows);
    full.reset(rows);
    const states: NinePathwayState[] = Array.from({ length: rows }, () => zeroState(arch));
    const rng = Rng.derive(41, 2);
    let live = Int32Array.from({ length: rows }, (_, i) => i);
    const qc = new Float32Array(rows * 5);
    const qf = new Float32Array(rows * 5);
    const keeps = [Int32Array.from([0, 2, 3, 5, 8, 9, 10]), Int32Array.from([1, 2, 6]), Int32Array.from([2])];
    for (let t = 0; t < 7; t++) {
      const obs = new Float32Array(rows * 8).map(() => rng.float());
      const n = live.length;
      const rowObs = new Float32Array(n * 8);
      live.forEach((i, k) => rowObs.set(obs.subarray(i * 8, i * 8 + 8), k * 8));
      engine.step(rowObs, qc.subarray(0, n * 5));
      full.step(obs, qf);
      for (let k = 0; k < n; k++) {
        const i = live[k];
        states[i] = referenceStep(arch, weights, states[i], obs.subarray(i * 8, i * 8 + 8));
        for (let a = 0; a < 5; a++) {
          expect(qc[k * 5 + a]).toBe(qf[i * 5 + a]);
          expect(Math.abs(qc[k * 5 + a] - states[i].o[a])).toBeLessThanOrEqual(TOLERANCE);
        }
      }
      if (t >= 1 && t <= 3) {
        const keep = keeps[t - 1];
        engine.compact(keep, keep.length);
        live = Int32Array.from(keep, (k) => live[k]);
      }
    }
    expect(Array.from(live)).toEqual([10]);
    expect(() => engine.compact(Int32Array.from([1, 0]), 2)).toThrow(PrnnError);
    engine.dispose();
    full.dispose();
  });

  test('sweep fitness equals the onnx engine’s (Track, 3 levels × 40 mazes; compaction on and off)', async () => {
    const task = resolveTaskOptions('track', {});
    const set = generateMazeSet(task, { count: 40, seed: 8 });
    const evaluator = new PolicyEvaluator({ task, mazes: set, noise: [0, 0.05, 0.25] });
    const whole = new PolicyEvaluator({ task, mazes: set, noise: [0, 0.05, 0.25], compact: 0 });
    for (const [spec, seed] of [['fc', 5], ['oo+oh', 6]] as const) {
      const { engine, arch, weights } = engineFor(spec, seed);
      const onnx = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
      const a = await evaluator.evaluate(onnx, seed);
      const b = await evaluator.evaluate(engine, seed);
      const c = await whole.evaluate(engine, seed);
      expect(b.engine).toBe('compiled');
      expect(b.fitness).toEqual(a.fitness);
      expect(b.robustness).toBe(a.robustness);
      expect(c.fitness).toEqual(b.fitness);
      engine.dispose();
      await onnx.release();
    }
  });

  test('an engine built after one of the same architecture was disposed (its population reused) computes with its own weights from the zero state', () => {
    const rows = 6;
    const rng = Rng.derive(51, 2);
    const obs = Array.from({ length: 4 }, () => new Float32Array(rows * 8).map(() => rng.float()));
    const run = (engine: CompiledEngine): Float32Array => {
      engine.reset(rows);
      const q = new Float32Array(rows * 5);
      for (const o of obs) engine.step(o, q);
      return q;
    };
    const first = engineFor('fc', 51).engine;
    run(first);
    first.dispose();
    expect(() => first.reset(rows)).toThrow(/disposed/);
    const reused = engineFor('fc', 52);
    const q = run(reused.engine);
    // the oracle: referenceStep with the second network's weights
    const states = Array.from({ length: rows }, () => zeroState(reused.arch));
    for (const o of obs) for (let r = 0; r < rows; r++) states[r] = referenceStep(reused.arch, reused.weights, states[r], o.subarray(r * 8, r * 8 + 8));
    for (let r = 0; r < rows; r++) for (let a = 0; a < 5; a++) expect(Math.abs(q[r * 5 + a] - states[r].o[a])).toBeLessThanOrEqual(TOLERANCE);
    reused.engine.dispose();
  });

  test('a family without a compiled path: one PrnnError naming its paths and the way out', () => {
    const arch = parseArch('fc');
    const weights = initWeights(arch, Rng.derive(1, 1)) as Record<string, Float32Array>;
    expect(() => CompiledEngine.create(new KernelSet('nine-pathway', []), archInfo(arch), weights, 2)).toThrow(
      /^family nine-pathway has no compiled path here \(its paths: generic\); use --engine onnx$/,
    );
  });
});
