import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@prnn/core';
import {
  buildNinePathwayOnnx,
  builtinPlugins,
  contractMetadata,
  createContainer,
  encodeOnnxModel,
  OnnxDataType,
  encodePolicyModel,
  initBackend,
  archInfo,
  ninePathwayDefinition,
  OnnxPolicy,
  parseArch,
  readOnnxGraph,
  type ArchitectureDefinition,
  type PrnnPlugin,
  type NodeSpec,
  type TensorSpec,
} from '@prnn/agents';
import lowRankPlugin, { LOWRANK_FAMILY, lowRankDefinition } from '@prnn/plugin-lowrank-rnn';
import gruPlugin, { GRU_FAMILY, gruDefinition } from '@prnn/plugin-gru';
import {
  networkSensitivity,
  networkStepSensitivity,
  programSensitivity,
  onnxExactSensitivity,
  onnxProgram,
  ONNX_EXACT_JACOBIAN,
  FINITE_DIFFERENCE_JACOBIAN,
  finiteDifferenceSensitivity,
  finiteDifferenceSensitivity64,
  DoubleSession,
  type OnnxProgram,
} from '../src/index.js';
import { I, O, randomTrials, weightsOf } from './jacobian-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

// Most tests use few trials (12–16): every (trial, step, lag) entry is compared, and trials of every length
// 1 … T occur (randomTrials). One test runs the analysis' 1 000 trials of the Track task's length on FC.

function program(bytes: Uint8Array): OnnxProgram {
  const made = onnxProgram(bytes);
  if (!('program' in made)) throw new Error(made.reason);
  return made.program;
}

/** max over entries of |a − b| / (|b| + floor): relative error, with `floor` for entries that are exactly 0. */
function maxRelDiff(a: Float64Array, b: Float64Array, floor = 1e-30): number {
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]) / (Math.abs(b[k]) + floor));
  return worst;
}

