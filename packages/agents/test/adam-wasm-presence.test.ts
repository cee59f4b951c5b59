/*
 * The WebAssembly Adam store skips the slices of networks that lack a parameter (`present(k, n)` false): the
 * update and the gradient norms of the other slices against Adam and the norm written plainly in this file
 * (the float32 arithmetic of PopulationOptimizer's JavaScript), bit for bit; the skipped slices' values and
 * moments untouched even when their gradients are not zero.
 */
import { Rng } from '@prnn/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { createAdamStore } from '../src/compiler/adam-wasm.js';
import { CompiledPopulation } from '../src/compiler/compiled-population.js';
import { PopulationOptimizer } from '../src/training/population-optimizer.js';
import { lossAndGradients, randomRecords } from './learning-helpers.js';
import { cpuBackend, kernels, members } from './training-helpers.js';

// lowering a step traces it with tfjs
beforeAll(cpuBackend);

const f = Math.fround;
const b1 = f(0.9);
const b2 = f(0.999);
const constants = (t: number) => {
  // bias corrections after t steps, as the optimiser keeps them (float32 products)
  let acc1 = b1;
  let acc2 = b2;
  for (let i = 1; i < t; i++) {
    acc1 = f(acc1 * b1);
    acc2 = f(acc2 * b2);
  }
  return { b1, b2, omb1: f(1 - 0.9), omb2: f(1 - 0.999), omAcc1: f(1 - acc1), omAcc2: f(1 - acc2), eps: f(1e-8), negLr: f(-1e-3) };
};

/** Adam on network n's slice of one array, written out. */
function plainAdam(value: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, from: number, to: number, coef: number, c: ReturnType<typeof constants>): void {
  for (let j = from; j < to; j++) {
    const gj = f(g[j] * coef);
    m[j] = f(f(m[j] * c.b1) + f(gj * c.omb1));
    v[j] = f(f(v[j] * c.b2) + f(f(gj * gj) * c.omb2));
    const mHat = f(m[j] / c.omAcc1);
    const vHat = f(v[j] / c.omAcc2);
    value[j] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + c.eps)) * c.negLr) + value[j]);
  }
}

