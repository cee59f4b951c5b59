import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import { PATHWAYS, paperArchitectures, parseArch, type NinePathwayArch } from '../src/architectures/nine-pathway/family.js';
import { createFusedPopulation } from '../src/architectures/nine-pathway/fused/fused-population.js';
import { createTfjsPopulation } from '../src/architectures/nine-pathway/tfjs-population.js';
import { createSimdPopulation } from '../src/architectures/nine-pathway/wasm/simd-population.js';
import { simdGroups } from '../src/architectures/nine-pathway/wasm/simd-layout.js';
import { simdAvailable } from '../src/architectures/nine-pathway/wasm/simd-module.js';
import type { PopulationModel } from '../src/sdk/population-model.js';
import { PopulationOptimizer } from '../src/training/population-optimizer.js';
import { diffNorm, lossAndGradients, norm, randomRecords, randomWeights } from './fused-helpers.js';
import { kernels } from './training-helpers.js';
import { createBenchPopulation } from '../src/training/bench-episode.js';
import { createNinePathwayArchitecture } from '../src/architectures/nine-pathway/architecture.js';

const nine = createNinePathwayArchitecture();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The three implementations of the same networks, with weights Uniform(±scale) so that recurrences matter. */
function three(archs: NinePathwayArch[], seed: number, scale = 0.6) {
  const seeds = archs.map((_, n) => seed + n);
  const simd = createSimdPopulation(archs, seeds, 2);
  const fused = createFusedPopulation(archs, seeds, 2);
  const generic = createTfjsPopulation(archs, seeds);
  const rng = Rng.derive(seed, 9);
  archs.forEach((a, n) => {
    expect(simd.exportWeights(n)).toEqual(generic.exportWeights(n));
    const w = randomWeights(a, rng, scale) as Record<string, Float32Array>;
    for (const m of [simd, fused, generic]) m.importWeights(n, w);
  });
  return { simd, fused, generic, rng };
}

/** Worst relative error of each network's whole gradient (all pathways) against `ref`, and exact zeros where absent. */
function worstGradientError(archs: NinePathwayArch[], got: Float32Array[], ref: Float32Array[]): number {
  const P = archs.length;
  let worst = 0;
  for (let n = 0; n < P; n++) {
    let diff = 0;
    let total = 0;
    PATHWAYS.forEach((p, k) => {
      const per = got[k].length / P;
      const a = got[k].subarray(n * per, (n + 1) * per);
      const b = ref[k].subarray(n * per, (n + 1) * per);
      if (p !== 'ih' && p !== 'ho' && !archs[n].flags[p]) expect(norm(a), `${archs[n].name} ${p}`).toBe(0);
      diff += diffNorm(a, b) ** 2;
      total += norm(b) ** 2;
    });
    expect(total).toBeGreaterThan(0);
    worst = Math.max(worst, Math.sqrt(diff / total));
  }
  return worst;
}

function forwardWorst(models: PopulationModel[], P: number, B: number, steps: number, rng: Rng): number {
  const obs = new Float32Array(P * B * 8);
  const noise = new Float32Array(P * B * 5);
  const qs = models.map(() => new Float32Array(P * B * 5));
  for (const m of models) m.resetState(B);
  let worst = 0;
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < obs.length; j++) obs[j] = rng.float();
    for (let j = 0; j < noise.length; j++) noise[j] = 0.001 * rng.float();
    models.forEach((m, i) => m.forward(obs, t === 3 ? null : noise, qs[i], t !== 2));
    for (let i = 1; i < models.length; i++) for (let j = 0; j < qs[0].length; j++) worst = Math.max(worst, Math.abs(qs[0][j] - qs[i][j]));
  }
  return worst;
}

