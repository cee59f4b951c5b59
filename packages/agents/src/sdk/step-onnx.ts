import * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/core';
import type { ArchInfo, OnnxMetadata } from './architecture.js';
import { checkedShapes, singleNetworkParams, stepSizes, type ArchitectureDefinition } from './define-architecture.js';
import type { NodeSpec, TensorSpec } from '../onnx/onnx-proto-writer.js';
import { encodePolicyModel } from '../onnx/encode-policy.js';
import { exportedHeads } from './output-heads.js';
import { traceKernels as trace, type TracedInput } from './step-trace.js';
import { contractMetadata, META, POLICY_INPUTS, POLICY_OUTPUTS } from '../onnx/policy-contract.js';

/*
 * ONNX export of a family's step by tracing: the step runs once on a single network while every tfjs kernel
 * it calls is recorded (engine.runKernel), and each kernel becomes ONNX nodes. Tensors no recorded kernel
 * made (the weights, numbers the step wrote) become initializers. The batch is traced at a sentinel size
 * that Reshape shapes turn into -1, so the exported policy takes any batch.
 *
 * Kernels that map (tfjs → ONNX): BatchMatMul → MatMul (Transpose for transposeA/B), Add, Sub, Multiply → Mul,
 * RealDiv → Div, Maximum → Max, Minimum → Min, Square → Mul, Tanh, Sigmoid, Relu, Exp, Log, Neg, Abs, Sqrt,
 * Softmax, Concat, SplitV → Split, Reshape, Transpose, Slice, Identity, Sum → ReduceSum. Any other kernel is
 * an error naming it (the family can then provide its own `exportOnnx`).
 */

/** Batch size of the trace; no other dimension of a step should equal it. */
const TRACE_BATCH = 7919;

