import * as tf from '@tensorflow/tfjs-core';
// The trace runs on the active backend; when none was chosen (a library caller exporting without initBackend),
// tfjs starts the CPU one registered by this import.
import '@tensorflow/tfjs-backend-cpu';
import { PrnnError } from '@prnn/core';
import type { Architecture, ArchInfo, OnnxMetadata } from './architecture.js';
import { checkedShapes, singleNetworkParams, stepSizes, type ArchitectureDefinition } from './define-architecture.js';
import type { NodeSpec, TensorSpec } from '../onnx/onnx-proto-writer.js';
import { encodePolicyModel } from '../onnx/encode-policy.js';
import { exportedHeads } from './output-heads.js';
import { traceKernels as trace, type RecordedKernel, type TracedInput } from './step-trace.js';
import { contractMetadata, META, POLICY_INPUTS, POLICY_OUTPUTS } from '../onnx/policy-contract.js';

/*
 * ONNX export of a family's step by tracing: the step runs once on a single network while every tfjs kernel
 * it calls is recorded (engine.runKernel), and each kernel becomes ONNX nodes. Tensors no recorded kernel
 * made (the weights, numbers the step wrote) become initializers; parameter `p` is initializer `param_p`
 * (PARAMETER_INITIALIZER_PREFIX), which is how the weight-fed model (onnx/weight-fed-onnx.ts) finds them.
 * The step is traced twice, at two small batch sizes; a dimension that differs between the two recordings is
 * the batch (Reshape shapes turn it into -1, Slices keep all of it), so the exported policy takes any batch.
 *
 * The step sees a leading network axis G; exported, G = 1. When every recorded kernel keeps that axis in
 * front (elementwise ops, batched MatMuls, Softmax/Concat/Split/Slice/Sum off axis 0, Reshape and Transpose
 * that leave it first), the axis is dropped: nodes compute on [batch, …] directly from `obs` and `state`,
 * and the tensors that become `q` and `state_out` are named so (no Unsqueeze/Reshape around the step). A
 * step that reads `state` with tf.split and writes it with tf.concat then has the form the split-state
 * rewrite (onnx/split-state-policy.ts) cuts out. Otherwise the graph keeps G: `obs` and `state` are
 * unsqueezed to [1, batch, n] and the outputs reshaped back. Nodes whose outputs nothing reads are left out.
 *
 * Kernels that map (tfjs → ONNX): BatchMatMul → MatMul (Transpose for transposeA/B), Add, Sub, Multiply → Mul,
 * RealDiv → Div, Maximum → Max, Minimum → Min, Square → Mul, AddN → a chain of Adds (left to right, as
 * tfjs sums), Tanh, Sigmoid, Relu, Exp, Log, Neg, Abs, Sqrt, Softmax, Concat, SplitV → Split, Reshape,
 * Transpose, Slice, Identity, Sum → ReduceSum. Any other kernel is an error naming it (the family can then
 * provide its own `exportOnnx`).
 */

/** The two batch sizes of the traces. */
const TRACE_BATCHES = [3, 5] as const;

/** Initializer name of parameter `p` in a traced export: `param_p`. */
export const PARAMETER_INITIALIZER_PREFIX = 'param_';

type ExportOnnx = NonNullable<Architecture['exportOnnx']>;
const tracedExports = new WeakSet<ExportOnnx>();

/** The `exportOnnx` of a family that traces `def`'s step (what `defineArchitecture` gives a family without its own). */
export function tracedExportOnnx(def: ArchitectureDefinition): ExportOnnx {
  const f: ExportOnnx = (arch, weights, metadata, channels) => exportStepOnnx(def, arch, weights, metadata, channels);
  tracedExports.add(f);
  return f;
}

/** Whether `f` is a traced export (tracedExportOnnx): its policies hold parameter `p` as initializer `param_p` and nothing else depends on the weights. */
export function isTracedExport(f: Architecture['exportOnnx']): boolean {
  return f !== undefined && tracedExports.has(f);
}

const SAME_NAME: Record<string, string> = {
  Add: 'Add', AddV2: 'Add', Sub: 'Sub', Multiply: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min',
  Tanh: 'Tanh', Sigmoid: 'Sigmoid', Relu: 'Relu', Exp: 'Exp', Log: 'Log', Neg: 'Neg', Abs: 'Abs', Sqrt: 'Sqrt', Identity: 'Identity',
};

