import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@prnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { PATHWAYS, paperArchitectures, parseArch, referenceStep, zeroState, type NinePathwayArch, type NinePathwayWeights } from '../src/architectures/nine-pathway/family.js';
import { archInfo } from '../src/architectures/nine-pathway/arch-info.js';
import { createTfjsPopulation } from '../src/architectures/nine-pathway/tfjs-population.js';
import { StepPopulation } from '../src/sdk/step-population.js';
import { learningPass, type LossOperation } from '../src/sdk/learning-pass.js';
import type { EpisodeRecords, PopulationModel } from '../src/sdk/population-model.js';
import { exportStepOnnx } from '../src/sdk/step-onnx.js';
import { networkStep } from '../src/sdk/define-architecture.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { diffNorm, lossAndGradients, norm, randomRecords } from './learning-helpers.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const members = (specs: string[], seed0 = 100) => specs.map((s, n) => ({ arch: archInfo(s === 'ff-large' ? parseArch('ff-large') : parseArch(s)), seed: seed0 + n }));

/** Each network's gradient by parameter name, unpadded (read through the model's own weight layout). */
function memberGradients(model: PopulationModel, gradients: Float32Array[]): Record<string, Float32Array>[] {
  const saved = model.parameters.values.map((v) => v.slice());
  model.parameters.values.forEach((v, k) => v.set(gradients[k]));
  model.parameters.commit();
  const out = Array.from({ length: model.population }, (_, n) => model.exportWeights(n));
  model.parameters.values.forEach((v, k) => v.set(saved[k]));
  model.parameters.commit();
  return out;
}

/**
 * The DQN loss of network n of `records` from the float64 reference step (the oracle the hand kernels used to
 * be checked against): Σ_{t < length} (o_t[a_t] − y_t)², accumulated in float64.
 */
function referenceLoss(arch: NinePathwayArch, w: NinePathwayWeights, records: EpisodeRecords, n: number): number {
  const { population: P } = records;
  const I = arch.inputs;
  const O = arch.outputs;
  let state = zeroState(arch);
  let loss = 0;
  for (let t = 0; t < records.lengths[n]; t++) {
    const row = t * P + n;
    state = referenceStep(arch, w, state, records.obs.subarray(row * I, (row + 1) * I), records.tieNoise.subarray(row * O, (row + 1) * O));
    const e = state.o[records.actions[row]] - records.targets[row];
    loss += e * e;
  }
  return loss;
}

