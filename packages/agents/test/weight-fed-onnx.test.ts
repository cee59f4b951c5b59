import { describe, expect, test } from 'vitest';
import { generateMazeSet } from '@prnn/env';
import { Rng } from '@prnn/core';
import { initWeights, parseArch } from '../src/architectures/nine-pathway/family.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';
import { ninePathwayWeightFedKernel } from '../src/onnx/nine-pathway-weight-fed.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { WeightFedPolicy } from '../src/eval/weight-fed-policy.js';
import { onnxFinalFitness } from '../src/training/onnx-final-fitness.js';
import { STREAM } from '../src/sdk/streams.js';
import { architecture, kernels, members, track } from './training-helpers.js';

describe('the weight-fed 9-pathway ONNX model', () => {
  test('over the 129 configurations, one session fed each network\'s weights computes its exported policy bit for bit', async () => {
    const B = 40;
    const specs = [...Array.from({ length: 128 }, (_, i) => String(i)), 'ff-large'];
    let compared = 0;
    for (const spec of specs) {
      const arch = parseArch(spec, { channels: 2 });
      const info = { family: 'nine-pathway', name: arch.name, hidden: arch.hidden, parameters: 0, flags: arch.flags };
      const fed = await WeightFedPolicy.open(ninePathwayWeightFedKernel.model(info, 2));
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
    const model = ninePathwayWeightFedKernel.model({ family: 'nine-pathway', name: 'fc', hidden: 8, parameters: 0, flags: arch.flags }, 2);
    expect(() => model.feeds({ ih: new Float32Array(3) })).toThrow(/must include pathway ih as a Float32Array of 8×8 values/);
  });
});