const ELEMENTWISE = new Set([...Object.keys(SAME_NAME), 'Square', 'AddN']);

function axisOf(axis: unknown, rank: number): number {
  const a = Array.isArray(axis) ? axis[0] : (axis as number);
  return a < 0 ? a + rank : a;
}

/**
 * Whether every kernel keeps the network axis G (size 1) first, so that it can be dropped: each output
 * starts with a unit axis, and no kernel works along axis 0 or moves it.
 */
function keepsGroupAxisFirst(recorded: readonly RecordedKernel[]): boolean {
  for (const r of recorded) {
    if (r.outputs.some((t) => t.rank < 2 || t.shape[0] !== 1)) return false;
    const rank = r.inputs[0].rank;
    if (ELEMENTWISE.has(r.kernel)) continue;
    switch (r.kernel) {
      case 'BatchMatMul':
        if (r.inputs.some((t) => t.rank !== 3)) return false;
        continue;
      case 'Softmax':
        if (axisOf(r.attrs.dim ?? -1, rank) === 0) return false;
        continue;
      case 'Concat':
      case 'SplitV':
        if (axisOf(r.attrs.axis, rank) === 0) return false;
        continue;
      case 'Reshape':
        if (r.inputs[0].shape[0] !== 1) return false;
        continue;
      case 'Transpose':
        if ((r.attrs.perm as number[])[0] !== 0) return false;
        continue;
      case 'Slice':
        if ((r.attrs.begin as number[])[0] !== 0) return false;
        continue;
      case 'Sum':
        if ((Array.isArray(r.attrs.axis) ? r.attrs.axis : [r.attrs.axis]).some((a) => axisOf(a, rank) === 0)) return false;
        continue;
      default:
        return true; // an unmapped kernel: the export below names it
    }
  }
  return true;
}

/** Drops nodes none of whose outputs is read by another node or is one of `outputs` (from the end backwards). */
function withoutUnusedNodes(nodes: readonly NodeSpec[], outputs: readonly string[]): NodeSpec[] {
  const read = new Set(outputs);
  const kept: NodeSpec[] = [];
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    if (!n.outputs.some((o) => read.has(o))) continue;
    for (const i of n.inputs) read.add(i);
    kept.push(n);
  }
  return kept.reverse();
}