describe('exact Jacobians of an ONNX policy (float64 forward-mode interpreter)', () => {
  it("equal the derived (compiled) kernel's on prnn's exported 9-pathway networks, entry by entry to 1e-5 relative", async () => {
    for (const spec of ['fc', 'hh+oh', 'ff', 'ii+oi', 'oo+io+hi']) {
      const arch = parseArch(spec);
      const weights = weightsOf(arch, 7);
      const trials = randomTrials(14, 6, 8);
      const fused = programSensitivity(ninePathwayDefinition, archInfo(arch), weights, trials)!.profile;
      const bytes = buildNinePathwayOnnx(arch, weights);
      const policy = await OnnxPolicy.load(bytes);
      try {
        const r = await onnxExactSensitivity(program(bytes), policy.stateSize, trials, { engine: policy, chunk: 5 });
        expect(r.forwardDeviation, spec).toBeLessThan(1e-5);
        // the derived kernel is float64 with float32 weights, like the interpreter, and both differentiate the softmax
        // without cancellation: they agree to rounding even where S(t,0) is tiny (10⁻⁵ is what the analysis needs)
        expect(maxRelDiff(r.profile.s, fused.s), spec).toBeLessThan(1e-9);
        // and the comparison is not vacuous: deep lags are non-zero for recurrent networks
        const deep = fused.s[(0 * 6 + 5) * 6 + 5];
        if (spec !== 'ff') expect(deep, spec).toBeGreaterThan(0);
        else expect(deep).toBe(0);
      } finally {
        await policy.release();
      }
    }
  });

  it("equal the derived (compiled) kernel's on FC over the analysis' 1 000 trials of the Track task's 6 steps", async () => {
    const arch = parseArch('fc');
    const weights = weightsOf(arch, 11);
    const trials = randomTrials(1000, 6, 12);
    const fused = programSensitivity(ninePathwayDefinition, archInfo(arch), weights, trials)!.profile;
    const bytes = buildNinePathwayOnnx(arch, weights);
    const policy = await OnnxPolicy.load(bytes);
    try {
      const r = await onnxExactSensitivity(program(bytes), policy.stateSize, trials, { engine: policy });
      expect(r.forwardDeviation).toBeLessThan(1e-5);
      expect(maxRelDiff(r.profile.s, fused.s)).toBeLessThan(1e-5);
      let nonZero = 0;
      for (let k = 0; k < fused.s.length; k++) if (fused.s[k] > 0) nonZero++;
      expect(nonZero).toBeGreaterThan(1000 * 6);
    } finally {
      await policy.release();
    }
  });

  it('keep full relative precision where the softmax saturates (S(t,0) down to 1e-14), fused kernel and interpreter alike', async () => {
    // ff: o = softmax(relu(s·W_ih)·W_ho). Oracle: ∂o/∂s = (diag(o) − o·oᵀ)·W_hoᵀ·diag(mask)·W_ihᵀ with the diagonal
    // entry of a saturated output written o_m·Σ_{j≠m} o_j, so no difference of nearly equal numbers is formed
    const arch = parseArch('ff');
    const weights = weightsOf(arch, 11, 30);
    const T = 3;
    const trials = randomTrials(40, T, 12);
    const H = arch.hidden;
    let tiny = 0;
    const oracle = new Float64Array(trials.count * T * T);
    for (let n = 0; n < trials.count; n++) {
      for (let t = 0; t < trials.lengths[n]; t++) {
        const s = Array.from(trials.obs.subarray((n * T + t) * I, (n * T + t + 1) * I));
        const pre = Array.from({ length: H }, (_, j) => s.reduce((acc, v, e) => acc + v * weights.ih[e * H + j], 0));
        const h = pre.map((v) => Math.max(v, 0));
        const z = Array.from({ length: O }, (_, a) => h.reduce((acc, v, j) => acc + v * weights.ho[j * O + a], 0));
        const max = Math.max(...z);
        const ez = z.map((v) => Math.exp(v - max));
        const total = ez.reduce((x, y) => x + y, 0);
        const o = ez.map((v) => v / total);
        let sum = 0;
        for (let a = 0; a < O; a++) {
          for (let e = 0; e < I; e++) {
            let g = 0;
            for (let b = 0; b < O; b++) {
              const others = o.reduce((acc, v, k) => (k === a ? acc : acc + v), 0);
              const jab = a === b ? o[a] * others : -o[a] * o[b];
              let dz = 0;
              for (let j = 0; j < H; j++) if (pre[j] > 0) dz += weights.ho[j * O + b] * weights.ih[e * H + j];
              g += jab * dz;
            }
            sum += g * g;
          }
        }
        oracle[(n * T + t) * T] = Math.sqrt(sum);
        if (Math.sqrt(sum) < 1e-10) tiny++;
      }
    }
    expect(tiny).toBeGreaterThan(3);
    const fused = programSensitivity(ninePathwayDefinition, archInfo(arch), weights, trials)!.profile;
    const bytes = buildNinePathwayOnnx(arch, weights);
    const exact = await onnxExactSensitivity(program(bytes), arch.inputs + arch.hidden + arch.outputs, trials);
    const lag0 = (p: Float64Array) => p.filter((_, k) => k % T === 0);
    expect(maxRelDiff(lag0(fused.s), lag0(oracle), 1e-300)).toBeLessThan(1e-9);
    expect(maxRelDiff(lag0(exact.profile.s), lag0(oracle), 1e-300)).toBeLessThan(1e-9);
  });

  /** A plugin family's traced ONNX export, analysed exactly, against tfjs autodiff through its step. */
  async function expectExactEqualsAutodiff(plugin: PrnnPlugin, family: string, definition: ArchitectureDefinition, spec: string, seed: number): Promise<void> {
    const registry = createContainer([...builtinPlugins(), plugin]);
    const architecture = registry.architecture(family);
    const arch = registry.resolveArch(spec, { channels: 2, hidden: 8 });
    const weights = definition.init(arch, { channels: 2, inputs: I, outputs: O }, Rng.derive(seed, 1));
    for (const m of Object.values(weights)) for (let k = 0; k < m.length; k++) m[k] *= 2.5;
    const trials = randomTrials(9, 6, seed + 1);
    const net = architecture.network!(arch, weights, 2);
    const bytes = architecture.exportOnnx!(arch, weights, {}, 2);
    const policy = await OnnxPolicy.load(bytes);
    try {
      const auto = networkStepSensitivity(net, trials, { rows: 64 }).profile.s;
      const r = await onnxExactSensitivity(program(bytes), policy.stateSize, trials, { engine: policy });
      expect(r.forwardDeviation).toBeLessThan(1e-5);
      // autodiff runs in float32: compare relative to the largest entry, as its own test against an oracle does
      const scale = auto.reduce((m, v) => Math.max(m, v), 0);
      expect(scale).toBeGreaterThan(1e-2);
      expect(maxRelDiff(r.profile.s, auto, scale)).toBeLessThan(1e-5);
      expect(r.profile.s[(0 * 6 + 5) * 6 + 3]).toBeGreaterThan(1e-6);
    } finally {
      net.dispose();
      await policy.release();
    }
  }

  it('equal tfjs autodiff of the lowrank-r2 plugin family, exported by its traced ONNX exporter', async () => {
    await expectExactEqualsAutodiff(lowRankPlugin, LOWRANK_FAMILY, lowRankDefinition, 'lowrank-r2', 21);
  });

  it('equal tfjs autodiff of the GRU plugin family, exported by its traced ONNX exporter', async () => {
    await expectExactEqualsAutodiff(gruPlugin, GRU_FAMILY, gruDefinition, 'gru', 31);
  });
});

