import { Rng } from '@prnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { parseArch, referenceStep, zeroState, type NinePathwayArch, type NinePathwayWeights } from '../src/architectures/nine-pathway/family.js';
import { archInfo } from '../src/architectures/nine-pathway/arch-info.js';
import { StepPopulation } from '../src/sdk/step-population.js';
import { autodiffLearningPass, learningPass, vjpLearningPass } from '../src/sdk/learning-pass.js';
import { allocateLike, type EpisodeRecords } from '../src/sdk/population-model.js';
import { selectedSquaredError } from '../src/learners/selected-squared-error.js';
import { diffNorm, norm, randomRecords } from './learning-helpers.js';

beforeAll(async () => {
  await initBackend('cpu');
});

type Weights64 = Partial<Record<string, Float64Array>>;

/** out[b] += Σ_a v[a]·W[a, b] in float64. */
function acc(out: Float64Array, v: Float64Array, w: Float64Array | undefined): void {
  if (!w) return;
  const cols = out.length;
  for (let a = 0; a < v.length; a++) for (let b = 0; b < cols; b++) out[b] += v[a] * w[a * cols + b];
}

/**
 * Oracle: L_n = Σ_t Σ_k c[t,n,k]·o_t[k] of network n, the 9-pathway step written out in float64 here
 * (independent of tfjs and of the library's own reference step), from the zero state over its episode.
 */
function oracleLoss(arch: NinePathwayArch, w: Weights64, records: EpisodeRecords, n: number, c: Float32Array): number {
  const { population: P } = records;
  const { inputs: I, hidden: H, outputs: O } = arch;
  let x = new Float64Array(I);
  let h = new Float64Array(H);
  let o = new Float64Array(O);
  let L = 0;
  for (let t = 0; t < records.lengths[n]; t++) {
    const row = t * P + n;
    const x1 = Float64Array.from(records.obs.subarray(row * I, (row + 1) * I));
    acc(x1, x, w.ii);
    acc(x1, o, w.oi);
    acc(x1, h, w.hi);
    const h1 = new Float64Array(H);
    acc(h1, x1, w.ih);
    acc(h1, h, w.hh);
    acc(h1, o, w.oh);
    for (let j = 0; j < H; j++) h1[j] = Math.max(0, h1[j]);
    const z = Float64Array.from(records.tieNoise.subarray(row * O, (row + 1) * O));
    acc(z, h1, w.ho);
    acc(z, o, w.oo);
    acc(z, x1, w.io);
    const m = Math.max(...z);
    let sum = 0;
    for (let k = 0; k < O; k++) sum += (z[k] = Math.exp(z[k] - m));
    for (let k = 0; k < O; k++) z[k] /= sum;
    [x, h, o] = [x1, h1, z];
    for (let k = 0; k < O; k++) L += c[row * O + k] * o[k];
  }
  return L;
}

