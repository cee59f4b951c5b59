import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@prnn/core';
import { PATHWAYS, paperArchitectures } from '../src/architectures/nine-pathway/family.js';
import { createFusedPopulation } from '../src/architectures/nine-pathway/fused/fused-population.js';
import { createTfjsPopulation } from '../src/architectures/nine-pathway/tfjs-population.js';
import { diffNorm, lossAndGradients, norm, randomRecords } from './fused-helpers.js';
import { kernels } from './training-helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fused path vs the generic tfjs path', () => {
  it('same init, forward, losses and gradients (autodiff) for all 128 architectures and ff-large', () => {
    const archs = paperArchitectures();
    const P = archs.length;
    const seeds = archs.map((_, n) => 1000 + n);
    const fused = createFusedPopulation(archs, seeds, 2);
    const generic = createTfjsPopulation(archs, seeds);
    try {
      for (let n = 0; n < P; n++) expect(fused.exportWeights(n)).toEqual(generic.exportWeights(n));
      expect(fused.parameters.shapes).toEqual(generic.parameters.shapes);

      // the init is small; scale the weights up so that recurrent pathways matter to the gradients
      const rng = Rng.derive(41, 1);
      for (let n = 0; n < P; n++) {
        const w = fused.exportWeights(n);
        for (const p of Object.keys(w)) w[p] = w[p].map((x) => 3 * x);
        fused.importWeights(n, w);
        generic.importWeights(n, w);
      }
      const B = 2;
      const obs = new Float32Array(P * B * 8);
      const noise = new Float32Array(P * B * 5);
      const qf = new Float32Array(P * B * 5);
      const qg = new Float32Array(P * B * 5);
      fused.resetState(B);
      generic.resetState(B);
      let worstQ = 0;
      for (let t = 0; t < 4; t++) {
        for (let j = 0; j < obs.length; j++) obs[j] = rng.float();
        for (let j = 0; j < noise.length; j++) noise[j] = 0.001 * rng.float();
        fused.forward(obs, noise, qf, t !== 2);
        generic.forward(obs, noise, qg, t !== 2);
        for (let j = 0; j < qf.length; j++) worstQ = Math.max(worstQ, Math.abs(qf[j] - qg[j]));
      }
      expect(worstQ).toBeLessThanOrEqual(1e-5);

      const records = randomRecords(8, P, 8, 5, rng, archs.map((_, n) => (n % 4 === 0 ? 8 : 1 + (n % 8))));
      const a = lossAndGradients(fused, records, kernels);
      const b = lossAndGradients(generic, records, kernels);
      for (let n = 0; n < P; n++) expect(Math.abs(a.losses[n] - b.losses[n])).toBeLessThanOrEqual(1e-5 * Math.max(1, b.losses[n]));
      // relative error of each network's whole gradient (all its pathways), and exact zeros where absent
      const ga = a.gradients;
      const gb = b.gradients;
      let worst = 0;
      for (let n = 0; n < P; n++) {
        let diff = 0;
        let ref = 0;
        PATHWAYS.forEach((p, k) => {
          const per = ga[k].length / P;
          const sa = ga[k].subarray(n * per, (n + 1) * per);
          const sb = gb[k].subarray(n * per, (n + 1) * per);
          if (p !== 'ih' && p !== 'ho' && !archs[n].flags[p]) expect(norm(sa), `${archs[n].name} ${p}`).toBe(0);
          diff += diffNorm(sa, sb) ** 2;
          ref += norm(sb) ** 2;
        });
        expect(ref).toBeGreaterThan(0);
        const rel = Math.sqrt(diff / ref);
        worst = Math.max(worst, rel);
        expect(rel, archs[n].name).toBeLessThanOrEqual(1e-4);
      }
      expect(worst).toBeGreaterThan(0);
    } finally {
      fused.dispose();
      generic.dispose();
    }
  });
});