// ---- a policy laid out as PyTorch's exporter lays out an Elman RNN cell with a linear read-out ----
// h = tanh(obs·W_ihᵀ + b_ih + h⁻·W_hhᵀ + b_hh) (Gemm with transB = 1), q = softmax(h·W_oᵀ + b_o),
// state = [h, step counter]; the state is split with Slice (starts/ends/axes/steps inputs), the outputs are
// joined with Concat, and the counter goes through Split + Identity + Add of a Constant.
const H = 6;
const S = H + 1;

function torchStyleWeights(seed: number) {
  const rng = Rng.derive(seed, 5);
  const u = (n: number, k: number) => Float32Array.from({ length: n }, () => (2 * rng.float() - 1) * k);
  return { wih: u(H * I, 1.2), bih: u(H, 0.5), whh: u(H * H, 1.1), bhh: u(H, 0.5), wo: u(O * H, 2.5), bo: u(O, 0.5) };
}

function torchStyleModel(w: ReturnType<typeof torchStyleWeights>, extraOp?: string): Uint8Array {
  const i64 = (name: string, v: number[]): TensorSpec => ({ name, dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
  const f32 = (name: string, dims: number[], data: Float32Array): TensorSpec => ({ name, dims, data });
  const initializers: TensorSpec[] = [
    f32('rnn.weight_ih', [H, I], w.wih), f32('rnn.bias_ih', [H], w.bih),
    f32('rnn.weight_hh', [H, H], w.whh), f32('rnn.bias_hh', [H], w.bhh),
    f32('head.weight', [O, H], w.wo), f32('head.bias', [O], w.bo),
    i64('onnx::Slice_0', [0]), i64('onnx::Slice_h', [H]), i64('onnx::Slice_axes', [1]), i64('onnx::Slice_steps', [1]),
    i64('onnx::Slice_end', [S]), i64('split_sizes', [1]),
  ];
  const nodes: NodeSpec[] = [
    { opType: 'Slice', name: '/Slice', inputs: ['state', 'onnx::Slice_0', 'onnx::Slice_h', 'onnx::Slice_axes', 'onnx::Slice_steps'], outputs: ['/Slice_output_0'] },
    { opType: 'Slice', name: '/Slice_1', inputs: ['state', 'onnx::Slice_h', 'onnx::Slice_end', 'onnx::Slice_axes', 'onnx::Slice_steps'], outputs: ['/Slice_1_output_0'] },
    { opType: 'Gemm', name: '/rnn/Gemm', inputs: ['obs', 'rnn.weight_ih', 'rnn.bias_ih'], outputs: ['/rnn/Gemm_output_0'], attributes: [{ name: 'alpha', value: 1, float: true }, { name: 'beta', value: 1, float: true }, { name: 'transB', value: 1 }] },
    { opType: 'Gemm', name: '/rnn/Gemm_1', inputs: ['/Slice_output_0', 'rnn.weight_hh', 'rnn.bias_hh'], outputs: ['/rnn/Gemm_1_output_0'], attributes: [{ name: 'alpha', value: 1, float: true }, { name: 'beta', value: 1, float: true }, { name: 'transB', value: 1 }] },
    { opType: 'Add', name: '/rnn/Add', inputs: ['/rnn/Gemm_output_0', '/rnn/Gemm_1_output_0'], outputs: ['/rnn/Add_output_0'] },
    { opType: extraOp ?? 'Tanh', name: '/rnn/Tanh', inputs: ['/rnn/Add_output_0'], outputs: ['/rnn/Tanh_output_0'] },
    { opType: 'Gemm', name: '/head/Gemm', inputs: ['/rnn/Tanh_output_0', 'head.weight', 'head.bias'], outputs: ['/head/Gemm_output_0'], attributes: [{ name: 'alpha', value: 1, float: true }, { name: 'beta', value: 1, float: true }, { name: 'transB', value: 1 }] },
    { opType: 'Softmax', name: '/Softmax', inputs: ['/head/Gemm_output_0'], outputs: ['q'], attributes: [{ name: 'axis', value: -1 }] },
    { opType: 'Split', name: '/Split', inputs: ['/Slice_1_output_0', 'split_sizes'], outputs: ['/Split_output_0'], attributes: [{ name: 'axis', value: 1 }] },
    { opType: 'Identity', name: '/Identity', inputs: ['/Split_output_0'], outputs: ['/Identity_output_0'] },
    { opType: 'Concat', name: '/Concat', inputs: ['/rnn/Tanh_output_0', '/Identity_output_0'], outputs: ['state_out'], attributes: [{ name: 'axis', value: 1 }] },
  ];
  return encodePolicyModel({ graphName: 'main_graph', docString: 'a PyTorch-style Elman cell', metadata: contractMetadata(I, S), nodes, initializers, obsSize: I, stateSize: S });
}

/** The oracle: the cell written out in float64 from its definition. */
function torchStyleOutputs(w: ReturnType<typeof torchStyleWeights>, s: Float64Array, T: number, activation: (x: number) => number = Math.tanh): Float64Array {
  const out = new Float64Array(T * O);
  let h = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const next = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let z = w.bih[j] + w.bhh[j];
      for (let e = 0; e < I; e++) z += s[t * I + e] * w.wih[j * I + e];
      for (let k = 0; k < H; k++) z += h[k] * w.whh[j * H + k];
      next[j] = activation(z);
    }
    h = next;
    const z = new Float64Array(O);
    for (let a = 0; a < O; a++) {
      z[a] = w.bo[a];
      for (let j = 0; j < H; j++) z[a] += h[j] * w.wo[a * H + j];
    }
    const max = Math.max(...z);
    let sum = 0;
    for (let a = 0; a < O; a++) sum += (z[a] = Math.exp(z[a] - max));
    for (let a = 0; a < O; a++) out[t * O + a] = z[a] / sum;
  }
  return out;
}

