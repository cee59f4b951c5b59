// The Jacobians derived from a family's lowered step (the `compiled` jacobian kernel), against independent oracles:
// known answers of the hand-written 9-pathway forward mode it replaced, central differences of a float64 forward
// written here from docs/spec.md §2 for all 128 architectures and ff-large, and tfjs autodiff for plugin families.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@prnn/core';
import {
  builtinPlugins,
  compileJacobian,
  compiledJacobianKernel,
  createContainer,
  defineArchitecture,
  initBackend,
  jacobianNetwork,
  jacobianProgram,
  JACOBIAN_OPERATION,
  KernelSet,
  ninePathwayDefinition,
  OWN_PROGRAM_AFTER,
  stepSizes,
  tf,
  withCompiledJacobian,
  type ArchInfo,
  type ArchitectureDefinition,
  type JacobianEmbedding,
  type JacobianKernel,
} from '@prnn/agents';
import lowRankPlugin from '@prnn/plugin-lowrank-rnn';
import gruPlugin from '@prnn/plugin-gru';
import maskedPlugin from '@prnn/plugin-masked-rnn';
import {
  allocateTrials,
  analysisMetricsPlugin,
  checkJacobianPath,
  networkSensitivity,
  networkStepSensitivity,
  programSensitivity,
  type RecordedTrials,
} from '../src/index.js';
import { derivedJacobians, I, maxAbs, maxAbsDiff, O, randomTrials } from './jacobian-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const registry = createContainer([...builtinPlugins(), lowRankPlugin, gruPlugin, maskedPlugin, analysisMetricsPlugin]);

function exact(def: ArchitectureDefinition, arch: ArchInfo, weights: Record<string, Float32Array>, trials: RecordedTrials, embed: JacobianEmbedding = 'never') {
  const r = derivedJacobians(def, arch, weights, trials, embed);
  return { s: r.profile.s, j: r.jacobians.j };
}

interface KnownCase {
  spec: string;
  scale: number;
  weights: Record<string, number[]>;
  s: number[];
  j: number[];
}

describe('Jacobians derived from the lowered 9-pathway step', () => {
  it('equal the known answers of the hand-written float64 forward mode, to 1e-9 relative entry by entry (saturated softmax included)', () => {
    const data = JSON.parse(readFileSync(new URL('./data/nine-pathway-jacobian-kat.json', import.meta.url), 'utf8')) as {
      steps: number;
      lengths: number[];
      obs: number[];
      cases: KnownCase[];
    };
    const T = data.steps;
    const trials = allocateTrials(data.lengths.length, T, I);
    trials.lengths.set(data.lengths);
    trials.obs.set(data.obs);
    expect(data.cases).toHaveLength(8);
    let tiniest = Infinity;
    for (const c of data.cases) {
      const arch = ninePathwayDefinition.resolve(c.spec, { channels: 2, hidden: 8 })!;
      const weights = Object.fromEntries(Object.entries(c.weights).map(([k, v]) => [k, Float32Array.from(v)]));
      const got = exact(ninePathwayDefinition, arch, weights, trials);
      const label = `${c.spec} ×${c.scale}`;
      for (let k = 0; k < c.s.length; k++) {
        if (c.s[k] === 0) expect(got.s[k], label).toBe(0);
        else expect(Math.abs(got.s[k] - c.s[k]) / c.s[k], `${label} s[${k}]`).toBeLessThan(1e-9);
        if (c.s[k] > 0) tiniest = Math.min(tiniest, c.s[k]);
      }
      // ∂o_5/∂s_τ of trial 0, block by block (each to 1e-9 of its largest entry)
      const block = O * I;
      for (let tau = 0; tau < T; tau++) {
        const known = c.j.slice(tau * block, (tau + 1) * block);
        const from = ((0 * T + 5) * T + tau) * block;
        const mine = got.j.subarray(from, from + block);
        expect(maxAbsDiff(mine, known), `${label} τ=${tau}`).toBeLessThanOrEqual(1e-9 * maxAbs(known));
      }
    }
    // the saturated cases reach S(t, k) far below float64's relative epsilon of the outputs
    expect(tiniest).toBeLessThan(1e-100);
  });

  it('all 128 architectures and ff-large equal central differences (Richardson) of a float64 forward written from docs/spec.md §2', () => {
    const archs = ninePathwayDefinition.list({ channels: 2, hidden: 8 });
    if (!archs.some((a) => a.name === 'ff-large')) archs.push(ninePathwayDefinition.resolve('ff-large', { channels: 2, hidden: 8 })!);
    expect(archs.length).toBe(129);
    const T = 4;
    // every input non-zero: at s = 0 a feed-forward network's hidden units sit exactly on the ReLU's kink
    const trials = allocateTrials(2, T, I);
    trials.lengths.set([4, 3]);
    const rng = Rng.derive(31, 2);
    for (let k = 0; k < trials.obs.length; k++) trials.obs[k] = 0.05 + rng.float();
    let checked = 0;
    let entries = 0;
    let nearKink = 0;
    for (const arch of archs) {
      const rng = Rng.derive(arch.name.length * 977 + checked, 1);
      const weights = ninePathwayDefinition.init(arch, stepSizes(2), rng);
      for (const m of Object.values(weights)) for (let k = 0; k < m.length; k++) m[k] *= 2;
      const got = exact(ninePathwayDefinition, arch, weights, trials);
      const oracle = richardson(weights, arch.hidden, trials);
      let worst = 0;
      let scale = 1;
      for (let q = 0; q < oracle.length; q++) {
        entries++;
        if (Number.isNaN(oracle[q])) {
          nearKink++;
          continue;
        }
        worst = Math.max(worst, Math.abs(got.j[q] - oracle[q]));
        scale = Math.max(scale, Math.abs(oracle[q]));
      }
      expect(maxAbs(got.j), arch.name).toBeGreaterThan(1e-3);
      expect(worst / scale, arch.name).toBeLessThan(1e-9);
      checked++;
    }
    expect(checked).toBe(129);
    // few entries are left out for a nearby kink
    expect(nearKink / entries).toBeLessThan(0.05);
  });
});

