import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@prnn/core';
import {
  PATHWAYS,
  initWeights,
  parseArch,
  presentPathways,
  referenceStep,
  zeroState,
  type NinePathwayState,
} from '../src/architectures/nine-pathway/family.js';
import { FusedKernel } from '../src/architectures/nine-pathway/fused/kernel.js';
import { FusedPopulation, createFusedPopulation } from '../src/architectures/nine-pathway/fused/fused-population.js';
import { fusedMemoryBytes } from '../src/architectures/nine-pathway/fused/memory.js';
import { STREAM } from '../src/sdk/streams.js';
import { lossAndGradients, maxAbs, randomRecords } from './fused-helpers.js';
import { kernels } from './training-helpers.js';
import { PopulationOptimizer } from '../src/training/population-optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const specs = ['fc', 'ff-large', 'hh+oh', 'ff', 'ii+oo+hi', 'io+oi'];

describe('createFusedPopulation', () => {
  it('initialises each member like initWeights(arch, Rng.derive(seed, STREAM.init)), padded with zeros', () => {
    const archs = specs.map((s) => parseArch(s));
    const seeds = [3, 1, 4, 1, 5, 9];
    const model = createFusedPopulation(archs, seeds, 2);
    try {
      expect(model.population).toBe(6);
      expect(model.inputs).toBe(8);
      expect(model.outputs).toBe(5);
      expect(model.parameters.shapes).toEqual([
        [6, 8, 34],
        [6, 34, 5],
        [6, 8, 8],
        [6, 34, 34],
        [6, 5, 5],
        [6, 8, 5],
        [6, 5, 8],
        [6, 34, 8],
        [6, 5, 34],
      ]);
      archs.forEach((arch, n) => {
        const expected = initWeights(arch, Rng.derive(seeds[n], STREAM.init));
        const got = model.exportWeights(n);
        expect(Object.keys(got).sort()).toEqual(presentPathways(arch).sort());
        for (const p of presentPathways(arch)) expect(got[p]).toEqual(expected[p]);
      });
      // total of the variables = total of the members' own weights: padding and absent pathways are zero
      let sumVars = 0;
      for (const v of model.parameters.values) sumVars += v.reduce((a, x) => a + Math.abs(x), 0);
      let sumOwn = 0;
      archs.forEach((_, n) => {
        for (const w of Object.values(model.exportWeights(n))) sumOwn += w.reduce((a, x) => a + Math.abs(x), 0);
      });
      expect(sumVars).toBeCloseTo(sumOwn, 3);
    } finally {
      model.dispose();
    }
  });

  it('rejects mismatched seeds and channels', () => {
    expect(() => createFusedPopulation([parseArch('fc')], [1, 2], 2)).toThrow(/seeds must have one entry per network/);
    expect(() => createFusedPopulation([parseArch('fc')], [1], 3)).toThrow(/channels = 3/);
    expect(() => createFusedPopulation([parseArch('fc')], [1.5], 2)).toThrow(/seeds must be integers/);
  });
});

