// The compiled Jacobian's WebAssembly engine (two columns per f64x2 instruction) against its JavaScript engine, the
// emitted code it replaces as the default: the same bits for every built-in architecture, for plugin families and at
// the General maze's 20 steps, with full Jacobians and with profiles only; one instance shared by the networks of a
// program gives each network its own Jacobians. (The Jacobians' independent oracles — central differences of a
// float64 forward written from docs/spec.md, known answers, tfjs autodiff — are in compiled-jacobian.test.ts and
// run on the default engine.)
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@prnn/core';
import {
  builtinPlugins,
  createContainer,
  emitJacobianWasm,
  initBackend,
  jacobianNetwork,
  ninePathwayDefinition,
  ProgramJacobian,
  stepSizes,
  type ArchInfo,
  type ArchitectureDefinition,
  type JacobianEngine,
  type StepProgram,
} from '@prnn/agents';
import lowRankPlugin from '@prnn/plugin-lowrank-rnn';
import gruPlugin from '@prnn/plugin-gru';
import maskedPlugin from '@prnn/plugin-masked-rnn';
import { analysisMetricsPlugin, type RecordedTrials } from '../src/index.js';
import { maxAbs, randomTrials } from './jacobian-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const registry = createContainer([...builtinPlugins(), lowRankPlugin, gruPlugin, maskedPlugin, analysisMetricsPlugin]);

/** Bits of a float64 array, +0 and −0 told apart. */
const bits = (a: Float64Array): BigUint64Array => new BigUint64Array(a.buffer, a.byteOffset, a.length);

function run(program: StepProgram, parameters: Float32Array, trials: RecordedTrials, engine: JacobianEngine) {
  const T = trials.steps;
  const s = new Float64Array(trials.count * T * T).fill(Number.NaN);
  const j = new Float64Array(trials.count * T * T * program.outputs.length * trials.inputs);
  const jacobian = new ProgramJacobian(program, T, { engine });
  expect(jacobian.engine).toBe(engine);
  jacobian.setParameters(parameters).run(trials, s, j);
  // the profile alone (no full Jacobians asked for) is the same
  const alone = new Float64Array(s.length);
  new ProgramJacobian(program, T, { engine }).setParameters(parameters).run(trials, alone);
  expect(Array.from(bits(alone))).toEqual(Array.from(bits(s)));
  return { s, j };
}

/** Both engines on one network: equal bit for bit, entry by entry. */
function sameBits(label: string, def: ArchitectureDefinition, arch: ArchInfo, weights: Record<string, Float32Array>, trials: RecordedTrials): void {
  const network = jacobianNetwork(def, arch, 2, weights, { embed: 'never' })!;
  const js = run(network.program, network.parameters, trials, 'js');
  const wasm = run(network.program, network.parameters, trials, 'wasm');
  expect(maxAbs(js.j), label).toBeGreaterThan(1e-6);
  for (const [name, x, y] of [['s', js.s, wasm.s], ['∂o/∂s', js.j, wasm.j]] as const) {
    const [a, b] = [bits(x), bits(y)];
    for (let q = 0; q < a.length; q++) if (a[q] !== b[q]) expect.fail(`${label}: ${name} entry ${q} is ${y[q]} in WebAssembly, ${x[q]} in JavaScript`);
  }
}

describe('the compiled Jacobian in WebAssembly SIMD', () => {
  it('is the default engine where the runtime has SIMD', () => {
    const fc = ninePathwayDefinition.resolve('fc', { channels: 2, hidden: 8 })!;
    const network = jacobianNetwork(ninePathwayDefinition, fc, 2, ninePathwayDefinition.init(fc, stepSizes(2), Rng.derive(1, 1)), { embed: 'never' })!;
    expect(new ProgramJacobian(network.program, 6).engine).toBe('wasm');
    const made = emitJacobianWasm(network.program)!;
    expect(WebAssembly.validate(made.bytes)).toBe(true);
    // fc's weights are coefficients of its tangent that do not change from step to step
    expect(made.staticCoef.split('\n').length).toBeGreaterThan(100);
    expect(() => new ProgramJacobian(network.program, 6, { engine: 'gpu' as JacobianEngine })).toThrow(/engine must be js or wasm \(got "gpu"\)/);
  });

  it('equals the JavaScript engine bit for bit for all 128 architectures and ff-large (Track\'s 6 steps)', () => {
    const archs = ninePathwayDefinition.list({ channels: 2, hidden: 8 });
    expect(archs.length).toBe(129);
    archs.forEach((arch, a) => {
      const rng = Rng.derive(300 + a, 1);
      const weights = ninePathwayDefinition.init(arch, stepSizes(2), rng);
      // random scales: some networks saturate the softmax and the ReLUs
      const scale = 0.5 + 8 * rng.float();
      for (const m of Object.values(weights)) for (let k = 0; k < m.length; k++) m[k] *= scale;
      sameBits(arch.name, ninePathwayDefinition, arch, weights, randomTrials(4, 6, 500 + a));
    });
  });

  it('equals it at the General maze\'s 20 steps and for plugin families (lowrank-r2, gru, masked-ring1, masked-ring2-dale)', () => {
    const trials = randomTrials(3, 20, 77);
    for (const name of ['fc', 'hh+oh', 'ii+io+oo']) {
      const arch = ninePathwayDefinition.resolve(name, { channels: 2, hidden: 8 })!;
      const weights = ninePathwayDefinition.init(arch, stepSizes(2), Rng.derive(78, 1));
      sameBits(`${name} (20 steps)`, ninePathwayDefinition, arch, weights, trials);
    }
    for (const spec of ['lowrank-r2', 'gru', 'masked-ring1', 'masked-ring2-dale']) {
      const arch = registry.resolveArch(spec, { channels: 2, hidden: 8 });
      const def = (registry.architecture(arch.family) as { definition?: ArchitectureDefinition }).definition!;
      const weights = def.init(arch, stepSizes(2), Rng.derive(43, 1));
      for (const m of Object.values(weights)) for (let k = 0; k < m.length; k++) m[k] *= 2;
      sameBits(spec, def, arch, weights, randomTrials(5, 6, 44));
    }
  });

  it('shares one instance among the networks of a program: each run gives its own network\'s Jacobians', () => {
    const arch = ninePathwayDefinition.resolve('hh+oh', { channels: 2, hidden: 8 })!;
    const trials = randomTrials(4, 6, 90);
    const [a, b] = [91, 92].map((seed) => jacobianNetwork(ninePathwayDefinition, arch, 2, ninePathwayDefinition.init(arch, stepSizes(2), Rng.derive(seed, 1)), { embed: 'never' })!);
    const expected = [a, b].map((n) => run(n.program, n.parameters, trials, 'js').s);
    expect(Array.from(bits(expected[0]))).not.toEqual(Array.from(bits(expected[1])));
    // both set up before either runs, then run in turns
    const ja = new ProgramJacobian(a.program, 6).setParameters(a.parameters);
    const jb = new ProgramJacobian(b.program, 6).setParameters(b.parameters);
    const got = [new Float64Array(expected[0].length), new Float64Array(expected[0].length)];
    ja.run(trials, got[0]);
    jb.run(trials, got[1]);
    ja.run(trials, got[0]);
    got.forEach((s, k) => expect(Array.from(bits(s)), `network ${k}`).toEqual(Array.from(bits(expected[k]))));
  });
});