describe('EpisodeVjp: the vector-Jacobian product seam between architectures and learners', () => {
  const specs = ['fc', 'hh+oh', 'ff', 'ii+oo+hi'];
  const archs = specs.map((s) => parseArch(s));
  const members = archs.map((a, n) => ({ arch: archInfo(a), seed: 40 + n }));

  it('generic path: forward equals the float64 reference step and backward equals float64 finite differences', () => {
    const model = new StepPopulation(ninePathwayDefinition, members, 2);
    try {
      // weights scaled up so the recurrent pathways matter
      for (let n = 0; n < archs.length; n++) {
        const w = model.exportWeights(n);
        for (const p of Object.keys(w)) w[p] = w[p].map((x) => 2.5 * x);
        model.importWeights(n, w);
      }
      const P = archs.length;
      const T = 6;
      const rng = Rng.derive(123, 4);
      const records = randomRecords(T, P, 8, 5, rng, [6, 5, 3, 6]);
      const outputs = new Float32Array(T * P * 5);
      model.vjp.forward(records, T, outputs);
      const cot = new Float32Array(T * P * 5);
      for (let j = 0; j < cot.length; j++) cot[j] = 2 * rng.float() - 1;
      for (let t = 0; t < T; t++) for (let n = 0; n < P; n++) if (t >= records.lengths[n]) cot.fill(0, (t * P + n) * 5, (t * P + n + 1) * 5);
      // forward: each step's outputs equal the reference's
      for (let n = 0; n < P; n++) {
        let state = zeroState(archs[n]);
        const w = model.exportWeights(n) as NinePathwayWeights;
        for (let t = 0; t < records.lengths[n]; t++) {
          const row = t * P + n;
          state = referenceStep(archs[n], w, state, records.obs.subarray(row * 8, (row + 1) * 8), records.tieNoise.subarray(row * 5, (row + 1) * 5));
          for (let k = 0; k < 5; k++) expect(Math.abs(outputs[row * 5 + k] - state.o[k])).toBeLessThan(1e-6);
        }
      }
      const gradients = allocateLike(model.parameters);
      model.vjp.backward(cot, gradients);
      // read each network's gradient through the model's own weight layout
      const saved = model.parameters.values.map((v) => v.slice());
      model.parameters.values.forEach((v, k) => v.set(gradients[k]));
      model.parameters.commit();
      const perNetwork = archs.map((_, n) => model.exportWeights(n));
      model.parameters.values.forEach((v, k) => v.set(saved[k]));
      model.parameters.commit();
      for (let n = 0; n < P; n++) {
        const w: Weights64 = Object.fromEntries(Object.entries(model.exportWeights(n)).map(([p, v]) => [p, Float64Array.from(v)]));
        for (const [p, g] of Object.entries(perNetwork[n])) {
          const fd = new Float64Array(g.length);
          const wp = w[p]!;
          for (let j = 0; j < wp.length; j++) {
            const w0 = wp[j];
            wp[j] = w0 + 1e-6;
            const Lp = oracleLoss(archs[n], w, records, n, cot);
            wp[j] = w0 - 1e-6;
            const Lm = oracleLoss(archs[n], w, records, n, cot);
            wp[j] = w0;
            fd[j] = (Lp - Lm) / 2e-6;
          }
          const scale = Math.max(norm(fd), 1e-3);
          expect(diffNorm(g, fd) / scale, `network ${specs[n]} pathway ${p}`).toBeLessThan(1e-4);
        }
      }
      expect(() => model.vjp.backward(cot, gradients)).toThrow(/needs a vjp.forward/);
    } finally {
      model.dispose();
    }
  });

  it('a loss with cotangents trains through the VJP: the same losses and gradients as tfjs autodiff of the loss', () => {
    const model = new StepPopulation(ninePathwayDefinition, members, 2);
    try {
      const P = archs.length;
      const records = randomRecords(7, P, 8, 5, Rng.derive(9, 2), [7, 2, 5, 4]);
      const viaVjp = { losses: new Float32Array(P), gradients: allocateLike(model.parameters) };
      const viaAutodiff = { losses: new Float32Array(P), gradients: allocateLike(model.parameters) };
      vjpLearningPass(model, selectedSquaredError, records, viaVjp.losses, viaVjp.gradients);
      autodiffLearningPass(model, selectedSquaredError, records, viaAutodiff.losses, viaAutodiff.gradients);
      for (let n = 0; n < P; n++) expect(Math.abs(viaVjp.losses[n] - viaAutodiff.losses[n])).toBeLessThan(1e-5 * Math.max(1, viaAutodiff.losses[n]));
      viaVjp.gradients.forEach((g, k) => {
        expect(diffNorm(g, viaAutodiff.gradients[k])).toBeLessThan(1e-5 * Math.max(1, norm(viaAutodiff.gradients[k])));
      });
      // on the generic path learningPass differentiates the loss on one tape (the VJP would run twice)
      const viaDefault = { losses: new Float32Array(P), gradients: allocateLike(model.parameters) };
      learningPass(model, undefined, selectedSquaredError, records, viaDefault.losses, viaDefault.gradients);
      expect(viaDefault.losses).toEqual(viaAutodiff.losses);
      viaDefault.gradients.forEach((g, k) => expect(g).toEqual(viaAutodiff.gradients[k]));
    } finally {
      model.dispose();
    }
  });

  it('a loss without cotangents is refused on the VJP path with a line that says why', () => {
    const model = new StepPopulation(ninePathwayDefinition, members.slice(0, 1), 2);
    try {
      const records = randomRecords(2, 1, 8, 5, Rng.derive(1, 1));
      const op = { operation: 'no-cotangents', loss: selectedSquaredError.loss };
      expect(() => vjpLearningPass(model, op, records, new Float32Array(1), allocateLike(model.parameters))).toThrow(/defines no cotangents/);
    } finally {
      model.dispose();
    }
  });
});
