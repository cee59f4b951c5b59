import { beforeAll, describe, expect, it } from 'vitest';
import {
  archInfo,
  buildNinePathwayOnnx,
  createNinePathwayArchitecture,
  ninePathwayDefinition,
  initBackend,
  OnnxPolicy,
  parseArch,
  ReferenceEngine,
  type NinePathwayArch,
} from '@prnn/agents';
import {
  autodiffJacobians,
  finiteDifferenceSensitivity,
  inputSensitivity,
  memoryProfile,
  networkStepSensitivity,
  profileOfJacobians,
  type RecordedTrials,
} from '../src/index.js';
import { derivedJacobians, maxAbs, maxAbsDiff, randomTrials, weightsOf } from './jacobian-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

/** The exact float64 Jacobians derived from the family's lowered step (the `compiled` jacobian kernel). */
const derived = (arch: NinePathwayArch, weights: Record<string, Float32Array>, trials: RecordedTrials) => derivedJacobians(ninePathwayDefinition, archInfo(arch), weights, trials);

const ARCHS = ['fc', 'hh+oh', 'ii+oi', 'oo+io+hi', 'ff'];
const family = createNinePathwayArchitecture();

describe('exact Jacobians of the 9-pathway family (derived from the lowered step)', () => {
  it('equal tfjs reverse-mode autodiff through the family\'s NetworkStep (batched, and per time point)', () => {
    for (const spec of ARCHS) {
      const arch = parseArch(spec);
      const weights = weightsOf(arch, 7);
      const trials = randomTrials(12, 6, 8);
      const fused = derived(arch, weights, trials).jacobians;
      const net = family.network!(archInfo(arch), weights, 2);
      try {
        // rows: 40 → one trial per backward pass at T·O = 30, so chunking is exercised too
        const batched = networkStepSensitivity(net, trials, { full: true, rows: spec === 'fc' ? 40 : undefined });
        const reference = autodiffJacobians(net, trials);
        expect(maxAbs(fused.j)).toBeGreaterThan(1e-2);
        // tfjs computes in float32; the derived kernel in float64
        expect(maxAbsDiff(fused.j, batched.jacobians!.j), spec).toBeLessThan(2e-5);
        expect(maxAbsDiff(fused.j, reference.j), spec).toBeLessThan(2e-5);
        expect(maxAbsDiff(profileOfJacobians(fused, trials.lengths).s, batched.profile.s), spec).toBeLessThan(2e-5);
      } finally {
        net.dispose();
      }
    }
  });

  it('autodiff through the NetworkStep equals central finite differences of the reference step', async () => {
    for (const spec of ['fc', 'hh+oh']) {
      const arch = parseArch(spec);
      const weights = weightsOf(arch, 13);
      const trials = randomTrials(10, 6, 14);
      const net = family.network!(archInfo(arch), weights, 2);
      try {
        const auto = networkStepSensitivity(net, trials, { full: true });
        const fd = await finiteDifferenceSensitivity(new ReferenceEngine(arch, weights), trials, { full: true });
        expect(maxAbs(auto.jacobians!.j)).toBeGreaterThan(1e-2);
        expect(maxAbsDiff(auto.jacobians!.j, fd.jacobians!.j), spec).toBeLessThan(2e-3 * Math.max(1, maxAbs(auto.jacobians!.j)));
      } finally {
        net.dispose();
      }
    }
  });

  it('equal central finite differences of the reference step (float32, h = 1e-3)', async () => {
    for (const spec of ARCHS) {
      const arch = parseArch(spec);
      const weights = weightsOf(arch, 11);
      const trials = randomTrials(10, 6, 12);
      const { profile, jacobians: fused } = derived(arch, weights, trials);
      const fd = await finiteDifferenceSensitivity(new ReferenceEngine(arch, weights), trials, { full: true });
      expect(maxAbsDiff(fused.j, fd.jacobians!.j), spec).toBeLessThan(2e-3 * Math.max(1, maxAbs(fused.j)));
      expect(maxAbsDiff(profile.s, fd.profile.s), spec).toBeLessThan(3e-3 * Math.max(1, maxAbs(profile.s)));
    }
  });

  it('the profile is the Frobenius norm of each block; a feed-forward network has no memory', () => {
    const arch = parseArch('ff');
    const weights = weightsOf(arch, 3);
    const trials = randomTrials(20, 6, 4);
    const { profile, jacobians: jac } = derived(arch, weights, trials);
    expect(maxAbsDiff(profile.s, profileOfJacobians(jac, trials.lengths).s)).toBeLessThan(1e-12);
    const m = memoryProfile(profile);
    expect(m.memory[0]).toBe(1);
    for (const v of m.memory.slice(1)) expect(v).toBe(0);
    expect(m.capacity).toBe(1);
    expect(inputSensitivity(profile)).toBeGreaterThan(0);
  });

  it('a linear recurrence has the known Jacobian', () => {
    // hh only, H = 1 … not expressible; instead: ii pathway alone feeds x_t = s_t + W_ii x_{t−1}, so
    // ∂x_t/∂s_τ = (W_iiᵀ)^(t−τ). With W_ii = a·Id and output fixed by W_ih, W_ho, the ratio
    // S(t, −1)/S(t, 0) equals |a| whenever all hidden units stay active (positive weights, positive inputs).
    const arch = parseArch('ii');
    const a = 0.5;
    const I = 8;
    const w: Record<string, Float32Array> = {
      ii: new Float32Array(I * I),
      ih: new Float32Array(I * arch.hidden).fill(0.1),
      ho: new Float32Array(arch.hidden * 5).map((_, k) => (k % 5) * 0.3),
    };
    for (let j = 0; j < I; j++) w.ii[j * I + j] = a;
    const trials = randomTrials(5, 6, 9);
    for (let k = 0; k < trials.lengths.length; k++) trials.lengths[k] = 6;
    for (let k = 0; k < trials.obs.length; k++) trials.obs[k] = 0.2 + 0.5 * ((k * 7919) % 13) / 13;
    const jac = derived(arch, w, trials).jacobians;
    // ∂o_t/∂s_τ = D_t·W_hoᵀ·W_ihᵀ·a^(t−τ): each lag multiplies the block by a exactly.
    const T = 6;
    const block = 5 * I;
    for (let n = 0; n < 5; n++) {
      for (let t = 1; t < T; t++) {
        for (let q = 0; q < block; q++) {
          const now = jac.j[((n * T + t) * T + t) * block + q];
          const before = jac.j[((n * T + t) * T + (t - 1)) * block + q];
          expect(before).toBeCloseTo(a * now, 12);
        }
      }
    }
  });
});

