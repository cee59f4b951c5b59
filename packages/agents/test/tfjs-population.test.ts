import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@prnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import {
  PATHWAYS,
  archFromFlags,
  flagsFromIndex,
  hasPathway,
  initWeights,
  largeFeedForward,
  parseArch,
  pathwayShape,
  referenceStep,
  zeroState,
  type NinePathwayArch,
  type NinePathwayWeights,
} from '../src/architectures/nine-pathway/family.js';
import { createTfjsPopulation, type TfjsNinePathwayPopulation } from '../src/architectures/nine-pathway/tfjs-population.js';
import { allocateEpisodeRecords, type EpisodeRecords } from '../src/sdk/population-model.js';
import { STREAM } from '../src/sdk/streams.js';
import { lossAndGradients } from './learning-helpers.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const I = 8;
const O = 5;

function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let j = 0; j < n; j++) a[j] = rng.float() * scale;
  return a;
}

function weightsOf(model: TfjsNinePathwayPopulation, n: number): NinePathwayWeights {
  return model.exportWeights(n) as NinePathwayWeights;
}

/** Runs `steps` advancing forwards on a population and the reference, returns the largest |Δq|. */
function maxForwardDifference(archs: NinePathwayArch[], seeds: number[], batch: number, steps: number): number {
  const model = createTfjsPopulation(archs, seeds);
  const P = archs.length;
  const rng = Rng.derive(99, 1);
  model.resetState(batch);
  const states = archs.flatMap((a) => Array.from({ length: batch }, () => zeroState(a)));
  const weights = archs.map((_, n) => weightsOf(model, n));
  const q = new Float32Array(P * batch * O);
  let worst = 0;
  for (let t = 0; t < steps; t++) {
    const obs = randomArray(rng, P * batch * I);
    const noise = randomArray(rng, P * batch * O, 0.001);
    // A target-style forward first: it must not move the state.
    model.forward(randomArray(rng, P * batch * I), null, q, false);
    model.forward(obs, noise, q, true);
    for (let n = 0; n < P; n++) {
      for (let b = 0; b < batch; b++) {
        const row = n * batch + b;
        const s = referenceStep(archs[n], weights[n], states[row], obs.subarray(row * I, (row + 1) * I), noise.subarray(row * O, (row + 1) * O));
        states[row] = s;
        for (let k = 0; k < O; k++) worst = Math.max(worst, Math.abs(q[row * O + k] - s.o[k]));
      }
    }
  }
  model.dispose();
  return worst;
}

describe('tfjs population forward', () => {
  it('equals referenceStep for all 128 architectures and ff-large in one mixed population', () => {
    const archs = [...Array.from({ length: 128 }, (_, i) => archFromFlags(flagsFromIndex(i))), largeFeedForward()];
    const seeds = archs.map((_, n) => 1000 + n);
    expect(maxForwardDifference(archs, seeds, 2, 5)).toBeLessThanOrEqual(1e-5);
  });

  it('equals referenceStep with hidden sizes 3, 8 and 5 mixed', () => {
    const archs = [parseArch('fc', { hidden: 3 }), parseArch('hh+oh'), parseArch('ii+oi+hi', { hidden: 5 }), parseArch('ff', { hidden: 5 })];
    expect(maxForwardDifference(archs, [1, 2, 3, 4], 3, 6)).toBeLessThanOrEqual(1e-5);
  });

  it('equals referenceStep on the cpu backend too', async () => {
    await initBackend('cpu');
    try {
      const archs = [parseArch('fc'), parseArch('io+hi', { hidden: 4 }), largeFeedForward()];
      expect(maxForwardDifference(archs, [7, 8, 9], 2, 4)).toBeLessThanOrEqual(1e-5);
    } finally {
      await initBackend('wasm');
    }
  });

  it('initialises each network from its own seed, whatever the population', () => {
    const fc = parseArch('fc');
    const alone = createTfjsPopulation([fc], [42]);
    const mixed = createTfjsPopulation([largeFeedForward(), parseArch('hh'), fc], [1, 2, 42]);
    const expected = initWeights(fc, Rng.derive(42, STREAM.init));
    for (const p of PATHWAYS) {
      expect(alone.exportWeights(0)[p]).toEqual(expected[p]);
      expect(mixed.exportWeights(2)[p]).toEqual(expected[p]);
    }
    expect(Object.keys(mixed.exportWeights(1)).sort()).toEqual(['hh', 'ho', 'ih']);
    alone.dispose();
    mixed.dispose();
  });

  it('imports weights: the forward then uses them', () => {
    const arch = parseArch('hh+oo');
    const a = createTfjsPopulation([arch, arch], [5, 6]);
    const b = createTfjsPopulation([arch], [7]);
    const q1 = new Float32Array(O);
    const q2 = new Float32Array(2 * O);
    const obs = Float32Array.from({ length: I }, (_, j) => j / I);
    b.resetState(1);
    b.forward(obs, null, q1, false);
    b.importWeights(0, a.exportWeights(1));
    expect(b.exportWeights(0)).toEqual(a.exportWeights(1));
    b.forward(obs, null, q1, false);
    a.resetState(1);
    a.forward(Float32Array.from([...obs, ...obs]), null, q2, false);
    expect(Array.from(q1)).toEqual(Array.from(q2.subarray(O)));
    expect(() => b.importWeights(0, { ...a.exportWeights(1), ii: new Float32Array(64) })).toThrow(/no pathway "ii"/);
    expect(() => b.importWeights(0, { ih: new Float32Array(3) })).toThrow(/weights\.ih/);
    a.dispose();
    b.dispose();
  });
});