describe('a policy prnn did not write (PyTorch-style Gemm / Tanh / Softmax / Concat / Slice / Split graph)', () => {
  it('is decoded with its ops in file order', () => {
    const graph = readOnnxGraph(torchStyleModel(torchStyleWeights(3)));
    expect(graph.opset).toBe(17);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Slice', 'Slice', 'Gemm', 'Gemm', 'Add', 'Tanh', 'Gemm', 'Softmax', 'Split', 'Identity', 'Concat']);
    expect(graph.nodes[2].attributes.transB).toEqual({ kind: 'int', value: 1 });
    expect(graph.initializers.get('rnn.weight_ih')!.dims).toEqual([H, I]);
  });

  it("is analysed exactly: forward equal to onnxruntime's, Jacobians equal to float64 central differences of an independent forward", async () => {
    const w = torchStyleWeights(3);
    const bytes = torchStyleModel(w);
    const T = 6;
    const trials = randomTrials(10, T, 4);
    const policy = await OnnxPolicy.load(bytes);
    try {
      const r = await onnxExactSensitivity(program(bytes), S, trials, { engine: policy, full: true, chunk: 4 });
      expect(r.forwardDeviation).toBeLessThan(1e-5);
      const j = r.jacobians!.j;
      let worst = 0;
      let scale = 0;
      const step = 1e-6;
      for (let n = 0; n < trials.count; n++) {
        const L = trials.lengths[n];
        const s = Float64Array.from(trials.obs.subarray(n * T * I, (n * T + L) * I));
        for (let tau = 0; tau < L; tau++) {
          for (let e = 0; e < I; e++) {
            const x = s[tau * I + e];
            s[tau * I + e] = x + step;
            const plus = torchStyleOutputs(w, s, L);
            s[tau * I + e] = x - step;
            const minus = torchStyleOutputs(w, s, L);
            s[tau * I + e] = x;
            for (let t = tau; t < L; t++) {
              for (let a = 0; a < O; a++) {
                const oracle = (plus[t * O + a] - minus[t * O + a]) / (2 * step);
                scale = Math.max(scale, Math.abs(oracle));
                worst = Math.max(worst, Math.abs(j[((((n * T + t) * T + tau) * O + a) * I) + e] - oracle));
              }
            }
          }
        }
      }
      expect(scale).toBeGreaterThan(1e-2);
      expect(worst / scale).toBeLessThan(1e-6);
    } finally {
      await policy.release();
    }
  });

  it('with an op outside the interpreter falls back to finite differences in float64 (graph rewritten for onnxruntime)', async () => {
    const w = torchStyleWeights(3);
    const bytes = torchStyleModel(w, 'Abs');
    const policy = await OnnxPolicy.load(bytes);
    try {
      const T = 6;
      const trials = randomTrials(8, T, 5);
      const source = { arch: { family: 'onnx', name: 'policy', hidden: Number.NaN, parameters: Number.NaN }, weights: {}, engine: policy, onnx: { bytes, stateSize: S } };
      const r = await networkSensitivity(source, trials);
      expect(r.jacobian).toBe(FINITE_DIFFERENCE_JACOBIAN);
      expect(r.note).toBe('approximate: central finite differences through onnxruntime in float64 (h = 0.00001) because ops outside the interpreter: Abs');
      // oracle: S(t,k) from float64 central differences of the cell written out in the test (|·| for tanh)
      const oracle = new Float64Array(trials.count * T * T);
      const step = 1e-6;
      for (let n = 0; n < trials.count; n++) {
        const L = trials.lengths[n];
        const s = Float64Array.from(trials.obs.subarray(n * T * I, (n * T + L) * I));
        const sq = new Float64Array(T * T);
        for (let tau = 0; tau < L; tau++) {
          for (let e = 0; e < I; e++) {
            const x = s[tau * I + e];
            s[tau * I + e] = x + step;
            const plus = torchStyleOutputs(w, s, L, Math.abs);
            s[tau * I + e] = x - step;
            const minus = torchStyleOutputs(w, s, L, Math.abs);
            s[tau * I + e] = x;
            for (let t = tau; t < L; t++) for (let a = 0; a < O; a++) sq[t * T + (t - tau)] += ((plus[t * O + a] - minus[t * O + a]) / (2 * step)) ** 2;
          }
        }
        for (let k = 0; k < T * T; k++) oracle[n * T * T + k] = Math.sqrt(sq[k]);
      }
      const scale = oracle.reduce((m, v) => Math.max(m, v), 0);
      const err64 = oracle.reduce((m, v, k) => Math.max(m, Math.abs(r.profile.s[k] - v)), 0) / scale;
      const fd32 = await finiteDifferenceSensitivity(policy, trials);
      const err32 = oracle.reduce((m, v, k) => Math.max(m, Math.abs(fd32.profile.s[k] - v)), 0) / scale;
      expect(scale).toBeGreaterThan(1e-2);
      expect(err64).toBeLessThan(1e-7);
      expect(err32).toBeGreaterThan(10 * err64);
    } finally {
      await policy.release();
    }
  });

  it('with an op outside the interpreter falls back to finite differences and says why', async () => {
    const bytes = torchStyleModel(torchStyleWeights(3), 'Elu');
    expect(onnxProgram(bytes)).toEqual({ reason: 'ops outside the interpreter: Elu' });
    const policy = await OnnxPolicy.load(bytes);
    const good = await OnnxPolicy.load(torchStyleModel(torchStyleWeights(3)));
    const w = torchStyleWeights(3);
    const other = { ...w, wo: w.wo.map((v, k) => (k === 0 ? v * 1.01 + 0.01 : v)) };
    const bad = await OnnxPolicy.load(torchStyleModel(other));
    try {
      const trials = randomTrials(4, 6, 4);
      const source = { arch: { family: 'onnx', name: 'policy', hidden: Number.NaN, parameters: Number.NaN }, weights: {}, engine: policy, onnx: { bytes, stateSize: S } };
      const r = await networkSensitivity(source, trials);
      expect(r.jacobian).toBe(FINITE_DIFFERENCE_JACOBIAN);
      // onnxruntime has no float64 Elu: float32 differences, and the note says both reasons
      expect(r.note).toMatch(/^approximate: central finite differences through onnxruntime in float32 \(h = 0\.001\) because ops outside the interpreter: Elu; float64 not possible: onnxruntime cannot run the policy in float64/);
      const exact = await networkSensitivity({ ...source, engine: good, onnx: { bytes: torchStyleModel(w), stateSize: S } }, trials);
      expect(exact.jacobian).toBe(ONNX_EXACT_JACOBIAN);
      expect(exact.note).toMatch(/^exact: forward-mode/);
      // the forward check: onnxruntime running a model whose head differs by 1 % in one weight is caught, and the
      // analysis falls back to finite differences through onnxruntime's model
      const mismatch = await networkSensitivity({ ...source, engine: bad, onnx: { bytes: torchStyleModel(w), stateSize: S } }, trials);
      expect(mismatch.jacobian).toBe(FINITE_DIFFERENCE_JACOBIAN);
      expect(mismatch.note).toMatch(/because the interpreter's forward pass differs from onnxruntime's by .* more than 0\.0001/);
    } finally {
      await policy.release();
      await good.release();
      await bad.release();
    }
  });
});

