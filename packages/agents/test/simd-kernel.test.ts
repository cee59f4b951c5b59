import { describe, expect, it } from 'vitest';
import { Rng } from '@prnn/env';
import { parseArch, paperArchitectures, type NinePathwayArch } from '../src/architectures/nine-pathway/family.js';
import { createFusedPopulation } from '../src/architectures/nine-pathway/fused/fused-population.js';
import { createSimdPopulation } from '../src/architectures/nine-pathway/wasm/simd-population.js';
import { randomRecords, randomWeights } from './fused-helpers.js';

function pair(archs: NinePathwayArch[], seed: number) {
  const seeds = archs.map((_, n) => seed + n);
  const fused = createFusedPopulation(archs, seeds, 2);
  const simd = createSimdPopulation(archs, seeds, 2);
  const rng = Rng.derive(seed, 9);
  archs.forEach((a, n) => {
    const w = randomWeights(a, rng, 0.6);
    fused.importWeights(n, w as Record<string, Float32Array>);
    simd.importWeights(n, w as Record<string, Float32Array>);
  });
  return { fused, simd, rng };
}

describe('wasm-simd kernel vs the fused JavaScript kernel', () => {
  it('forward, losses and gradients for a mixed population', () => {
    const archs = [...paperArchitectures().filter((_, i) => i % 9 === 0), parseArch('fc'), parseArch('fc'), parseArch('ff'), parseArch('ff-large'), parseArch('fc')];
    const P = archs.length;
    const { fused, simd, rng } = pair(archs, 100);
    const B = 3;
    const obs = new Float32Array(P * B * 8);
    const noise = new Float32Array(P * B * 5);
    const qf = new Float32Array(P * B * 5);
    const qs = new Float32Array(P * B * 5);
    fused.resetState(B);
    simd.resetState(B);
    let worst = 0;
    for (let t = 0; t < 5; t++) {
      for (let j = 0; j < obs.length; j++) obs[j] = rng.float();
      for (let j = 0; j < noise.length; j++) noise[j] = 0.001 * rng.float();
      fused.forward(obs, t % 2 ? null : noise, qf, t !== 2);
      simd.forward(obs, t % 2 ? null : noise, qs, t !== 2);
      for (let j = 0; j < qf.length; j++) worst = Math.max(worst, Math.abs(qf[j] - qs[j]));
    }
    console.log('forward worst', worst);
    const records = randomRecords(9, P, 8, 5, rng);
    const lf = new Float32Array(P);
    const ls = new Float32Array(P);
    const gf = fused.parameters.values.map((v) => new Float32Array(v.length));
    const gs = fused.parameters.values.map((v) => new Float32Array(v.length));
    fused.kernel.learn(records, lf, gf);
    simd.learn(records, ls, gs);
    let wl = 0;
    for (let n = 0; n < P; n++) wl = Math.max(wl, Math.abs(lf[n] - ls[n]) / Math.max(1, lf[n]));
    let wg = 0;
    let gmax = 0;
    for (let k = 0; k < 9; k++) for (let j = 0; j < gf[k].length; j++) {
      wg = Math.max(wg, Math.abs(gf[k][j] - gs[k][j]));
      gmax = Math.max(gmax, Math.abs(gf[k][j]));
    }
    console.log('loss rel', wl, 'grad abs', wg, 'gmax', gmax);
    expect(worst).toBeLessThan(1e-5);
  });
});

import { PopulationOptimizer } from '../src/training/population-optimizer.js';
describe('adam', () => {
  it('same bits as the JS optimizer', () => {
    const archs = [parseArch('fc'), parseArch('ff'), parseArch('fc'), parseArch('hh'), parseArch('fc'), parseArch('fc'), parseArch('fc')];
    const P = archs.length;
    const { fused, simd, rng } = pair(archs, 7);
    const settings = { lr: 0.01, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 1 };
    const of = new PopulationOptimizer(fused.parameters, P, settings);
    const os = new PopulationOptimizer(simd.parameters, P, settings);
    for (let it = 0; it < 4; it++) {
      const records = randomRecords(6, P, 8, 5, rng);
      const gs = fused.parameters.values.map((v) => new Float32Array(v.length));
      simd.learn(records, new Float32Array(P), gs);
      of.step(gs);
      os.step(gs);
    }
    for (let k = 0; k < 9; k++) expect(simd.parameters.values[k]).toEqual(fused.parameters.values[k]);
    expect(os.getState()).toEqual(of.getState());
  });
});