describe('finite differences through onnxruntime (any ONNX policy)', () => {
  it('an exported built-in matches the exact Jacobian; error vs step size', async () => {
    const errors: Record<string, number> = {};
    for (const spec of ['fc', 'hh+oh']) {
      const arch = parseArch(spec);
      const weights = weightsOf(arch, 5);
      const trials = randomTrials(16, 6, 6);
      const exact = derived(arch, weights, trials).jacobians;
      const policy = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
      try {
        for (const h of [1e-1, 1e-3, 1e-5]) {
          const fd = await finiteDifferenceSensitivity(policy, trials, { step: h, full: true, chunk: 5 });
          errors[`${spec} h=${h}`] = maxAbsDiff(exact.j, fd.jacobians!.j) / maxAbs(exact.j);
        }
      } finally {
        await policy.release();
      }
      // the default step: relative error ≤ 1e-3; too large a step (curvature) and too small (float32 rounding) are worse
      expect(errors[`${spec} h=0.001`], JSON.stringify(errors)).toBeLessThan(1e-3);
      expect(errors[`${spec} h=0.1`]).toBeGreaterThan(errors[`${spec} h=0.001`]);
      expect(errors[`${spec} h=0.00001`]).toBeGreaterThan(errors[`${spec} h=0.001`]);
    }
  });
});