// ---- every op of the interpreter in one policy ----
function kitchenSinkModel(seed: number): Uint8Array {
  const rng = Rng.derive(seed, 9);
  const u = (n: number, k = 1) => Float32Array.from({ length: n }, () => (2 * rng.float() - 1) * k);
  const i64 = (name: string, dims: number[], v: number[]): TensorSpec => ({ name, dims, data: BigInt64Array.from(v.map(BigInt)) });
  const SS = 6;
  const initializers: TensorSpec[] = [
    { name: 'W1', dims: [6, 8], data: u(48, 1.5) }, { name: 'b1', dims: [6], data: u(6) },
    { name: 'W2', dims: [2, 4], data: u(8, 1.5) }, { name: 'W3', dims: [21, 5], data: u(105, 1.5) },
    { name: 'c5', dims: [5], data: u(5) }, { name: 'W4', dims: [21, 6], data: u(126, 1.2) },
    i64('zero', [], [0]), i64('axes0', [1], [0]), i64('axes2', [1], [2]), i64('axis1', [1], [1]), i64('tail', [2], [2, 3]),
    i64('s0', [1], [0]), i64('s6', [1], [SS]), i64('split', [2], [2, 4]), i64('pick', [3], [3, 0, 5]),
  ];
  const n = (opType: string, inputs: string[], outputs: string[], attributes: NodeSpec['attributes'] = []): NodeSpec => ({ opType, name: outputs[0], inputs, outputs, attributes });
  const nodes: NodeSpec[] = [
    n('Gemm', ['obs', 'W1', 'b1'], ['a'], [{ name: 'transB', value: 1 }, { name: 'alpha', value: 0.7, float: true }, { name: 'beta', value: 0.5, float: true }]),
    n('Shape', ['obs'], ['shape']),
    n('Gather', ['shape', 'zero'], ['batch'], [{ name: 'axis', value: 0 }]),
    n('Unsqueeze', ['batch', 'axes0'], ['batch1']),
    n('Concat', ['batch1', 'tail'], ['newshape'], [{ name: 'axis', value: 0 }]),
    n('Reshape', ['a', 'newshape'], ['r']),
    n('Transpose', ['r'], ['tr'], [{ name: 'perm', value: [0, 2, 1] }]),
    n('MatMul', ['tr', 'W2'], ['m']),
    n('Sigmoid', ['m'], ['sg']),
    n('Flatten', ['sg'], ['fl'], [{ name: 'axis', value: 1 }]),
    n('Slice', ['state', 's0', 's6', 'axis1'], ['p']),
    n('Split', ['p', 'split'], ['p1', 'p2'], [{ name: 'axis', value: 1 }]),
    n('Constant', [], ['half'], [{ name: 'value', value: { name: 'half', dims: [], data: Float32Array.of(0.5) } }]),
    n('Mul', ['p1', 'half'], ['p1h']),
    n('Exp', ['p1h'], ['e']),
    n('Unsqueeze', ['e', 'axes2'], ['eu']),
    n('Squeeze', ['eu', 'axes2'], ['es']),
    n('Neg', ['p2'], ['np2']),
    n('Gather', ['obs', 'pick'], ['g'], [{ name: 'axis', value: 1 }]),
    n('Relu', ['g'], ['gr']),
    n('Concat', ['fl', 'es', 'np2', 'gr'], ['cat'], [{ name: 'axis', value: 1 }]),
    n('MatMul', ['cat', 'W3'], ['z0']),
    n('Sub', ['z0', 'c5'], ['z1']),
    n('Constant', [], ['k'], [{ name: 'value_float', value: 1.5, float: true }]),
    n('Div', ['z1', 'k'], ['z']),
    n('LogSoftmax', ['z'], ['ls'], [{ name: 'axis', value: -1 }]),
    n('Tanh', ['z'], ['tz']),
    n('Add', ['ls', 'tz'], ['y']),
    n('Softmax', ['y'], ['q'], [{ name: 'axis', value: 1 }]),
    n('Gemm', ['cat', 'W4'], ['hp']),
    n('Tanh', ['hp'], ['h']),
    n('Cast', ['h'], ['hc'], [{ name: 'to', value: 1 }]),
    n('Identity', ['hc'], ['state_out']),
  ];
  return encodePolicyModel({ graphName: 'kitchen_sink', docString: 'every op of the interpreter', metadata: contractMetadata(I, SS), nodes, initializers, obsSize: I, stateSize: SS });
}