describe('Jacobians through the embedding (each of the 128 in fc\'s program, absent pathways zero)', () => {
  /** Bits of a float64 array, +0 and −0 told apart. */
  const bits = (a: Float64Array): BigUint64Array => new BigUint64Array(a.buffer, a.byteOffset, a.length);

  it('are bit for bit the per-architecture program\'s, for all 128 architectures on random weights and trials', () => {
    const archs = ninePathwayDefinition.list({ channels: 2, hidden: 8 }).filter((a) => a.name !== 'ff-large');
    expect(archs.length).toBe(128);
    const fc = ninePathwayDefinition.resolve('fc', { channels: 2, hidden: 8 })!;
    const wide = jacobianProgram(ninePathwayDefinition, fc, 2)!;
    archs.forEach((arch, a) => {
      const rng = Rng.derive(700 + a, 1);
      const weights = ninePathwayDefinition.init(arch, stepSizes(2), rng);
      // random scales: some networks saturate the softmax and the ReLUs
      const scale = 0.5 + 8 * rng.float();
      for (const m of Object.values(weights)) for (let k = 0; k < m.length; k++) m[k] *= scale;
      const trials = randomTrials(3, 5, 900 + a);
      const network = jacobianNetwork(ninePathwayDefinition, arch, 2, weights, { embed: 'always' })!;
      expect(network.program, arch.name).toBe(wide);
      expect(network.member.name).toBe('fc');
      const own = exact(ninePathwayDefinition, arch, weights, trials, 'never');
      const embedded = exact(ninePathwayDefinition, arch, weights, trials, 'always');
      expect(maxAbs(own.j), arch.name).toBeGreaterThan(1e-6);
      expect(Array.from(bits(embedded.s)), arch.name).toEqual(Array.from(bits(own.s)));
      const [x, y] = [bits(own.j), bits(embedded.j)];
      for (let q = 0; q < x.length; q++) if (x[q] !== y[q]) expect.fail(`${arch.name}: ∂o/∂s entry ${q} is ${embedded.j[q]} through fc, ${own.j[q]} in its own program`);
    });
    // `auto` (the default): through fc's program for the first OWN_PROGRAM_AFTER trial steps of an architecture,
    // then its own (a fresh definition object: nothing lowered or counted yet); the kernel gives the same bits
    const def: ArchitectureDefinition = { ...ninePathwayDefinition };
    const hh = def.resolve('hh', { channels: 2, hidden: 8 })!;
    const weights = def.init(hh, stepSizes(2), Rng.derive(4, 1));
    const trials = randomTrials(4, 5, 12);
    const half = OWN_PROGRAM_AFTER / 2;
    expect([1, 2, 3].map(() => jacobianNetwork(def, hh, 2, weights, { trialSteps: half })!.member.name)).toEqual(['fc', 'fc', 'hh']);
    const s = new Float64Array(4 * 5 * 5);
    expect(compiledJacobianKernel(def).sensitivity(hh, weights, trials, s)).toBe(true);
    expect(Array.from(bits(s))).toEqual(Array.from(bits(exact(ninePathwayDefinition, hh, weights, trials, 'never').s)));
    const other = { ...ninePathwayDefinition };
    expect(compiledJacobianKernel(other).sensitivity(hh, weights, trials, s.fill(7))).toBe(true);
    expect(jacobianNetwork(other, hh, 2, weights)!.member.name).toBe('fc');
    expect(Array.from(bits(s))).toEqual(Array.from(bits(exact(ninePathwayDefinition, hh, weights, trials, 'never').s)));
  });

  it('places the member\'s weights in fc\'s layout: absent pathways and `zero` entries exactly 0; ff-large keeps its own program', () => {
    const hh = ninePathwayDefinition.resolve('hh', { channels: 2, hidden: 8 })!;
    const weights = ninePathwayDefinition.init(hh, stepSizes(2), Rng.derive(8, 1));
    const fc = ninePathwayDefinition.resolve('fc', { channels: 2, hidden: 8 })!;
    const shapes = ninePathwayDefinition.parameters(fc, stepSizes(2));
    const masked: ArchitectureDefinition = {
      ...ninePathwayDefinition,
      embed: () => ({ into: fc, zero: { hh: Uint8Array.from({ length: 64 }, (_, k) => (k % 9 === 0 ? 1 : 0)) } }),
    };
    const placed = jacobianNetwork(masked, hh, 2, weights, { embed: 'always' })!;
    let at = 0;
    for (const [name, shape] of Object.entries(shapes)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const got = placed.parameters.subarray(at, at + n);
      for (let k = 0; k < n; k++) {
        const want = !weights[name] || (name === 'hh' && k % 9 === 0) ? 0 : weights[name][k];
        if (got[k] !== want) expect.fail(`${name}[${k}] is ${got[k]}, want ${want}`);
      }
      at += n;
    }
    expect(at).toBe(placed.parameters.length);
    const large = ninePathwayDefinition.resolve('ff-large', { channels: 2 })!;
    const lw = ninePathwayDefinition.init(large, stepSizes(2), Rng.derive(9, 1));
    expect(jacobianNetwork(ninePathwayDefinition, large, 2, lw, { embed: 'always' })!.member.name).toBe('ff-large');
    const bad: ArchitectureDefinition = { ...ninePathwayDefinition, embed: () => ({ into: fc, zero: { hh: new Uint8Array(3) } }) };
    expect(() => jacobianNetwork(bad, hh, 2, weights, { embed: 'always' })).toThrow(/^nine-pathway:hh embeds into fc: zero\.hh must be a Uint8Array of the size of fc's parameter hh$/);
  });
});

/** One float64 step of docs/spec.md §2 (absent pathways: no term), W[a, b] row-major as the weights store them. */
function specStep(w: Record<string, Float32Array>, H: number, x: Float64Array, h: Float64Array, o: Float64Array, s: Float64Array): [Float64Array, Float64Array, Float64Array, number] {
  const mv = (out: Float64Array, v: Float64Array, m: Float32Array | undefined): void => {
    if (!m) return;
    const cols = out.length;
    for (let a = 0; a < v.length; a++) for (let b = 0; b < cols; b++) out[b] += v[a] * m[a * cols + b];
  };
  const nx = Float64Array.from(s);
  mv(nx, x, w.ii);
  mv(nx, o, w.oi);
  mv(nx, h, w.hi);
  const nh = new Float64Array(H);
  mv(nh, nx, w.ih);
  mv(nh, h, w.hh);
  mv(nh, o, w.oh);
  let kink = Infinity;
  for (let j = 0; j < H; j++) {
    kink = Math.min(kink, Math.abs(nh[j]));
    nh[j] = Math.max(0, nh[j]);
  }
  const z = new Float64Array(O);
  mv(z, nh, w.ho);
  mv(z, o, w.oo);
  mv(z, nx, w.io);
  const m = Math.max(...z);
  let sum = 0;
  for (let a = 0; a < O; a++) sum += z[a] = Math.exp(z[a] - m);
  for (let a = 0; a < O; a++) z[a] /= sum;
  return [nx, nh, z, kink];
}

/**
 * Outputs o_0 … o_{L−1} of one trial whose inputs are s (L·I values), and kink[t]: the smallest |pre-activation| of
 * a hidden unit at steps ≥ t (how close the trial runs to a ReLU kink from step t on).
 */
function specOutputs(w: Record<string, Float32Array>, H: number, s: Float64Array, L: number): { out: Float64Array; kink: Float64Array } {
  let x = new Float64Array(I);
  let h = new Float64Array(H);
  let o = new Float64Array(O);
  let k = 0;
  const out = new Float64Array(L * O);
  const kink = new Float64Array(L);
  for (let t = 0; t < L; t++) {
    [x, h, o, k] = specStep(w, H, x, h, o, s.subarray(t * I, (t + 1) * I));
    out.set(o, t * O);
    kink[t] = k;
  }
  for (let t = L - 2; t >= 0; t--) kink[t] = Math.min(kink[t], kink[t + 1]);
  return { out, kink };
}

/**
 * ∂o_t/∂s_τ by central differences with one Richardson extrapolation: (4·D(h/2) − D(h))/3, error O(h⁴) plus
 * rounding (~1e-11 at h = 1e-5). A column (n, τ, e) whose trial passes within 100·h of a ReLU kink at a step ≥ τ is
 * NaN: a difference across the kink averages two slopes.
 */
function richardson(w: Record<string, Float32Array>, H: number, trials: RecordedTrials, step = 1e-5): Float64Array {
  const { count: N, steps: T } = trials;
  const j = new Float64Array(N * T * T * O * I);
  for (let n = 0; n < N; n++) {
    const L = trials.lengths[n];
    const s = Float64Array.from(trials.obs.subarray(n * T * I, (n * T + L) * I));
    const { kink } = specOutputs(w, H, s, L);
    const central = (k: number, h: number): Float64Array => {
      const x = s[k];
      s[k] = x + h;
      const plus = specOutputs(w, H, s, L).out;
      s[k] = x - h;
      const minus = specOutputs(w, H, s, L).out;
      s[k] = x;
      return plus.map((p, q) => (p - minus[q]) / (2 * h));
    };
    for (let tau = 0; tau < L; tau++) {
      for (let e = 0; e < I; e++) {
        const near = kink[tau] < 100 * step;
        const coarse = central(tau * I + e, step);
        const fine = central(tau * I + e, step / 2);
        for (let t = tau; t < L; t++) {
          for (let a = 0; a < O; a++) j[(((n * T + t) * T + tau) * O + a) * I + e] = near ? Number.NaN : (4 * fine[t * O + a] - coarse[t * O + a]) / 3;
        }
      }
    }
  }
  return j;
}

describe('Jacobians derived from plugin families\' lowered steps', () => {
  it('equal tfjs autodiff through the step (float32) for lowrank-r2, gru, masked-ring1 and masked-ring2-dale', () => {
    const trials = randomTrials(6, 6, 41);
    for (const spec of ['lowrank-r2', 'gru', 'masked-ring1', 'masked-ring2-dale']) {
      const arch = registry.resolveArch(spec, { channels: 2, hidden: 8 });
      const family = registry.architecture(arch.family);
      const def = (family as { definition?: ArchitectureDefinition }).definition!;
      const weights = def.init(arch, stepSizes(2), Rng.derive(43, 1));
      for (const m of Object.values(weights)) for (let k = 0; k < m.length; k++) m[k] *= 2;
      const got = exact(def, arch, weights, trials);
      const net = family.network!(arch, weights, 2);
      try {
        const auto = networkStepSensitivity(net, trials, { full: true });
        const scale = Math.max(1, maxAbs(auto.jacobians!.j));
        expect(maxAbs(got.j), spec).toBeGreaterThan(1e-3);
        // lagged blocks are non-zero: the recurrence carries the input forward
        expect(got.s[(0 * 6 + 5) * 6 + 3], spec).toBeGreaterThan(1e-6);
        expect(maxAbsDiff(got.j, auto.jacobians!.j) / scale, spec).toBeLessThan(1e-5);
        expect(maxAbsDiff(got.s, auto.profile.s) / scale, spec).toBeLessThan(1e-5);
      } finally {
        net.dispose();
      }
    }
  });
});

/** A family whose step uses a tfjs kernel the step compiler does not know (Elu): its Jacobians come from autodiff. */
const eluDefinition: ArchitectureDefinition = {
  family: 'elu-test',
  description: 'z_t = elu(s_t·W + z_{t−1}·U), o_t = softmax(z_t)',
  list: () => [],
  resolve: (spec) => (spec === 'elu' ? { family: 'elu-test', name: 'elu', hidden: O, parameters: I * O + O * O } : undefined),
  parameters: () => ({ w: [I, O], u: [O, O] }),
  init: (_arch, _sizes, rng) => ({ w: Float32Array.from({ length: I * O }, () => rng.float() - 0.5), u: Float32Array.from({ length: O * O }, () => rng.float() - 0.5) }),
  stateSize: () => O,
  step: (p, state, obs, noise) => {
    const z = tf.elu(tf.add(tf.matMul(obs, p.w as tf.Tensor3D), tf.matMul(state, p.u as tf.Tensor3D))) as tf.Tensor3D;
    return { output: tf.softmax(noise ? tf.add(z, noise) : z) as tf.Tensor3D, state: z };
  },
};

describe('the compiled jacobian kernel in the registry', () => {
  it('is every step-defined family\'s jacobian kernel, after a plugin\'s own; --jacobian accepts it', () => {
    for (const family of ['nine-pathway', 'lowrank-rnn', 'gru', 'masked-rnn']) {
      expect(registry.kernels(family).jacobian().map((k) => k.name), family).toEqual(['compiled']);
    }
    const own: JacobianKernel = { family: 'gru', operation: JACOBIAN_OPERATION, name: 'mine', description: 'a plugin\'s own', sensitivity: () => false };
    const kernels = withCompiledJacobian(registry.architecture('gru'), [own]);
    expect(kernels.map((k) => k.name)).toEqual(['mine', 'compiled']);
    expect(checkJacobianPath(registry, 'compiled')).toBe('compiled');
    expect(() => checkJacobianPath(registry, 'fused')).toThrow(/^jacobian must be one of autodiff, compiled \(got "fused"\)$/);
  });

  it('does not apply to a step that does not lower: the analysis falls back to autodiff', async () => {
    const family = defineArchitecture(eluDefinition);
    const arch = eluDefinition.resolve('elu', { channels: 2 })!;
    const weights = eluDefinition.init(arch, stepSizes(2), Rng.derive(5, 1));
    const trials = randomTrials(3, 4, 6);
    expect(compiledJacobianKernel(eluDefinition).sensitivity(arch, weights, trials, new Float64Array(3 * 4 * 4))).toBe(false);
    expect(programSensitivity(eluDefinition, arch, weights, trials)).toBeNull();
    const net = family.network!(arch, weights, 2);
    try {
      const r = await networkSensitivity({ arch, weights, network: net, kernels: new KernelSet(family.family, withCompiledJacobian(family, [])) }, trials);
      expect(r.jacobian).toBe('autodiff');
      expect(maxAbs(r.profile.s)).toBeGreaterThan(1e-3);
    } finally {
      net.dispose();
    }
  });

  it('emits one module per program, cached by the program\'s hash, with nothing allocated in its step functions', () => {
    const fc = ninePathwayDefinition.resolve('fc', { channels: 2, hidden: 8 })!;
    const p = jacobianProgram(ninePathwayDefinition, fc, 2)!;
    expect(jacobianProgram(ninePathwayDefinition, fc, 2)).toBe(p);
    // the same step lowered again under another definition object is the same program, so the same module
    const again = jacobianProgram({ ...ninePathwayDefinition }, fc, 2)!;
    expect(again).not.toBe(p);
    expect(compileJacobian(again)).toBe(compileJacobian(p));
    const { source } = compileJacobian(p);
    for (const part of [source.primal, source.carry, source.fresh]) expect(part).not.toMatch(/\bnew\b|\[\]|\{\}/);
  });
});