function randomRecords(P: number, T: number, lengths: number[], seed: number): EpisodeRecords {
  const rng = Rng.derive(seed, 7);
  const r = allocateEpisodeRecords(T, P, I, O);
  r.obs.set(randomArray(rng, T * P * I));
  r.tieNoise.set(randomArray(rng, T * P * O, 0.001));
  for (let j = 0; j < T * P; j++) {
    r.actions[j] = rng.int(O);
    r.targets[j] = rng.float() * 1.5 - 0.3;
  }
  r.lengths.set(lengths);
  return r;
}

/** Σ_t (Q_t[a_t] − y_t)² of network n, through referenceStep (double-precision sums). */
function referenceLoss(arch: NinePathwayArch, w: NinePathwayWeights, r: EpisodeRecords, n: number): number {
  const P = r.population;
  let state = zeroState(arch);
  let loss = 0;
  for (let t = 0; t < r.lengths[n]; t++) {
    const row = t * P + n;
    state = referenceStep(arch, w, state, r.obs.subarray(row * I, (row + 1) * I), r.tieNoise.subarray(row * O, (row + 1) * O));
    loss += (state.o[r.actions[row]] - r.targets[row]) ** 2;
  }
  return loss;
}

function gradientSlices(model: TfjsNinePathwayPopulation, gradients: Float32Array[], n: number): NinePathwayWeights {
  const out: NinePathwayWeights = {};
  PATHWAYS.forEach((p, k) => {
    const arch = model.archs[n];
    const [a, b] = pathwayShape(arch, p);
    out[p] = Float32Array.from(tf.slice(tf.tensor(gradients[k], model.parameters.shapes[k] as number[]), [n, 0, 0], [1, a, b]).dataSync());
  });
  return out;
}