describe.runIf(simdAvailable())('wasm-simd kernel = fused JavaScript kernel = generic tfjs', () => {
  it('groups networks of one architecture in fours, padding each architecture to a multiple of 4 lanes', () => {
    const archs = ['fc', 'ff', 'fc', 'fc', 'fc', 'fc', 'ff', 'hh'].map((a) => parseArch(a));
    const groups = simdGroups(archs);
    expect(groups.map((g) => g.members)).toEqual([[0, 2, 3, 4], [5], [1, 6], [7]]);
  });

  it('forward, losses and gradients for all 128 architectures and ff-large', () => {
    const archs = paperArchitectures();
    const P = archs.length;
    const { simd, fused, generic, rng } = three(archs, 1000);
    expect(forwardWorst([simd, fused, generic], P, 2, 5, rng)).toBeLessThanOrEqual(2e-6);
    const records = randomRecords(8, P, 8, 5, rng, archs.map((_, n) => (n % 4 === 0 ? 8 : 1 + (n % 8))));
    const s = lossAndGradients(simd, records, kernels);
    const f = lossAndGradients(fused, records, kernels);
    const g = lossAndGradients(generic, records, kernels);
    for (let n = 0; n < P; n++) {
      expect(Math.abs(s.losses[n] - f.losses[n])).toBeLessThanOrEqual(1e-5 * Math.max(1, f.losses[n]));
      expect(Math.abs(s.losses[n] - g.losses[n])).toBeLessThanOrEqual(1e-5 * Math.max(1, g.losses[n]));
    }
    const vsFused = worstGradientError(archs, s.gradients, f.gradients);
    const vsGeneric = worstGradientError(archs, s.gradients, g.gradients);
    expect(vsFused).toBeGreaterThan(0); // float32 against float64: not the same bits
    expect(vsFused).toBeLessThanOrEqual(1e-4);
    expect(vsGeneric).toBeLessThanOrEqual(1e-4);
    for (const m of [simd, fused, generic]) m.dispose();
  });

  it('fc, ff and ff-large in groups that are not multiples of 4, batch 3, zero-length episodes', () => {
    const archs = ['fc', 'ff-large', 'fc', 'ff', 'fc', 'fc', 'fc', 'ff', 'ii+hh', 'ff-large', 'fc'].map((a) => parseArch(a));
    const P = archs.length;
    const { simd, fused, generic, rng } = three(archs, 50, 0.8);
    expect(forwardWorst([simd, fused, generic], P, 3, 6, rng)).toBeLessThanOrEqual(2e-6);
    const records = randomRecords(10, P, 8, 5, rng, [10, 3, 0, 10, 7, 1, 10, 2, 9, 10, 5]);
    const s = lossAndGradients(simd, records, kernels);
    const f = lossAndGradients(fused, records, kernels);
    const g = lossAndGradients(generic, records, kernels);
    expect(s.losses[2]).toBe(0);
    for (let k = 0; k < 9; k++) {
      const per = s.gradients[k].length / P;
      expect(norm(s.gradients[k].subarray(2 * per, 3 * per))).toBe(0);
    }
    for (let n = 0; n < P; n++) expect(Math.abs(s.losses[n] - f.losses[n])).toBeLessThanOrEqual(1e-5 * Math.max(1, f.losses[n]));
    expect(worstGradientError(archs.filter((_, n) => n !== 2), drop(s.gradients, P, 2), drop(f.gradients, P, 2))).toBeLessThanOrEqual(1e-4);
    expect(worstGradientError(archs.filter((_, n) => n !== 2), drop(s.gradients, P, 2), drop(g.gradients, P, 2))).toBeLessThanOrEqual(1e-4);
    for (const m of [simd, fused, generic]) m.dispose();
  });

  it('weights after a few clipped Adam steps: the same as the fused path within float32 tolerance, and Adam and the clip norms give the same bits as the JavaScript optimiser', () => {
    const archs = ['fc', 'ff', 'fc', 'hh', 'fc', 'ff-large', 'fc'].map((a) => parseArch(a));
    const P = archs.length;
    const { simd, fused, rng } = three(archs, 7);
    const settings = { lr: 1e-3, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 1 };
    const os = new PopulationOptimizer(simd.parameters, P, settings);
    const of = new PopulationOptimizer(fused.parameters, P, settings);
    // the JavaScript optimiser on plain copies of the SIMD population's parameters (no `adam` hook)
    const plain = simd.parameters.values.map((v) => Float32Array.from(v));
    const oj = new PopulationOptimizer({ ...simd.parameters, values: plain, adam: undefined, commit: () => {} }, P, settings);
    let clipped = 0;
    for (let it = 0; it < 5; it++) {
      const records = randomRecords(6, P, 8, 5, rng);
      const s = lossAndGradients(simd, records, kernels);
      const f = lossAndGradients(fused, records, kernels);
      // the clip's norms computed in WebAssembly are the JavaScript optimiser's bits
      const wasmNorms = Float32Array.from(os.step(s.gradients).norms);
      const jsNorms = Float32Array.from(oj.step(s.gradients).norms);
      expect(wasmNorms).toEqual(jsNorms);
      clipped += jsNorms.filter((x) => x > settings.clip).length;
      of.step(f.gradients);
    }
    expect(clipped).toBeGreaterThan(0);
    for (let k = 0; k < 9; k++) expect(simd.parameters.values[k]).toEqual(plain[k]);
    expect(os.getState()).toEqual(oj.getState());
    let worst = 0;
    for (let k = 0; k < 9; k++) for (let j = 0; j < plain[k].length; j++) worst = Math.max(worst, Math.abs(simd.parameters.values[k][j] - fused.parameters.values[k][j]));
    expect(worst).toBeLessThanOrEqual(1e-5);
    // the moved weights reach the kernel (commit): outputs follow the fused path's
    expect(forwardWorst([simd, fused], P, 1, 3, rng)).toBeLessThanOrEqual(1e-4);
    // optimiser state restored from a checkpoint continues identically
    const restored = new PopulationOptimizer(simd.parameters, P, settings);
    restored.setState(os.getState());
    expect(restored.getState()).toEqual(os.getState());
  });

  it('the learning pass reuses the rollout\'s activations when the records are what the rollout saw, with the same results', () => {
    const archs = ['fc', 'ff', 'fc', 'oo+oh', 'fc', 'fc'].map((a) => parseArch(a));
    const P = archs.length;
    const { simd, rng } = three(archs, 21);
    const fresh = createSimdPopulation(archs, archs.map((_, n) => 21 + n), 2);
    for (let k = 0; k < 9; k++) fresh.parameters.values[k].set(simd.parameters.values[k]);
    fresh.parameters.commit();
    const T = 7;
    const records = randomRecords(T, P, 8, 5, rng, [7, 3, 5, 7, 1, 6]);
    const q = new Float32Array(P * 5);
    simd.resetState(1);
    for (let t = 0; t < T; t++) {
      simd.forward(records.obs.subarray(t * P * 8, (t + 1) * P * 8), records.tieNoise.subarray(t * P * 5, (t + 1) * P * 5), q, true);
      simd.forward(records.obs.subarray(0, P * 8), null, q, false); // a Q' forward that does not advance
    }
    const reused = lossAndGradients(simd, records, kernels);
    expect(simd.reusedRollout).toBe(true);
    const recomputed = lossAndGradients(fresh, records, kernels);
    expect(fresh.reusedRollout).toBe(false);
    expect(reused).toEqual(recomputed);
    // other records, or weights changed since the rollout: recomputed
    records.obs[3] += 0.5;
    lossAndGradients(simd, records, kernels);
    expect(simd.reusedRollout).toBe(false);
    records.obs[3] -= 0.5;
    simd.parameters.commit();
    lossAndGradients(simd, records, kernels);
    expect(simd.reusedRollout).toBe(false);
  });

  it('same seeds, same bytes', () => {
    const archs = ['fc', 'ff', 'fc', 'fc', 'hi+oh'].map((a) => parseArch(a));
    const run = () => {
      const model = createSimdPopulation(archs, [3, 4, 5, 6, 7], 2);
      const opt = new PopulationOptimizer(model.parameters, archs.length, { lr: 1e-3, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 1 });
      const rng = Rng.derive(11, 2);
      const q = new Float32Array(archs.length * 5);
      for (let it = 0; it < 3; it++) {
        model.resetState(1);
        const obs = new Float32Array(archs.length * 8).map(() => rng.float());
        model.forward(obs, null, q, true);
        opt.step(lossAndGradients(model, randomRecords(5, archs.length, 8, 5, rng), kernels).gradients);
      }
      return [...model.parameters.values.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)), Buffer.from(q.buffer)];
    };
    const a = run();
    const b = run();
    a.forEach((x, i) => expect(x.equals(b[i])).toBe(true));
  });

  it('known-answer bits: 30 DQN episodes of 37 mixed networks give the weights the kernel gave before its step and gradient sums were reorganised', () => {
    // Recorded from the kernel as it was before the four-column step and the deferred gradient sums (which
    // keep every sum's terms and order): a change of arithmetic order or of any stream shows here.
    const names = ['fc', 'ff', 'hh+oh', 'ii+oo', 'io', 'oi+hi'];
    const hashOf = (maze: 'general' | 'track') => {
      const task = resolveTaskOptions(maze, {});
      const members = Array.from({ length: 37 }, (_, n) => ({ arch: nine.resolve(names[n % names.length], { channels: task.channels, hidden: 8 })!, seed: n }));
      const bench = createBenchPopulation(nine, kernels, members, task, 'wasm-simd');
      try {
        for (let e = 0; e < 30; e++) bench.episode();
        let h = 0;
        for (let n = 0; n < members.length; n++) {
          for (const w of Object.values(bench.model.exportWeights(n))) {
            for (const x of new Uint32Array(w.buffer, w.byteOffset, w.length)) h = (Math.imul(h ^ x, 0x9e3779b1) + 7) | 0;
          }
        }
        return h >>> 0;
      } finally {
        bench.dispose();
      }
    };
    expect(hashOf('general')).toBe(1373241441);
    expect(hashOf('track')).toBe(2558804172);
  });

  it('rejects bad input with the parameter named', () => {
    const model = createSimdPopulation([parseArch('fc')], [1], 2);
    expect(() => model.forward(new Float32Array(8), null, new Float32Array(5), true)).toThrow(/resetState/);
    model.resetState(1);
    expect(() => model.forward(new Float32Array(7), null, new Float32Array(5), true)).toThrow(/obs must have 8 values/);
    expect(() => model.importWeights(0, { ih: new Float32Array(64) })).toThrow(/must include pathway ho/);
    expect(() => createSimdPopulation([parseArch('fc')], [1, 2], 2)).toThrow(/seeds must have one entry per network/);
    expect(() => createSimdPopulation([parseArch('fc')], [1], 3)).toThrow(/channels = 3/);
  });
});

/** The gradient arrays without network `n`'s slice. */
function drop(grads: Float32Array[], P: number, n: number): Float32Array[] {
  return grads.map((g) => {
    const per = g.length / P;
    const out = new Float32Array(g.length - per);
    out.set(g.subarray(0, n * per));
    out.set(g.subarray((n + 1) * per), n * per);
    return out;
  });
}