describe('Adam store: networks without a parameter are skipped', () => {
  for (const P of [1, 3, 4, 5, 8, 9, 13]) {
    test(`P = ${P}: present slices as plain Adam and plain norms, absent slices untouched, over 3 steps`, () => {
      const perNetwork = [7, 1, 64, 5];
      // absent: whole runs of four networks (the norms' grouped path) and single networks (the rest)
      const present = (k: number, n: number): boolean => !((k + (n >> 2)) % 3 === 1 || (k === 2 && n % 5 === 3));
      const store = createAdamStore(perNetwork.map((l) => l * P), P, present);
      const rng = Rng.derive(P, 11);
      const values = store.values;
      for (const a of values) for (let j = 0; j < a.length; j++) a[j] = 2 * rng.float() - 1;
      const expected = values.map((a) => Float32Array.from(a));
      const initial = values.map((a) => Float32Array.from(a));
      const { m, v } = store.adam.allocateMoments();
      const em = m.map((a) => new Float32Array(a.length));
      const ev = v.map((a) => new Float32Array(a.length));
      const grads = store.adam.allocateGradients!();
      for (let t = 1; t <= 3; t++) {
        // every slice gets a gradient, absent ones too: the store must ignore those
        for (const g of grads) for (let j = 0; j < g.length; j++) g[j] = (2 * rng.float() - 1) * 10 ** (rng.int(7) - 3);
        const norms = new Float32Array(P);
        store.adam.gradientNorms!(grads, norms);
        const plain = new Float32Array(P);
        grads.forEach((g, k) => {
          const per = perNetwork[k];
          for (let n = 0; n < P; n++) {
            if (!present(k, n)) continue;
            let sum = 0;
            for (let j = 0; j < per; j++) sum += f(g[n * per + j] * g[n * per + j]);
            plain[n] = f(plain[n] + f(sum));
          }
        });
        for (let n = 0; n < P; n++) plain[n] = f(Math.sqrt(plain[n]));
        expect(Array.from(norms)).toEqual(Array.from(plain));
        const coef = Float32Array.from({ length: P }, (_, n) => Math.min(1, f(f(1) / f(plain[n] + f(1e-6)))));
        const c = constants(t);
        store.adam.step(grads, m, v, coef, c);
        grads.forEach((g, k) => {
          const per = perNetwork[k];
          for (let n = 0; n < P; n++) if (present(k, n)) plainAdam(expected[k], g, em[k], ev[k], n * per, (n + 1) * per, coef[n], c);
        });
        values.forEach((a, k) => {
          expect(Array.from(a)).toEqual(Array.from(expected[k]));
          expect(Array.from(m[k])).toEqual(Array.from(em[k]));
          expect(Array.from(v[k])).toEqual(Array.from(ev[k]));
        });
      }
      // the absent slices kept their values, and their moments stayed zero; some present slice moved
      let moved = 0;
      values.forEach((a, k) => {
        const per = perNetwork[k];
        for (let n = 0; n < P; n++) {
          const slice = (x: Float32Array) => Array.from(x.subarray(n * per, (n + 1) * per));
          if (present(k, n)) moved += slice(a).some((x, j) => x !== initial[k][n * per + j]) ? 1 : 0;
          else {
            expect(slice(a)).toEqual(slice(initial[k]));
            expect(slice(m[k]).every((x) => x === 0) && slice(v[k]).every((x) => x === 0)).toBe(true);
          }
        }
      });
      expect(moved).toBeGreaterThan(0);
    });
  }

  test('without a presence function every slice is updated (the plain Adam over all of them)', () => {
    const P = 6;
    const store = createAdamStore([6 * 3, 6 * 9], P);
    const grads = store.adam.allocateGradients!();
    grads.forEach((g, k) => g.forEach((_, j) => (g[j] = (k + 1) * 0.01 * ((j % 7) - 3))));
    const expected = store.values.map((a) => Float32Array.from(a));
    const { m, v } = store.adam.allocateMoments();
    const em = m.map((a) => new Float32Array(a.length));
    const ev = v.map((a) => new Float32Array(a.length));
    const coef = new Float32Array(P).fill(1);
    store.adam.step(grads, m, v, coef, constants(1));
    grads.forEach((g, k) => plainAdam(expected[k], g, em[k], ev[k], 0, g.length, 1, constants(1)));
    store.values.forEach((a, k) => expect(Array.from(a)).toEqual(Array.from(expected[k])));
    // values start at zero; a nonzero gradient moves them by about lr
    expect(Math.abs(store.values[1][1])).toBeGreaterThan(9e-4);
  });
});

describe('a compiled population of mixed architectures', () => {
  test('its Adam (which skips the pathways a network lacks) gives the same bits as the plain optimiser on its own gradients', () => {
    // embedded into fc's lanes with fixed-zero pathways, a chunk of one architecture without ii, and ff-large apart
    const ms = members([['fc', 1], ['ff', 2], ['hh+oh', 3], ['oi+hi', 4], ['ff', 5], ['ff', 6], ['ff', 7], ['ff', 8], ['ff-large', 9], ['ii+oo', 10]]);
    const model = new CompiledPopulation(ninePathwayDefinition, ms, 2);
    try {
      const P = ms.length;
      const plain = { names: model.parameters.names, shapes: model.parameters.shapes, values: model.parameters.values.map((v) => v.slice()), commit: () => {} };
      const settings = { lr: 1e-2, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 10 };
      const fast = new PopulationOptimizer(model.parameters, P, settings);
      const slow = new PopulationOptimizer(plain, P, settings);
      const rng = Rng.derive(5, 17);
      const fastGrads = model.parameters.adam!.allocateGradients!();
      const before = model.exportWeights(2);
      for (let episode = 0; episode < 4; episode++) {
        const records = randomRecords(6, P, 8, 5, rng, ms.map((_, n) => 3 + ((n + episode) % 4)));
        const { gradients } = lossAndGradients(model, records, kernels);
        gradients.forEach((g, k) => fastGrads[k].set(g));
        const a = fast.step(fastGrads);
        const normsFast = Array.from(a.norms);
        const b = slow.step(gradients);
        expect(normsFast).toEqual(Array.from(b.norms));
        model.parameters.values.forEach((v, k) => expect(v, model.parameters.names[k]).toEqual(plain.values[k]));
      }
      // ff (network 2) trained, and it has no weights of the pathways it lacks
      const after = model.exportWeights(2);
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      expect(Object.values(after).some((w, i) => w.some((x, j) => x !== Object.values(before)[i][j]))).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
