import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@prnn/core';
import {
  PATHWAYS,
  paperArchitectures,
  parseArch,
  presentPathways,
  referenceStep,
  zeroState,
  type NinePathwayArch,
  type NinePathwayState,
  type NinePathwayWeights,
  type Pathway,
} from '../src/architectures/nine-pathway/family.js';
import { FusedKernel } from '../src/architectures/nine-pathway/fused/kernel.js';
import type { EpisodeRecords } from '../src/sdk/population-model.js';
import { diffNorm, memberSlice, norm, padWeights, randomRecords, randomWeights } from './fused-helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Per-network loss and gradients by tfjs autodiff over an unrolled episode written with tfjs ops. */
function tfjsLossAndGrads(
  arch: NinePathwayArch,
  w: NinePathwayWeights,
  r: EpisodeRecords,
  n: number,
): { loss: number; grads: Partial<Record<Pathway, Float32Array>> } {
  const present = presentPathways(arch);
  const { inputs: I, hidden: H, outputs: O } = arch;
  const P = r.population;
  return tf.tidy(() => {
    const tensors = present.map((p) => tf.tensor2d(w[p]!, [p[0] === 'i' ? I : p[0] === 'h' ? H : O, p[1] === 'i' ? I : p[1] === 'h' ? H : O]));
    const lossFn = (...ws: tf.Tensor[]): tf.Scalar => {
      const W = (p: Pathway): tf.Tensor2D | undefined => {
        const k = present.indexOf(p);
        return k < 0 ? undefined : (ws[k] as tf.Tensor2D);
      };
      let x: tf.Tensor2D = tf.zeros([1, I]);
      let h: tf.Tensor2D = tf.zeros([1, H]);
      let o: tf.Tensor2D = tf.zeros([1, O]);
      let loss: tf.Scalar = tf.scalar(0);
      for (let t = 0; t < r.lengths[n]; t++) {
        const e = t * P + n;
        let nx: tf.Tensor2D = tf.tensor2d(r.obs.subarray(e * I, e * I + I), [1, I]);
        if (W('ii')) nx = tf.add(nx, tf.matMul(x, W('ii')!));
        if (W('oi')) nx = tf.add(nx, tf.matMul(o, W('oi')!));
        if (W('hi')) nx = tf.add(nx, tf.matMul(h, W('hi')!));
        let nh: tf.Tensor2D = tf.matMul(nx, W('ih')!);
        if (W('hh')) nh = tf.add(nh, tf.matMul(h, W('hh')!));
        if (W('oh')) nh = tf.add(nh, tf.matMul(o, W('oh')!));
        nh = tf.relu(nh);
        let z: tf.Tensor2D = tf.matMul(nh, W('ho')!);
        if (W('oo')) z = tf.add(z, tf.matMul(o, W('oo')!));
        if (W('io')) z = tf.add(z, tf.matMul(nx, W('io')!));
        z = tf.add(z, tf.tensor2d(r.tieNoise.subarray(e * O, e * O + O), [1, O]));
        const no = tf.softmax(z);
        const qa = tf.sum(tf.slice(no, [0, r.actions[e]], [1, 1]));
        loss = tf.add(loss, tf.square(tf.sub(qa, r.targets[e])));
        x = nx;
        h = nh;
        o = no;
      }
      return loss;
    };
    const { value, grads } = tf.valueAndGrads(lossFn)(tensors);
    const out: Partial<Record<Pathway, Float32Array>> = {};
    present.forEach((p, k) => (out[p] = grads[k].dataSync() as Float32Array));
    return { loss: value.dataSync()[0], grads: out };
  });
}