describe('every op of the interpreter in one policy', () => {
  it("forward equal to onnxruntime's; Jacobians equal to float64 central differences through onnxruntime's float64 run of the graph", async () => {
    const bytes = kitchenSinkModel(13);
    const made = onnxProgram(bytes);
    expect(made).toHaveProperty('program');
    const T = 5;
    const trials = randomTrials(10, T, 14);
    const policy = await OnnxPolicy.load(bytes);
    const double = await DoubleSession.open(bytes, I, 6);
    try {
      const r = await onnxExactSensitivity(program(bytes), 6, trials, { engine: policy, full: true, chunk: 3 });
      expect(r.forwardDeviation).toBeLessThan(1e-5);
      // the oracle differentiates onnxruntime's own (float64) semantics of every op, not the interpreter's
      const fd = await finiteDifferenceSensitivity64(double, trials, { full: true, chunk: 4 });
      const scale = fd.jacobians!.j.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const err = fd.jacobians!.j.reduce((m, v, k) => Math.max(m, Math.abs(r.jacobians!.j[k] - v)), 0) / scale;
      expect(scale).toBeGreaterThan(1e-2);
      expect(err).toBeLessThan(1e-7);
      // lagged entries exist: the state carries earlier inputs forward
      expect(r.profile.s[(0 * T + 4) * T + 3]).toBeGreaterThan(1e-4);
    } finally {
      await policy.release();
      await double.release();
    }
  });
});