describe('tfjs population learning pass', () => {
  it('gives losses of the reference and gradients that match central finite differences', () => {
    const archs = ['fc', 'ff', 'hh+oh', 'ii+oi+hi', 'io+oo'].map((s) => parseArch(s, { hidden: s === 'ff' ? 6 : 8 }));
    const lengths = [6, 4, 6, 1, 5];
    const model = createTfjsPopulation(archs, [11, 12, 13, 14, 15]);
    const records = randomRecords(archs.length, 6, lengths, 3);
    const { losses, gradients } = lossAndGradients(model, records);
    archs.forEach((arch, n) => {
      const w = weightsOf(model, n);
      expect(losses[n]).toBeCloseTo(referenceLoss(arch, w, records, n), 5);
      const g = gradientSlices(model, gradients, n);
      let worst = 0;
      for (const p of PATHWAYS) {
        if (!hasPathway(arch, p)) {
          expect(g[p]!.every((v) => v === 0)).toBe(true);
          continue;
        }
        const wp = w[p]!;
        for (let j = 0; j < wp.length; j++) {
          const keep = wp[j];
          const eps = 1e-3;
          wp[j] = keep + eps;
          const up = wp[j];
          const lUp = referenceLoss(arch, w, records, n);
          wp[j] = keep - eps;
          const down = wp[j];
          const lDown = referenceLoss(arch, w, records, n);
          wp[j] = keep;
          const fd = (lUp - lDown) / (up - down);
          worst = Math.max(worst, Math.abs(fd - g[p]![j]) / (1e-3 + Math.abs(fd)));
        }
      }
      expect(worst).toBeLessThan(2e-2);
    });
    // Padded units and absent pathways get exactly zero gradient in the full [P, A, B] tensors.
    const ihGrad = tf.tensor(gradients[PATHWAYS.indexOf('ih')], model.parameters.shapes[PATHWAYS.indexOf('ih')] as number[]).arraySync() as number[][][];
    expect(ihGrad[1].every((row) => row.slice(6).every((v) => v === 0))).toBe(true);
    const iiGrad = tf.tensor(gradients[PATHWAYS.indexOf('ii')], model.parameters.shapes[PATHWAYS.indexOf('ii')] as number[]).arraySync() as number[][][];
    expect(iiGrad[1].flat().every((v) => v === 0)).toBe(true);
    expect(iiGrad[0].flat().some((v) => v !== 0)).toBe(true);
    model.dispose();
  });

  it('gives a network exactly the same loss and gradient alone as inside a mixed population', () => {
    const fc = parseArch('fc');
    const T = 5;
    const mixedArchs = [largeFeedForward(), parseArch('hh', { hidden: 3 }), fc, parseArch('oi+oh')];
    const mixed = createTfjsPopulation(mixedArchs, [1, 2, 77, 4]);
    const alone = createTfjsPopulation([fc], [77]);
    const big = randomRecords(4, T, [5, 2, 4, 5], 9);
    const one = allocateEpisodeRecords(T, 1, I, O);
    for (let t = 0; t < T; t++) {
      const row = t * 4 + 2;
      one.obs.set(big.obs.subarray(row * I, (row + 1) * I), t * I);
      one.tieNoise.set(big.tieNoise.subarray(row * O, (row + 1) * O), t * O);
      one.actions[t] = big.actions[row];
      one.targets[t] = big.targets[row];
    }
    one.lengths[0] = 4;
    const a = lossAndGradients(alone, one);
    const m = lossAndGradients(mixed, big);
    expect(m.losses[2]).toBe(a.losses[0]);
    const ga = gradientSlices(alone, a.gradients, 0);
    const gm = gradientSlices(mixed, m.gradients, 2);
    for (const p of PATHWAYS) {
      expect(gm[p]).toEqual(ga[p]);
    }
    alone.dispose();
    mixed.dispose();
  });

  it('gives zero gradients to the recurrent pathways for one-step episodes, and nothing for empty ones', () => {
    const model = createTfjsPopulation([parseArch('fc'), parseArch('hh')], [1, 2]);
    const one = lossAndGradients(model, randomRecords(2, 4, [1, 1], 5));
    expect(one.gradients.map((g) => g.length)).toEqual(model.parameters.values.map((v) => v.length));
    const hh = one.gradients[PATHWAYS.indexOf('hh')];
    expect(hh.every((v) => v === 0)).toBe(true);
    expect(one.gradients[PATHWAYS.indexOf('ih')].some((v) => v !== 0)).toBe(true);
    const none = lossAndGradients(model, randomRecords(2, 4, [0, 0], 5));
    expect(Array.from(none.losses)).toEqual([0, 0]);
    expect(none.gradients.every((g) => g.every((v) => v === 0))).toBe(true);
    model.dispose();
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const model = createTfjsPopulation([parseArch('fc'), largeFeedForward()], [1, 2]);
    const q = new Float32Array(2 * 3 * O);
    model.resetState(3);
    const during = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      model.forward(new Float32Array(2 * 3 * I), null, q, true);
      model.forward(new Float32Array(2 * 3 * I), null, q, false);
      lossAndGradients(model, randomRecords(2, 4, [4, 2], i));
    }
    model.resetState(3);
    expect(tf.memory().numTensors - during).toBeLessThanOrEqual(5);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects records of the wrong shape', () => {
    const model = createTfjsPopulation([parseArch('ff')], [1]);
    const r = randomRecords(1, 3, [4], 1);
    expect(() => lossAndGradients(model, r)).toThrow(/lengths\[0\] must be an integer from 0 to 3/);
    expect(() => lossAndGradients(model, randomRecords(2, 3, [1, 1], 1))).toThrow(/population must be 1/);
    model.dispose();
  });
});
