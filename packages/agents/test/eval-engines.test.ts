import { beforeAll, describe, expect, test } from 'vitest';
import { generateMazeSet, resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import { initBackend } from '../src/backend.js';
import { archInfo, createNinePathwayArchitecture } from '../src/architectures/nine-pathway/architecture.js';
import { initWeights, paperArchitectures, parseArch, referenceStep, zeroState } from '../src/architectures/nine-pathway/family.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { PolicyEvaluator } from '../src/eval/policy-evaluator.js';
import { PopulationEngine } from '../src/eval/population-engine.js';
import { FINAL_EVALUATION_STREAM } from '../src/learners/dqn.js';
import { GreedyEvaluator, populationPolicy } from '../src/training/evaluate-greedy.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';

const family = createNinePathwayArchitecture();
const track = resolveTaskOptions('track', {});

beforeAll(async () => {
  await initBackend('cpu');
});

describe('engines: onnx vs tfjs', () => {
  test('the exported model, the tfjs population model and referenceStep give the same q over a rollout', async () => {
    for (const spec of ['fc', 'hh+oh', 'ii+io+oi', 'ff-large']) {
      const arch = parseArch(spec);
      const weights = initWeights(arch, Rng.derive(21, 1)) as Record<string, Float32Array>;
      const onnx = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
      const tfjs = PopulationEngine.create(family, archInfo(arch), weights, 2);
      const rows = 4;
      onnx.reset(rows);
      tfjs.reset(rows);
      const states = Array.from({ length: rows }, () => zeroState(arch));
      const rng = Rng.derive(21, 2);
      const qa = new Float32Array(rows * 5);
      const qb = new Float32Array(rows * 5);
      let worst = 0;
      for (let t = 0; t < 6; t++) {
        const obs = new Float32Array(rows * 8).map(() => rng.float());
        await onnx.step(obs, qa);
        tfjs.step(obs, qb);
        for (let r = 0; r < rows; r++) {
          states[r] = referenceStep(arch, weights, states[r], obs.subarray(r * 8, r * 8 + 8));
          for (let a = 0; a < 5; a++) {
            worst = Math.max(worst, Math.abs(qa[r * 5 + a] - states[r].o[a]), Math.abs(qb[r * 5 + a] - states[r].o[a]));
          }
        }
      }
      expect(worst).toBeLessThanOrEqual(1e-5);
      tfjs.dispose();
      await onnx.release();
    }
  });

  test('all 128 architectures and ff-large: the tfjs model agrees with the exported ONNX model (max |Δq| ≤ 1e-5)', async () => {
    const rows = 3;
    let worst = 0;
    for (const [k, arch] of paperArchitectures().entries()) {
      const weights = initWeights(arch, Rng.derive(300 + k, 1)) as Record<string, Float32Array>;
      const onnx = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
      const tfjs = PopulationEngine.create(family, archInfo(arch), weights, 2);
      onnx.reset(rows);
      tfjs.reset(rows);
      const rng = Rng.derive(300 + k, 2);
      const qa = new Float32Array(rows * 5);
      const qb = new Float32Array(rows * 5);
      for (let t = 0; t < 6; t++) {
        const obs = new Float32Array(rows * 8).map(() => (rng.float() < 0.3 ? 0 : rng.float()));
        await onnx.step(obs, qa);
        tfjs.step(obs, qb);
        for (let j = 0; j < qa.length; j++) worst = Math.max(worst, Math.abs(qa[j] - qb[j]));
      }
      tfjs.dispose();
      await onnx.release();
      if (worst > 1e-5) throw new Error(`${arch.name}: max |Δq| = ${worst}`);
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  // the H maze's set holds both orientations (half of its mazes are turned on their side)
  test.each([['track', track], ['h', resolveTaskOptions('h')]] as const)('identical fitness with the onnx and tfjs engines, equal to the trainer’s greedy evaluator at its σs (%s)', async (_kind, task) => {
    const set = generateMazeSet(task, { count: 50, seed: 8 });
    const evaluator = new PolicyEvaluator({ task, mazes: set, noise: [0, 0.05, 0.25] });
    for (const [spec, seed] of [
      ['fc', 5],
      ['oo+oh', 6],
    ] as const) {
      const arch = parseArch(spec);
      const weights = initWeights(arch, Rng.derive(seed, 1)) as Record<string, Float32Array>;
      const onnx = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
      const tfjs = PopulationEngine.create(family, archInfo(arch), weights, 2);
      const a = await evaluator.evaluate(onnx, seed);
      const b = await evaluator.evaluate(tfjs, seed);
      expect(a.engine).toBe('onnx');
      expect(b.engine).toBe('tfjs');
      expect(a.fitness).toEqual(b.fitness);
      expect(a.robustness).toBe(b.robustness);
      // The trainer's evaluator, one level at a time, with the same network seed and stream.
      const model = family.createPopulation([{ arch: archInfo(arch), seed }], { channels: 2 });
      model.importWeights(0, weights);
      const greedy = new GreedyEvaluator(set, 1);
      for (const [k, sigma] of [0, 0.05, 0.25].entries()) {
        const g = await greedy.evaluate(populationPolicy(model), [seed], { sensorNoise: sigma, streamId: FINAL_EVALUATION_STREAM });
        expect(a.fitness[k]).toBe(g.fitness[0]);
      }
      model.dispose();
      tfjs.dispose();
      await onnx.release();
    }
  });
});