describe('FusedPopulation', () => {
  it('its registered learning kernel equals the kernel itself, uses no tfjs, and Adam moves only real weights', () => {
    const archs = specs.map((s) => parseArch(s));
    const model = new FusedPopulation(archs, [7, 8, 9, 10, 11, 12]);
    try {
      const T = 8;
      const rng = Rng.derive(21, 1);
      const records = randomRecords(T, archs.length, 8, 5, rng);
      const before = tf.memory().numTensors;
      const { losses, gradients } = lossAndGradients(model, records, kernels);
      expect(tf.memory().numTensors).toBe(before);
      expect(gradients.map((g) => g.length)).toEqual(model.parameters.values.map((v) => v.length));
      // the generic fallback refuses: this population has no step to differentiate
      expect(() => lossAndGradients(model, records)).toThrow(/fused population of family nine-pathway has no kernel for selected-squared-error/);

      const kernel = new FusedKernel(archs);
      kernel.loadPadded(model.parameters.values);
      const l2 = new Float32Array(archs.length);
      const g2 = PATHWAYS.map((_, k) => new Float32Array(kernel.paddedSize(k)));
      kernel.learn(records, l2, g2);
      expect(losses).toEqual(l2);
      gradients.forEach((g, k) => expect(g).toEqual(g2[k]));
      for (const g of gradients) expect(maxAbs(g)).toBeGreaterThan(0);

      const old = model.parameters.values.map((v) => v.slice());
      new PopulationOptimizer(model.parameters, archs.length, { lr: 1e-3, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 10 }).step(gradients);
      model.parameters.values.forEach((now, k) => {
        let moved = 0;
        for (let i = 0; i < now.length; i++) {
          if (old[k][i] === 0) expect(now[i], `${PATHWAYS[k]}[${i}] was padding or absent`).toBe(0);
          else if (now[i] !== old[k][i]) moved++;
        }
        expect(moved).toBeGreaterThan(0);
      });
    } finally {
      model.dispose();
    }
  });

  it('forward follows referenceStep and sees weights changed by the optimiser and importWeights', () => {
    const archs = specs.map((s) => parseArch(s));
    const P = archs.length;
    const B = 2;
    const model = new FusedPopulation(archs, [5, 6, 7, 8, 9, 10]);
    try {
      const rng = Rng.derive(23, 1);
      const obs = new Float32Array(P * B * 8);
      const noise = new Float32Array(P * B * 5);
      const q = new Float32Array(P * B * 5);
      const run = (): number => {
        const ws = archs.map((_, n) => model.exportWeights(n));
        const states: NinePathwayState[] = [];
        for (let e = 0; e < P * B; e++) states.push(zeroState(archs[Math.floor(e / B)]));
        model.resetState(B);
        let worst = 0;
        for (let t = 0; t < 5; t++) {
          for (let j = 0; j < obs.length; j++) obs[j] = rng.float();
          for (let j = 0; j < noise.length; j++) noise[j] = 0.001 * rng.float();
          const advance = t !== 2;
          model.forward(obs, noise, q, advance);
          for (let e = 0; e < P * B; e++) {
            const n = Math.floor(e / B);
            const next = referenceStep(archs[n], ws[n], states[e], obs.subarray(e * 8, e * 8 + 8), noise.subarray(e * 5, e * 5 + 5));
            for (let j = 0; j < 5; j++) worst = Math.max(worst, Math.abs(q[e * 5 + j] - next.o[j]));
            if (advance) states[e] = next;
          }
        }
        return worst;
      };
      expect(run()).toBeLessThanOrEqual(1e-5);
      const qBefore = q.slice();

      // new weights for network 0 via importWeights; forward must use them without any explicit refresh
      const w0 = model.exportWeights(0);
      for (const p of Object.keys(w0)) w0[p] = w0[p].map((x) => x * 3);
      model.importWeights(0, w0);
      expect(model.exportWeights(0)).toEqual(w0);
      expect(run()).toBeLessThanOrEqual(1e-5);
      expect(q).not.toEqual(qBefore);

      // and weights moved by the optimiser (in place, then committed)
      const records = randomRecords(6, P, 8, 5, rng);
      const { gradients } = lossAndGradients(model, records, kernels);
      const qBeforeStep = q.slice();
      new PopulationOptimizer(model.parameters, P, { lr: 0.05, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 10 }).step(gradients);
      expect(run()).toBeLessThanOrEqual(1e-5);
      expect(q).not.toEqual(qBeforeStep);
    } finally {
      model.dispose();
    }
  });

  it('importWeights rejects pathways the network lacks and missing ones', () => {
    const model = new FusedPopulation([parseArch('hh')], [1]);
    try {
      const w = model.exportWeights(0);
      expect(() => model.importWeights(0, { ...w, oo: new Float32Array(25) })).toThrow(/may only name its pathways/);
      const { hh: _hh, ...missing } = w;
      expect(() => model.importWeights(0, missing)).toThrow(/must include pathway hh/);
      expect(() => model.importWeights(0, { ...w, hh: new Float32Array(3) })).toThrow(/must have 64 values/);
      expect(() => model.exportWeights(1)).toThrow(/network index/);
    } finally {
      model.dispose();
    }
    expect(() => model.resetState(1)).toThrow(/disposed/);
  });
});

describe('fusedMemoryBytes', () => {
  it('grows with steps, batch and hidden size and counts the typed arrays the kernel allocates', () => {
    const fc = [parseArch('fc')];
    const base = fusedMemoryBytes(fc, 20, 1).total;
    expect(base).toBeGreaterThan(0);
    expect(fusedMemoryBytes(fc, 40, 1).total).toBeGreaterThan(base);
    expect(fusedMemoryBytes(fc, 20, 8).total).toBeGreaterThan(fusedMemoryBytes(fc, 20, 2).total);
    expect(fusedMemoryBytes([parseArch('ff-large')], 20, 1).total).toBeGreaterThan(fusedMemoryBytes([parseArch('ff')], 20, 1).total);
    // 128 copies cost about 128 times one (shared scratch aside); per network it is at least the float32
    // variables, gradients and Adam moments of its 441 weights
    const many = fusedMemoryBytes(new Array(128).fill(fc[0]), 20, 1);
    expect(many.total / base).toBeGreaterThan(60);
    expect(many.total / base).toBeLessThanOrEqual(128);
    expect(many.perNetwork).toBeCloseTo(many.total / 128, 6);
    expect(many.perNetwork).toBeGreaterThan(441 * 4 * 4);
    expect(() => fusedMemoryBytes(fc, 0, 1)).toThrow(/steps must be an integer ≥ 1/);
  });
});