const SAME_NAME: Record<string, string> = {
  Add: 'Add', AddV2: 'Add', Sub: 'Sub', Multiply: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min',
  AddN: 'Sum', Tanh: 'Tanh', Sigmoid: 'Sigmoid', Relu: 'Relu', Exp: 'Exp', Log: 'Log', Neg: 'Neg', Abs: 'Abs', Sqrt: 'Sqrt', Identity: 'Identity',
};

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
  const B = TRACE_BATCH;

  const nodes: NodeSpec[] = [];
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
    for (const [name, t] of Object.entries(params)) {
      names.set(t.id, `param_${name}`);
      initializers.push({ name: `param_${name}`, dims: t.shape, data: t.dataSync() as Float32Array });
    }
    const state = tf.zeros([1, B, S]) as tf.Tensor3D;
    const obs = tf.zeros([1, B, I]) as tf.Tensor3D;
    names.set(state.id, 'state_3d');
    names.set(obs.id, 'obs_3d');
    nodes.push({ opType: 'Unsqueeze', inputs: [POLICY_INPUTS.state, int64([0])], outputs: ['state_3d'] });
    nodes.push({ opType: 'Unsqueeze', inputs: [POLICY_INPUTS.obs, int64([0])], outputs: ['obs_3d'] });

    const { result, recorded } = trace(() => def.step(params, state, obs, null, arch));

    const nameOf = (t: TracedInput): string => {
      const known = names.get(t.id);
      if (known) return known;
      if (!t.data) throw new PrnnError(`the step of ${def.family} uses a ${t.dtype} constant, which this exporter cannot write; give the family its own exportOnnx`);
      const name = fresh('const');
      initializers.push({ name, dims: t.shape, data: t.data });
      names.set(t.id, name);
      return name;
    };
    const traced = (t: tf.Tensor): TracedInput => ({ id: t.id, shape: [...t.shape], rank: t.rank, dtype: t.dtype, data: null });
    const axisOf = (axis: unknown, rank: number): number => {
      const a = Array.isArray(axis) ? axis[0] : (axis as number);
      return a < 0 ? a + rank : a;
    };
    for (const r of recorded) {
      const ins = r.inputs.map(nameOf);
      const outs = r.outputs.map((t) => {
        const name = fresh(r.kernel.toLowerCase());
        names.set(t.id, name);
        return name;
      });
      const x = r.inputs[0];
      const simple = SAME_NAME[r.kernel];
      if (simple) {
        nodes.push({ opType: simple, inputs: ins, outputs: outs });
      } else if (r.kernel === 'Square') {
        nodes.push({ opType: 'Mul', inputs: [ins[0], ins[0]], outputs: outs });
      } else if (r.kernel === 'BatchMatMul') {
        const side = (name: string, t: TracedInput, transpose: unknown): string => {
          if (!transpose) return name;
          const perm = [...t.shape.keys()];
          [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
          const out = fresh('transpose');
          nodes.push({ opType: 'Transpose', inputs: [name], outputs: [out], attributes: [{ name: 'perm', value: perm }] });
          return out;
        };
        nodes.push({ opType: 'MatMul', inputs: [side(ins[0], r.inputs[0], r.attrs.transposeA), side(ins[1], r.inputs[1], r.attrs.transposeB)], outputs: outs });
      } else if (r.kernel === 'Softmax') {
        nodes.push({ opType: 'Softmax', inputs: ins, outputs: outs, attributes: [{ name: 'axis', value: axisOf(r.attrs.dim ?? -1, x.rank) }] });
      } else if (r.kernel === 'Concat') {
        nodes.push({ opType: 'Concat', inputs: ins, outputs: outs, attributes: [{ name: 'axis', value: axisOf(r.attrs.axis, x.rank) }] });
      } else if (r.kernel === 'SplitV') {
        const axis = axisOf(r.attrs.axis, x.rank);
        nodes.push({ opType: 'Split', inputs: [ins[0], int64(r.outputs.map((t) => t.shape[axis]))], outputs: outs, attributes: [{ name: 'axis', value: axis }] });
      } else if (r.kernel === 'Reshape') {
        const shape = r.outputs[0].shape.map((d) => (d === B ? -1 : d));
        nodes.push({ opType: 'Reshape', inputs: [ins[0], int64(shape)], outputs: outs });
      } else if (r.kernel === 'Transpose') {
        nodes.push({ opType: 'Transpose', inputs: ins, outputs: outs, attributes: [{ name: 'perm', value: r.attrs.perm as number[] }] });
      } else if (r.kernel === 'Slice') {
        const begin = r.attrs.begin as number[];
        const sizeAttr = r.attrs.size as number[];
        const ends = begin.map((b, k) => (sizeAttr[k] === -1 || x.shape[k] === B ? 2 ** 31 - 1 : b + sizeAttr[k]));
        nodes.push({ opType: 'Slice', inputs: [ins[0], int64(begin), int64(ends), int64(begin.map((_, k) => k))], outputs: outs });
      } else if (r.kernel === 'Sum') {
        const axes = (Array.isArray(r.attrs.axis) ? r.attrs.axis : [r.attrs.axis]).map((a) => axisOf(a, x.rank));
        nodes.push({ opType: 'ReduceSum', inputs: [ins[0], int64(axes)], outputs: outs, attributes: [{ name: 'keepdims', value: r.attrs.keepDims ? 1 : 0 }] });
      } else {
        throw new PrnnError(
          `the step of ${def.family} uses tfjs kernel ${r.kernel}, which has no ONNX mapping here; give the family its own exportOnnx`,
        );
      }
    }
    const output = nameOf(traced(result.output));
    const nextState = nameOf(traced(result.state));
    nodes.push({ opType: 'Reshape', inputs: [output, int64([-1, O])], outputs: [POLICY_OUTPUTS.q] });
    nodes.push({ opType: 'Reshape', inputs: [nextState, int64([-1, S])], outputs: [POLICY_OUTPUTS.stateOut] });
  });

  const meta = contractMetadata(I, S, {
    [META.family]: def.family,
    [META.architecture]: arch.name,
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
    initializers,
    obsSize: I,
    stateSize: S,
    heads: exportedHeads(weights, S),
  });
}
