/*
 * The WebAssembly Adam store's per-network gradient norms (four networks summed side by side, the rest one at
 * a time) against the norm written plainly in this file: √ of the float32 sum over arrays of
 * float32(Σ_j float64(float32(g_j²))) per network slice, the arithmetic of PopulationOptimizer's JavaScript.
 */
import { Rng } from '@prnn/core';
import { describe, expect, test } from 'vitest';
import { createAdamStore } from '../src/compiler/adam-wasm.js';

function plainNorms(grads: readonly Float32Array[], P: number): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(P);
  for (const g of grads) {
    const per = g.length / P;
    for (let n = 0; n < P; n++) {
      let sum = 0;
      for (let j = 0; j < per; j++) sum += f(g[n * per + j] * g[n * per + j]);
      out[n] = f(out[n] + f(sum));
    }
  }
  for (let n = 0; n < P; n++) out[n] = f(Math.sqrt(out[n]));
  return out;
}

describe('Adam store gradient norms (WebAssembly)', () => {
  for (const P of [1, 3, 4, 5, 8, 9, 13]) {
    test(`P = ${P}: the same bits as the plain norm, over arrays of 1, 5, 7 and 64 values per network`, () => {
      const perNetwork = [7, 1, 64, 5];
      const store = createAdamStore(
        perNetwork.map((l) => l * P),
        P,
      );
      const grads = store.adam.allocateGradients!();
      const rng = Rng.derive(P, 3);
      for (let round = 0; round < 3; round++) {
        // values of very different sizes so that the order of the float64 adds shows in the result
        for (const g of grads) for (let j = 0; j < g.length; j++) g[j] = (2 * rng.float() - 1) * 10 ** (rng.int(13) - 6);
        const got = new Float32Array(P);
        store.adam.gradientNorms!(grads, got);
        expect(Array.from(got)).toEqual(Array.from(plainNorms(grads, P)));
      }
    });
  }

  test('a non-finite gradient gives a non-finite norm for its own network only (here network 5 of 9)', () => {
    const P = 9;
    const store = createAdamStore([9 * 6, 9 * 3], P);
    const grads = store.adam.allocateGradients!();
    grads.forEach((g) => g.fill(0.5));
    grads[1][5 * 3 + 2] = Number.POSITIVE_INFINITY;
    const got = new Float32Array(P);
    store.adam.gradientNorms!(grads, got);
    for (let n = 0; n < P; n++) expect(Number.isFinite(got[n])).toBe(n !== 5);
    expect(got[0]).toBe(Math.fround(Math.sqrt(Math.fround(Math.fround(6 * 0.25) + Math.fround(3 * 0.25)))));
  });
});