describe('fused kernel learning pass', () => {
  it('matches tfjs autodiff for all 128 architectures and ff-large (relative error ≤ 1e-4)', () => {
    const archs = paperArchitectures();
    const P = archs.length;
    const T = 7;
    const rng = Rng.derive(11, 1);
    const ws = archs.map((a) => randomWeights(a, rng, 0.7));
    const lengths = archs.map((_, n) => (n % 3 === 0 ? T : 1 + (n % T)));
    const records = randomRecords(T, P, 8, 5, rng, lengths);
    const refs = archs.map((arch, n) => tfjsLossAndGrads(arch, ws[n], records, n));
    for (const unrolled of [false, true]) {
      const kernel = new FusedKernel(archs, { unrolled });
      kernel.loadPadded(padWeights(kernel, archs, ws));
      const losses = new Float32Array(P);
      const grads = PATHWAYS.map((_, k) => new Float32Array(kernel.paddedSize(k)));
      kernel.learn(records, losses, grads);
      let worst = 0;
      archs.forEach((arch, n) => {
        const ref = refs[n];
        expect(Math.abs(losses[n] - ref.loss)).toBeLessThanOrEqual(1e-5 * Math.max(1, ref.loss));
        for (const p of PATHWAYS) {
          const mine = memberSlice(kernel, grads, arch, n, p);
          const theirs = ref.grads[p];
          if (!theirs) {
            expect(norm(mine)).toBe(0); // absent pathway: zero gradient
            continue;
          }
          const rel = diffNorm(mine, theirs) / Math.max(norm(theirs), 1e-6);
          worst = Math.max(worst, rel);
          expect(rel, `${arch.name} ${p} (unrolled: ${unrolled})`).toBeLessThanOrEqual(1e-4);
        }
      });
      // the comparison must exercise real gradients: recurrent ones included
      const fc = archs.findIndex((a) => a.name === 'fc');
      for (const p of PATHWAYS) expect(norm(memberSlice(kernel, grads, archs[fc], fc, p))).toBeGreaterThan(1e-4);
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('matches central finite differences (double precision)', () => {
    const archs = ['fc', 'hh+oh', 'ii+oi+hi', 'oo+io', 'ff-large'].map((s) => parseArch(s));
    const P = archs.length;
    const T = 6;
    const rng = Rng.derive(12, 1);
    const ws = archs.map((a) => randomWeights(a, rng, 0.6));
    const kernel = new FusedKernel(archs, { unrolled: true });
    kernel.loadPadded(padWeights(kernel, archs, ws));
    const records = randomRecords(T, P, kernel.inputs, kernel.outputs, rng, archs.map(() => T));
    const losses = new Float32Array(P);
    const grads = PATHWAYS.map((_, k) => new Float32Array(kernel.paddedSize(k)));
    kernel.learn(records, losses, grads);
    const lossOf = new Float64Array(P);
    const probe = new Float64Array(P);
    const eps = 1e-6;
    let checked = 0;
    archs.forEach((arch, n) => {
      for (const p of presentPathways(arch)) {
        const k = PATHWAYS.indexOf(p);
        const off = kernel.offsets[n * 9 + k];
        const g = memberSlice(kernel, grads, arch, n, p);
        for (const j of [0, Math.floor(g.length / 2), g.length - 1]) {
          const saved = kernel.weights[off + j];
          kernel.weights[off + j] = saved + eps;
          kernel.learn(records, probe, null);
          lossOf[n] = probe[n];
          kernel.weights[off + j] = saved - eps;
          kernel.learn(records, probe, null);
          kernel.weights[off + j] = saved;
          const fd = (lossOf[n] - probe[n]) / (2 * eps);
          expect(Math.abs(fd - g[j]), `${arch.name} ${p}[${j}]`).toBeLessThanOrEqual(1e-5 * Math.abs(g[j]) + 1e-7);
          checked++;
        }
      }
    });
    expect(checked).toBeGreaterThan(40);
  });

  it('gives zero loss and gradient to a network that ran 0 steps, and scales gradients', () => {
    const archs = [parseArch('fc'), parseArch('fc')];
    const rng = Rng.derive(13, 1);
    const ws = archs.map((a) => randomWeights(a, rng, 0.5));
    const kernel = new FusedKernel(archs);
    kernel.loadPadded(padWeights(kernel, archs, ws));
    const records = randomRecords(5, 2, kernel.inputs, kernel.outputs, rng, [0, 5]);
    const losses = new Float32Array(2);
    const g1 = PATHWAYS.map((_, k) => new Float32Array(kernel.paddedSize(k)));
    const g2 = PATHWAYS.map((_, k) => new Float32Array(kernel.paddedSize(k)));
    kernel.learn(records, losses, g1);
    kernel.learn(records, losses, g2, [1, -2.5]);
    expect(losses[0]).toBe(0);
    expect(losses[1]).toBeGreaterThan(0);
    PATHWAYS.forEach((p, k) => {
      expect(norm(memberSlice(kernel, g1, archs[0], 0, p))).toBe(0);
      const a = memberSlice(kernel, g1, archs[1], 1, p);
      const b = memberSlice(kernel, g2, archs[1], 1, p);
      expect(norm(a)).toBeGreaterThan(0);
      for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(-2.5 * a[j], 6);
      expect(k).toBeGreaterThanOrEqual(0);
    });
  });
});

describe('unrolled code', () => {
  it('gives bit-for-bit the results of the typed-array loops for every architecture (rollout, losses, gradients)', () => {
    const archs = [...paperArchitectures(), parseArch('fc', { hidden: 13 }), parseArch('fc', { hidden: 30 })]; // the last is above MAX_UNROLLED_PARAMETERS
    const P = archs.length;
    const T = 5;
    const B = 2;
    const rng = Rng.derive(16, 1);
    const ws = archs.map((a) => randomWeights(a, rng, 0.7));
    const fast = new FusedKernel(archs, { unrolled: true });
    const slow = new FusedKernel(archs, { unrolled: false });
    for (const k of [fast, slow]) k.loadPadded(padWeights(k, archs, ws));
    const records = randomRecords(T, P, fast.inputs, fast.outputs, rng);
    const lf = new Float64Array(P);
    const ls = new Float64Array(P);
    const gf = PATHWAYS.map((_, k) => new Float32Array(fast.paddedSize(k)));
    const gs = PATHWAYS.map((_, k) => new Float32Array(slow.paddedSize(k)));
    fast.learn(records, lf, gf);
    slow.learn(records, ls, gs);
    // same operations in the same order: identical bits, so a network's results never depend on which
    // code its population chose for it
    expect(lf).toEqual(ls);
    gf.forEach((g, k) => {
      expect(norm(gs[k])).toBeGreaterThan(0);
      expect(g).toEqual(gs[k]);
    });
    const obs = new Float32Array(P * B * 8).map(() => rng.float());
    const noise = new Float32Array(P * B * 5).map(() => 0.001 * rng.float());
    const qf = new Float32Array(P * B * 5);
    const qs = new Float32Array(P * B * 5);
    fast.resetState(B);
    slow.resetState(B);
    for (let t = 0; t < 4; t++) {
      fast.forwardStep(obs, t % 2 ? null : noise, qf, t !== 1);
      slow.forwardStep(obs, t % 2 ? null : noise, qs, t !== 1);
      expect(qf).toEqual(qs);
    }
  });
});

describe('fused kernel forward', () => {
  it('equals referenceStep for every architecture, with and without advancing and tie noise (≤ 1e-5)', () => {
    const archs = paperArchitectures();
    const P = archs.length;
    const B = 3;
    const rng = Rng.derive(14, 1);
    const ws = archs.map((a) => randomWeights(a, rng, 0.7));
    const kernel = new FusedKernel(archs);
    kernel.loadPadded(padWeights(kernel, archs, ws));
    kernel.resetState(B);
    const I = kernel.inputs;
    const O = kernel.outputs;
    const states: NinePathwayState[] = [];
    for (let e = 0; e < P * B; e++) states.push(zeroState(archs[Math.floor(e / B)]));
    const obs = new Float32Array(P * B * I);
    const noise = new Float32Array(P * B * O);
    const q = new Float32Array(P * B * O);
    let worst = 0;
    for (let t = 0; t < 8; t++) {
      for (let j = 0; j < obs.length; j++) obs[j] = rng.float();
      for (let j = 0; j < noise.length; j++) noise[j] = 0.001 * rng.float();
      const advance = t % 3 !== 1;
      const withNoise = t % 2 === 0;
      kernel.forwardStep(obs, withNoise ? noise : null, q, advance);
      for (let e = 0; e < P * B; e++) {
        const n = Math.floor(e / B);
        const next = referenceStep(archs[n], ws[n], states[e], obs.subarray(e * I, e * I + I), withNoise ? noise.subarray(e * O, e * O + O) : undefined);
        for (let j = 0; j < O; j++) worst = Math.max(worst, Math.abs(q[e * O + j] - next.o[j]));
        if (advance) states[e] = next;
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('a population gives each member exactly what it gives alone (forward and learning pass)', () => {
    // four fc: the population runs them on generated code, alone each runs on the loops
    const archs = ['fc', 'ff-large', 'hh+oh', 'ff', 'ii+oo+hi', 'fc', 'fc', 'fc'].map((s) => parseArch(s));
    const P = archs.length;
    const T = 6;
    const B = 2;
    const rng = Rng.derive(15, 1);
    const ws = archs.map((a) => randomWeights(a, rng, 0.7));
    const all = new FusedKernel(archs);
    all.loadPadded(padWeights(all, archs, ws));
    const records = randomRecords(T, P, all.inputs, all.outputs, rng);
    const losses = new Float32Array(P);
    const grads = PATHWAYS.map((_, k) => new Float32Array(all.paddedSize(k)));
    all.learn(records, losses, grads);
    const I = all.inputs;
    const O = all.outputs;
    const obs = new Float32Array(P * B * I).map(() => rng.float());
    const noise = new Float32Array(P * B * O).map(() => 0.001 * rng.float());
    const q = new Float32Array(P * B * O);
    all.resetState(B);
    all.forwardStep(obs, noise, q, true);
    all.forwardStep(obs, noise, q, true);
    archs.forEach((arch, n) => {
      const one = new FusedKernel([arch]);
      one.loadPadded(padWeights(one, [arch], [ws[n]]));
      const r1 = randomRecords(T, 1, I, O, rng);
      for (let t = 0; t < T; t++) {
        r1.obs.set(records.obs.subarray((t * P + n) * I, (t * P + n + 1) * I), t * I);
        r1.tieNoise.set(records.tieNoise.subarray((t * P + n) * O, (t * P + n + 1) * O), t * O);
        r1.actions[t] = records.actions[t * P + n];
        r1.targets[t] = records.targets[t * P + n];
      }
      r1.lengths[0] = records.lengths[n];
      const l1 = new Float32Array(1);
      const g1 = PATHWAYS.map((_, k) => new Float32Array(one.paddedSize(k)));
      one.learn(r1, l1, g1);
      expect(l1[0]).toBe(losses[n]);
      for (const p of PATHWAYS) expect(memberSlice(one, g1, arch, 0, p)).toEqual(memberSlice(all, grads, arch, n, p));
      const q1 = new Float32Array(B * O);
      one.resetState(B);
      one.forwardStep(obs.slice(n * B * I, (n + 1) * B * I), noise.slice(n * B * O, (n + 1) * B * O), q1, true);
      one.forwardStep(obs.slice(n * B * I, (n + 1) * B * I), noise.slice(n * B * O, (n + 1) * B * O), q1, true);
      expect(q1).toEqual(q.slice(n * B * O, (n + 1) * B * O));
    });
  });

  it('the learning pass reuses the rollout activations only when they are exactly what it would compute', () => {
    const archs = ['fc', 'hh+oh', 'ff-large', 'fc', 'fc', 'fc', 'ii+oi'].map((s) => parseArch(s));
    const P = archs.length;
    const T = 6;
    const rng = Rng.derive(17, 1);
    const ws = archs.map((a) => randomWeights(a, rng, 0.7));
    const reuse = new FusedKernel(archs);
    const fresh = new FusedKernel(archs, { reuseRollout: false });
    for (const k of [reuse, fresh]) k.loadPadded(padWeights(k, archs, ws));
    const records = randomRecords(T, P, 8, 5, rng, archs.map((_, n) => (n === 1 ? 3 : T)));
    const q = new Float32Array(P * 5);
    const other = new Float32Array(P * 8).map(() => rng.float());
    const rollout = (k: FusedKernel, steps: number): void => {
      k.resetState(1);
      for (let t = 0; t < steps; t++) {
        k.forwardStep(records.obs.subarray(t * P * 8, (t + 1) * P * 8), records.tieNoise.subarray(t * P * 5, (t + 1) * P * 5), q, true);
        k.forwardStep(other, null, q, false); // the target forward does not count
      }
    };
    const run = (k: FusedKernel): { losses: Float64Array; grads: Float32Array[] } => {
      const losses = new Float64Array(P);
      const grads = PATHWAYS.map((_, i) => new Float32Array(k.paddedSize(i)));
      k.learn(records, losses, grads);
      return { losses, grads };
    };
    rollout(reuse, T);
    rollout(fresh, T);
    const a = run(reuse);
    expect(reuse.reusedInLastPass).toBe(P);
    expect(a).toEqual(run(fresh));
    expect(fresh.reusedInLastPass).toBe(0);

    // a network whose records differ from what its forwards saw is recomputed
    records.obs[(2 * P + 4) * 8 + 3] += 0.25;
    const b = run(reuse);
    expect(reuse.reusedInLastPass).toBe(P - 1);
    expect(b).toEqual(run(fresh));
    expect(b.losses[4]).not.toBe(a.losses[4]);

    // too few steps seen, or new weights: recomputed
    rollout(reuse, T - 1);
    expect(run(reuse)).toEqual(run(fresh));
    expect(reuse.reusedInLastPass).toBe(1); // only the network that ran 3 steps
    rollout(reuse, T);
    const ws2 = archs.map((arch) => randomWeights(arch, rng, 0.7));
    for (const k of [reuse, fresh]) k.loadPadded(padWeights(k, archs, ws2));
    expect(run(reuse)).toEqual(run(fresh));
    expect(reuse.reusedInLastPass).toBe(0);
  });

  it('rejects bad input with a clear error', () => {
    const kernel = new FusedKernel([parseArch('fc')]);
    expect(() => kernel.forwardStep(new Float32Array(8), null, new Float32Array(5), true)).toThrow(/resetState/);
    kernel.resetState(1);
    expect(() => kernel.forwardStep(new Float32Array(7), null, new Float32Array(5), true)).toThrow(/obs must have 8/);
    expect(() => new FusedKernel([parseArch('fc'), parseArch('fc', { channels: 3 })])).toThrow(/same inputs/);
    expect(() => kernel.resetState(0)).toThrow(/batch must be an integer ≥ 1/);
  });
});