describe('an opset-11 policy (attributes where later opsets take inputs)', () => {
  it('Unsqueeze / Squeeze / Split with attributes and Softmax with its default axis run as onnxruntime runs them', async () => {
    const rng = Rng.derive(31, 9);
    const u = (k: number) => Float32Array.from({ length: k }, () => (2 * rng.float() - 1) * 1.5);
    const F = OnnxDataType.FLOAT;
    const bytes = encodeOnnxModel({
      irVersion: 6,
      opsetVersion: 11,
      producerName: 'test',
      producerVersion: '0',
      metadata: contractMetadata(I, 4),
      graph: {
        name: 'opset11',
        nodes: [
          { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['a'] },
          { opType: 'Split', inputs: ['state'], outputs: ['s1', 's2'], attributes: [{ name: 'axis', value: 1 }, { name: 'split', value: [1, 3] }] },
          { opType: 'Unsqueeze', inputs: ['s2'], outputs: ['s2u'], attributes: [{ name: 'axes', value: [1] }] },
          { opType: 'Squeeze', inputs: ['s2u'], outputs: ['s2s'], attributes: [{ name: 'axes', value: [1] }] },
          { opType: 'MatMul', inputs: ['s2s', 'R'], outputs: ['b'] },
          { opType: 'Add', inputs: ['a', 'b'], outputs: ['pre'] },
          { opType: 'Tanh', inputs: ['pre'], outputs: ['h'] },
          { opType: 'MatMul', inputs: ['h', 'V'], outputs: ['z'] },
          { opType: 'Softmax', inputs: ['z'], outputs: ['q'] },
          { opType: 'Concat', inputs: ['s1', 'h'], outputs: ['state_out'], attributes: [{ name: 'axis', value: 1 }] },
        ],
        initializers: [
          { name: 'W', dims: [I, 3], data: u(3 * I) },
          { name: 'R', dims: [3, 3], data: u(9) },
          { name: 'V', dims: [3, O], data: u(3 * O) },
        ],
        inputs: [{ name: 'obs', elemType: F, shape: ['batch', I] }, { name: 'state', elemType: F, shape: ['batch', 4] }],
        outputs: [{ name: 'q', elemType: F, shape: ['batch', O] }, { name: 'state_out', elemType: F, shape: ['batch', 4] }],
      },
    });
    const T = 5;
    const trials = randomTrials(6, T, 32);
    const policy = await OnnxPolicy.load(bytes);
    const double = await DoubleSession.open(bytes, I, 4);
    try {
      const r = await onnxExactSensitivity(program(bytes), 4, trials, { engine: policy, full: true });
      expect(r.forwardDeviation).toBeLessThan(1e-5);
      const fd = await finiteDifferenceSensitivity64(double, trials, { full: true });
      const scale = fd.jacobians!.j.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const err = fd.jacobians!.j.reduce((m, v, k) => Math.max(m, Math.abs(r.jacobians!.j[k] - v)), 0) / scale;
      expect(scale).toBeGreaterThan(1e-2);
      expect(err).toBeLessThan(1e-7);
      expect(r.profile.s[(0 * T + 4) * T + 2]).toBeGreaterThan(1e-5);
    } finally {
      await policy.release();
      await double.release();
    }
  });
});