/** The ONNX policy (contract prnn-policy/1) of one network of a family defined by its step. */
export function exportStepOnnx(
  def: ArchitectureDefinition,
  arch: ArchInfo,
  weights: Readonly<Record<string, Float32Array>>,
  metadata: OnnxMetadata,
  channels: number,
): Uint8Array {
  const sizes = stepSizes(channels);
  const { inputs: I, outputs: O } = sizes;
  const S = def.stateSize(arch, sizes);
  const shapes = checkedShapes(def, arch, sizes);

  let nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const names = new Map<number, string>();
  let counter = 0;
  const fresh = (hint: string) => `${hint}_${counter++}`;
  const int64 = (values: readonly number[]): string => {
    const name = fresh('const_i64');
    initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    return name;
  };

  tf.tidy(() => {
    const params = singleNetworkParams(shapes, weights);
    const [B, B2] = TRACE_BATCHES;
    const state = tf.zeros([1, B, S]) as tf.Tensor3D;
    const obs = tf.zeros([1, B, I]) as tf.Tensor3D;
    const { result, recorded } = trace(() => def.step(params, state, obs, null, arch));
    // the same step at another batch size: which dimensions are the batch
    const other = trace(() => def.step(params, tf.zeros([1, B2, S]) as tf.Tensor3D, tf.zeros([1, B2, I]) as tf.Tensor3D, null, arch)).recorded;
    if (other.length !== recorded.length || other.some((r, k) => r.kernel !== recorded[k].kernel)) {
      throw new PrnnError(`the step of ${def.family} calls different kernels at different batch sizes, which this exporter cannot write; give the family its own exportOnnx`);
    }
    const isBatch = (a: readonly number[], b: readonly number[]) => a.map((d, k) => d !== b[k]);
    // with the network axis dropped, every shape, axis and permutation below loses its first entry
    const flat = keepsGroupAxisFirst(recorded);
    const g = flat ? 1 : 0;

    for (const [name, t] of Object.entries(params)) {
      names.set(t.id, `${PARAMETER_INITIALIZER_PREFIX}${name}`);
      initializers.push({ name: `${PARAMETER_INITIALIZER_PREFIX}${name}`, dims: t.shape.slice(g), data: t.dataSync() as Float32Array });
    }
    if (flat) {
      names.set(state.id, POLICY_INPUTS.state);
      names.set(obs.id, POLICY_INPUTS.obs);
    } else {
      names.set(state.id, 'state_3d');
      names.set(obs.id, 'obs_3d');
      nodes.push({ opType: 'Unsqueeze', inputs: [POLICY_INPUTS.state, int64([0])], outputs: ['state_3d'] });
      nodes.push({ opType: 'Unsqueeze', inputs: [POLICY_INPUTS.obs, int64([0])], outputs: ['obs_3d'] });
    }

    /** A constant's dims: a leading unit axis aligned with G is dropped too (it would add an axis when broadcast). */
    const constantDims = (t: TracedInput, rank: number): number[] => (flat && t.rank === rank && t.shape[0] === 1 ? t.shape.slice(1) : t.shape);
    const nameOf = (t: TracedInput, rank = 0): string => {
      const known = names.get(t.id);
      if (known) return known;
      if (!t.data) throw new PrnnError(`the step of ${def.family} uses a ${t.dtype} constant, which this exporter cannot write; give the family its own exportOnnx`);
      const name = fresh('const');
      initializers.push({ name, dims: constantDims(t, rank), data: t.data });
      names.set(t.id, name);
      return name;
    };
    const traced = (t: tf.Tensor): TracedInput => ({ id: t.id, shape: [...t.shape], rank: t.rank, dtype: t.dtype, data: null });
    for (const [k, r] of recorded.entries()) {
      const twin = other[k];
      r.inputs.forEach((t, j) => {
        if (!names.has(t.id) && isBatch(t.shape, twin.inputs[j].shape).some(Boolean)) {
          throw new PrnnError(`the step of ${def.family} makes a constant whose shape depends on the batch, which this exporter cannot write; give the family its own exportOnnx`);
        }
      });
      const outRank = r.outputs[0].rank;
      const ins = r.inputs.map((t) => nameOf(t, outRank));
      const outs = r.outputs.map((t) => {
        const name = fresh(r.kernel.toLowerCase());
        names.set(t.id, name);
        return name;
      });
      const x = r.inputs[0];
      const axis = (a: unknown): number => axisOf(a, x.rank) - g;
      const simple = SAME_NAME[r.kernel];
      if (simple) {
        nodes.push({ opType: simple, inputs: ins, outputs: outs });
      } else if (r.kernel === 'AddN') {
        let acc = ins[0];
        for (let k = 1; k < ins.length; k++) {
          const out = k === ins.length - 1 ? outs[0] : fresh('addn_partial');
          nodes.push({ opType: 'Add', inputs: [acc, ins[k]], outputs: [out] });
          acc = out;
        }
        if (ins.length === 1) nodes.push({ opType: 'Identity', inputs: ins, outputs: outs });
      } else if (r.kernel === 'Square') {
        nodes.push({ opType: 'Mul', inputs: [ins[0], ins[0]], outputs: outs });
      } else if (r.kernel === 'BatchMatMul') {
        const side = (name: string, t: TracedInput, transpose: unknown): string => {
          if (!transpose) return name;
          const perm = [...Array(t.rank - g).keys()];
          [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
          const out = fresh('transpose');
          nodes.push({ opType: 'Transpose', inputs: [name], outputs: [out], attributes: [{ name: 'perm', value: perm }] });
          return out;
        };
        nodes.push({ opType: 'MatMul', inputs: [side(ins[0], r.inputs[0], r.attrs.transposeA), side(ins[1], r.inputs[1], r.attrs.transposeB)], outputs: outs });
      } else if (r.kernel === 'Softmax') {
        nodes.push({ opType: 'Softmax', inputs: ins, outputs: outs, attributes: [{ name: 'axis', value: axis(r.attrs.dim ?? -1) }] });
      } else if (r.kernel === 'Concat') {
        nodes.push({ opType: 'Concat', inputs: ins, outputs: outs, attributes: [{ name: 'axis', value: axis(r.attrs.axis) }] });
      } else if (r.kernel === 'SplitV') {
        const a = axisOf(r.attrs.axis, x.rank);
        nodes.push({ opType: 'Split', inputs: [ins[0], int64(r.outputs.map((t) => t.shape[a]))], outputs: outs, attributes: [{ name: 'axis', value: a - g }] });
      } else if (r.kernel === 'Reshape') {
        const batch = isBatch(r.outputs[0].shape, twin.outputs[0].shape).slice(g);
        const shape = r.outputs[0].shape.slice(g).map((d, j) => (batch[j] ? -1 : d));
        nodes.push({ opType: 'Reshape', inputs: [ins[0], int64(shape)], outputs: outs });
      } else if (r.kernel === 'Transpose') {
        const perm = (r.attrs.perm as number[]).slice(g).map((p) => p - g);
        nodes.push({ opType: 'Transpose', inputs: ins, outputs: outs, attributes: [{ name: 'perm', value: perm }] });
      } else if (r.kernel === 'Slice') {
        const begin = (r.attrs.begin as number[]).slice(g);
        const sizeAttr = (r.attrs.size as number[]).slice(g);
        const batch = isBatch(x.shape, twin.inputs[0].shape).slice(g);
        const ends = begin.map((b, j) => (sizeAttr[j] === -1 || batch[j] ? 2 ** 31 - 1 : b + sizeAttr[j]));
        nodes.push({ opType: 'Slice', inputs: [ins[0], int64(begin), int64(ends), int64(begin.map((_, k) => k))], outputs: outs });
      } else if (r.kernel === 'Sum') {
        const axes = (Array.isArray(r.attrs.axis) ? r.attrs.axis : [r.attrs.axis]).map((a) => axis(a));
        nodes.push({ opType: 'ReduceSum', inputs: [ins[0], int64(axes)], outputs: outs, attributes: [{ name: 'keepdims', value: r.attrs.keepDims ? 1 : 0 }] });
      } else {
        throw new PrnnError(
          `the step of ${def.family} uses tfjs kernel ${r.kernel}, which has no ONNX mapping here; give the family its own exportOnnx`,
        );
      }
    }
    const output = nameOf(traced(result.output));
    const nextState = nameOf(traced(result.state));
    if (flat) {
      // name the step's results q and state_out where a node makes them, else copy them there
      const produced = new Set(nodes.flatMap((n) => n.outputs));
      const rename = new Map<string, string>();
      const finals: [string, string][] = [[output, POLICY_OUTPUTS.q], [nextState, POLICY_OUTPUTS.stateOut]];
      for (const [from, to] of finals) {
        if (produced.has(from) && !rename.has(from)) rename.set(from, to);
        else nodes.push({ opType: 'Identity', inputs: [rename.get(from) ?? from], outputs: [to] });
      }
      const renamed = (s: string) => rename.get(s) ?? s;
      nodes = nodes.map((n) => ({ ...n, inputs: n.inputs.map(renamed), outputs: n.outputs.map(renamed) }));
    } else {
      nodes.push({ opType: 'Reshape', inputs: [output, int64([-1, O])], outputs: [POLICY_OUTPUTS.q] });
      nodes.push({ opType: 'Reshape', inputs: [nextState, int64([-1, S])], outputs: [POLICY_OUTPUTS.stateOut] });
    }
  });
  nodes = withoutUnusedNodes(nodes, [POLICY_OUTPUTS.q, POLICY_OUTPUTS.stateOut]);
  const used = new Set(nodes.flatMap((n) => n.inputs));
  const kept = initializers.filter((t) => used.has(t.name) || t.name.startsWith(PARAMETER_INITIALIZER_PREFIX));

  const flags = arch.flags ? Object.keys(arch.flags) : [];
  const meta = contractMetadata(I, S, {
    [META.family]: def.family,
    [META.architecture]: arch.name,
    ...(arch.referenceIndex !== undefined ? { [META.referenceIndex]: String(arch.referenceIndex) } : {}),
    ...(flags.length ? { [META.flags]: `${flags.join(',')}=${flags.map((f) => (arch.flags![f] ? '1' : '0')).join('')}` } : {}),
    [META.hidden]: String(arch.hidden),
    [META.channels]: String(channels),
    [META.parameters]: String(arch.parameters),
    ...metadata,
  });
  return encodePolicyModel({
    graphName: `prnn_${def.family}_${arch.name}`,
    docString: `prnn ${def.family} network ${arch.name}, traced from its step; ${meta[META.contract]}`,
    metadata: meta,
    nodes,
    initializers: kept,
    obsSize: I,
    stateSize: S,
    heads: exportedHeads(weights, S),
  });
}