describe('StepPopulation: the generic population of a family defined by its step', () => {
  it('batches all 128 architectures and ff-large by layout and equals the padded tfjs model and the float64 reference step (losses; gradients by central differences)', () => {
    // every 6th of the 128 plus fc and ff-large: 24 layouts, one batch each
    const archs = paperArchitectures().filter((_, k) => k % 6 === 0 || k >= 127);
    const ms = archs.map((a, n) => ({ arch: archInfo(a), seed: 500 + n }));
    const stepped = new StepPopulation(ninePathwayDefinition, ms, 2);
    const padded = createTfjsPopulation(archs, ms.map((m) => m.seed));
    try {
      expect(stepped.groupCount).toBe(archs.length);
      const P = archs.length;
      // same seeded init
      for (let n = 0; n < P; n++) expect(stepped.exportWeights(n)).toEqual(padded.exportWeights(n));
      // weights scaled up so that recurrent pathways matter
      for (let n = 0; n < P; n++) {
        const w = stepped.exportWeights(n);
        for (const p of Object.keys(w)) w[p] = w[p].map((x) => 3 * x);
        stepped.importWeights(n, w);
        padded.importWeights(n, w);
      }
      const rng = Rng.derive(77, 1);
      const B = 2;
      const obs = new Float32Array(P * B * 8);
      const noise = new Float32Array(P * B * 5);
      const qs = new Float32Array(P * B * 5);
      const qp = new Float32Array(P * B * 5);
      stepped.resetState(B);
      padded.resetState(B);
      let worst = 0;
      for (let t = 0; t < 4; t++) {
        for (let j = 0; j < obs.length; j++) obs[j] = rng.float();
        for (let j = 0; j < noise.length; j++) noise[j] = 0.001 * rng.float();
        stepped.forward(obs, noise, qs, t !== 1);
        padded.forward(obs, noise, qp, t !== 1);
        for (let j = 0; j < qs.length; j++) worst = Math.max(worst, Math.abs(qs[j] - qp[j]));
      }
      expect(worst).toBeLessThanOrEqual(1e-5);

      const records = randomRecords(6, P, 8, 5, rng, archs.map((_, n) => 1 + (n % 6)));
      const a = lossAndGradients(stepped, records);
      const b = lossAndGradients(padded, records);
      // the step population stores the union of parameter names, each at the largest shape among its holders
      expect([...stepped.parameters.names].sort()).toEqual([...PATHWAYS].sort());
      for (let n = 0; n < P; n++) {
        expect(Math.abs(a.losses[n] - b.losses[n])).toBeLessThanOrEqual(1e-5 * Math.max(1, b.losses[n]));
        const want = referenceLoss(archs[n], stepped.exportWeights(n), records, n);
        expect(Math.abs(a.losses[n] - want), archs[n].name).toBeLessThanOrEqual(1e-5 * Math.max(1, want));
      }
      const ga = memberGradients(stepped, a.gradients);
      {
        const go = memberGradients(padded, b.gradients);
        for (let n = 0; n < P; n++) {
          let diff = 0;
          let ref = 0;
          for (const p of Object.keys(ga[n])) {
            diff += diffNorm(ga[n][p], go[n][p]) ** 2;
            ref += norm(go[n][p]) ** 2;
          }
          expect(ref).toBeGreaterThan(0);
          expect(Math.sqrt(diff / ref), archs[n].name).toBeLessThanOrEqual(1e-4);
        }
      }
      // the gradient along a random direction d against (L(w + εd) − L(w − εd)) / 2ε of the float64 reference
      // (measured: within 2e-3 relative, the reference rounding its states to float32; a wrong pathway is off by far more)
      for (let n = 0; n < P; n++) {
        const w = stepped.exportWeights(n);
        const d: NinePathwayWeights = {};
        let along = 0;
        for (const p of Object.keys(w) as (keyof NinePathwayWeights)[]) {
          d[p] = w[p]!.map(() => 2 * rng.float() - 1);
          for (let j = 0; j < d[p]!.length; j++) along += ga[n][p][j] * d[p]![j];
        }
        // float64 weights (referenceStep only indexes them), so the shift is not rounded to float32
        const eps = 1e-4;
        const shifted = (sign: number): NinePathwayWeights =>
          Object.fromEntries(Object.entries(w).map(([p, m]) => [p, Float64Array.from(m, (x, j) => x + sign * eps * d[p as keyof NinePathwayWeights]![j]) as unknown as Float32Array]));
        const central = (referenceLoss(archs[n], shifted(1), records, n) - referenceLoss(archs[n], shifted(-1), records, n)) / (2 * eps);
        expect(Math.abs(along - central), archs[n].name).toBeLessThanOrEqual(1e-2 * Math.max(1e-2, Math.abs(central)));
      }
    } finally {
      stepped.dispose();
      padded.dispose();
    }
  });

  it('gives a network the same outputs and gradients alone as in a population, zero gradient on padding, and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const mixed = new StepPopulation(ninePathwayDefinition, members(['ff-large', 'hh', 'fc', 'fc', 'oi+oh']), 2);
    const alone = new StepPopulation(ninePathwayDefinition, [mixed.members[3]], 2);
    try {
      expect(mixed.groupCount).toBe(4);
      const T = 5;
      const rng = Rng.derive(5, 5);
      const big = randomRecords(T, 5, 8, 5, rng, [5, 2, 4, 3, 5]);
      const one = randomRecords(T, 1, 8, 5, rng, [3]);
      for (let t = 0; t < T; t++) {
        const row = t * 5 + 3;
        one.obs.set(big.obs.subarray(row * 8, (row + 1) * 8), t * 8);
        one.tieNoise.set(big.tieNoise.subarray(row * 5, (row + 1) * 5), t * 5);
        one.actions[t] = big.actions[row];
        one.targets[t] = big.targets[row];
      }
      const m = lossAndGradients(mixed, big);
      const a = lossAndGradients(alone, one);
      expect(m.losses[3]).toBeCloseTo(a.losses[0], 6);
      const ih = mixed.parameters.names.indexOf('ih');
      const per = mixed.parameters.values[ih].length / 5;
      const slice = m.gradients[ih].subarray(3 * per, 4 * per);
      // alone the population pads nothing: H = 8; in the mixed one H is padded to 34
      const [, A, Bp] = mixed.parameters.shapes[ih];
      for (let r = 0; r < A; r++) {
        for (let col = 0; col < Bp; col++) {
          const g = slice[r * Bp + col];
          if (col >= 8) expect(g).toBe(0);
          else expect(g).toBeCloseTo(a.gradients[alone.parameters.names.indexOf('ih')][r * 8 + col], 6);
        }
      }
      // network 1 (hh, H = 8) gets no gradient on the absent ii pathway
      const ii = mixed.parameters.names.indexOf('ii');
      expect(ii).toBeGreaterThanOrEqual(0);
      const perII = mixed.parameters.values[ii].length / 5;
      expect(m.gradients[ii].subarray(perII, 2 * perII).every((v) => v === 0)).toBe(true);
    } finally {
      mixed.dispose();
      alone.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a learner with its own loss trains any family by autodiff: gradients match finite differences', () => {
    // e.g. a policy-gradient-like loss: Σ_t log o_t[a_t] · g_t (not the DQN's squared error)
    const policyLoss: LossOperation = {
      operation: 'log-likelihood-weighted',
      loss: (outputs, records, steps) => {
        const P = records.population;
        const sel = new Float32Array(steps * P * 5);
        const g = new Float32Array(steps * P);
        for (let t = 0; t < steps; t++) {
          for (let n = 0; n < P; n++) {
            if (t >= records.lengths[n]) continue;
            sel[(t * P + n) * 5 + records.actions[t * P + n]] = 1;
            g[t * P + n] = records.targets[t * P + n];
          }
        }
        const chosen = tf.sum(tf.mul(outputs, tf.tensor3d(sel, [steps, P, 5])), 2);
        return tf.sum(tf.mul(tf.log(tf.add(chosen, 1e-6)), tf.tensor2d(g, [steps, P])), 0) as tf.Tensor1D;
      },
    };
    const model = new StepPopulation(ninePathwayDefinition, members(['hh+oh', 'fc']), 2);
    try {
      const records = randomRecords(4, 2, 8, 5, Rng.derive(9, 9), [4, 3]);
      const losses = new Float32Array(2);
      const grads = model.parameters.values.map((v) => new Float32Array(v.length));
      learningPass(model, undefined, policyLoss, records, losses, grads);
      const total = () => {
        const l = new Float32Array(2);
        learningPass(model, undefined, policyLoss, records, l, model.parameters.values.map((v) => new Float32Array(v.length)));
        return l[0] + l[1];
      };
      const k = model.parameters.names.indexOf('hh');
      const v = model.parameters.values[k];
      for (const j of [0, 9, 30]) {
        const keep = v[j];
        v[j] = keep + 1e-2;
        model.parameters.commit();
        const up = total();
        v[j] = keep - 1e-2;
        model.parameters.commit();
        const down = total();
        v[j] = keep;
        model.parameters.commit();
        expect(grads[k][j]).toBeCloseTo((up - down) / 2e-2, 2);
      }
      expect(grads[k].some((x) => x !== 0)).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('the network as a callable step follows the reference step, and its Jacobian ∂o_t/∂s_t comes from autodiff', () => {
    const arch = parseArch('hh+oh+oi');
    const rng = Rng.derive(3, 3);
    const weights = Object.fromEntries(Object.entries(new StepPopulation(ninePathwayDefinition, [{ arch: archInfo(arch), seed: 4 }], 2).exportWeights(0)));
    const net = networkStep(ninePathwayDefinition, archInfo(arch), weights, 2);
    try {
      let state = net.initialState(1);
      let ref = zeroState(arch);
      for (let t = 0; t < 3; t++) {
        const s = Float32Array.from({ length: 8 }, () => rng.float());
        const out = net.step(state, tf.tensor2d(s, [1, 8]), null);
        ref = referenceStep(arch, weights, ref, s, new Float32Array(5));
        const q = out.output.dataSync();
        for (let k = 0; k < 5; k++) expect(q[k]).toBeCloseTo(ref.o[k], 5);
        state.dispose();
        out.output.dispose();
        state = out.state;
      }
      // Jacobian of o_t (one output unit) by the sensed input, by autodiff vs central differences
      const s0 = Float32Array.from({ length: 8 }, () => rng.float());
      const f = (x: tf.Tensor) => tf.sum(tf.slice(net.step(state, x as tf.Tensor2D, null).output, [0, 2], [1, 1]));
      const g = tf.grad(f)(tf.tensor2d(s0, [1, 8])).dataSync();
      for (let j = 0; j < 8; j++) {
        const up = s0.slice();
        const down = s0.slice();
        up[j] += 1e-2;
        down[j] -= 1e-2;
        const fd = (f(tf.tensor2d(up, [1, 8])).dataSync()[0] - f(tf.tensor2d(down, [1, 8])).dataSync()[0]) / 2e-2;
        expect(g[j]).toBeCloseTo(fd, 3);
      }
      expect(Math.max(...Array.from(g, Math.abs))).toBeGreaterThan(0);
    } finally {
      net.dispose();
    }
  });

  it('traces the step to an ONNX policy that onnxruntime runs like the float64 reference step', async () => {
    const arch = parseArch('fc');
    const weights = new StepPopulation(ninePathwayDefinition, [{ arch: archInfo(arch), seed: 9 }], 2).exportWeights(0);
    for (const p of Object.keys(weights)) weights[p] = weights[p].map((x) => 2 * x);
    const traced = await OnnxPolicy.load(exportStepOnnx(ninePathwayDefinition, archInfo(arch), weights, {}, 2), { label: 'traced' });
    try {
      const B = 3;
      traced.reset(B);
      const states = Array.from({ length: B }, () => zeroState(arch));
      const rng = Rng.derive(8, 8);
      const q = new Float32Array(B * 5);
      for (let t = 0; t < 4; t++) {
        const obs = Float32Array.from({ length: B * 8 }, () => rng.float());
        await traced.step(obs, q);
        for (let r = 0; r < B; r++) {
          states[r] = referenceStep(arch, weights, states[r], obs.subarray(r * 8, (r + 1) * 8));
          for (let a = 0; a < 5; a++) expect(Math.abs(q[r * 5 + a] - states[r].o[a])).toBeLessThan(1e-5);
        }
      }
    } finally {
      await traced.release();
    }
  });

});
