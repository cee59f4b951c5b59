// Hand-built "foreign" ONNX policies for the tests, written with prnn's own ONNX writer, and prnn's own exports.
import { Rng } from '@prnn/core';
import { initWeights, type NinePathwayArch } from '../src/architectures/nine-pathway/family.js';
import { encodePolicyModel } from '../src/onnx/encode-policy.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';
import { encodeOnnxModel, OnnxDataType, type ModelSpec, type NodeSpec, type TensorSpec, type ValueInfoSpec } from '../src/onnx/onnx-proto-writer.js';

const F = OnnxDataType.FLOAT;

export interface ForeignModelOptions {
  inputs?: ValueInfoSpec[];
  outputs?: ValueInfoSpec[];
  nodes?: NodeSpec[];
  initializers?: TensorSpec[];
  metadata?: Record<string, string>;
}

/**
 * A stateless linear policy with S = 1: q = softmax(obs·W + b), state_out = state. `w` is [obsSize, 5]
 * row-major, `b` [5].
 */
export function linearPolicy(obsSize: number, w: Float32Array, b: Float32Array, o: ForeignModelOptions = {}): Uint8Array {
  const spec: ModelSpec = {
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'hand-built',
    producerVersion: '1',
    metadata: o.metadata,
    graph: {
      name: 'linear',
      nodes: o.nodes ?? [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['z0'] },
        { opType: 'Add', inputs: ['z0', 'b'], outputs: ['z'] },
        { opType: 'Softmax', inputs: ['z'], outputs: ['q'], attributes: [{ name: 'axis', value: 1 }] },
        { opType: 'Identity', inputs: ['state'], outputs: ['state_out'] },
      ],
      initializers: o.initializers ?? [
        { name: 'W', dims: [obsSize, 5], data: w },
        { name: 'b', dims: [5], data: b },
      ],
      inputs: o.inputs ?? [
        { name: 'obs', elemType: F, shape: ['batch', obsSize] },
        { name: 'state', elemType: F, shape: ['batch', 1] },
      ],
      outputs: o.outputs ?? [
        { name: 'q', elemType: F, shape: ['batch', 5] },
        { name: 'state_out', elemType: F, shape: ['batch', 1] },
      ],
    },
  };
  return encodeOnnxModel(spec);
}

/** Always prefers action `a` (W = 0, b = one-hot·3). */
export function constantPolicy(obsSize: number, a: number): Uint8Array {
  const b = new Float32Array(5);
  b[a] = 3;
  return linearPolicy(obsSize, new Float32Array(obsSize * 5), b);
}

/** Moves towards the strongest cue: q_d = Σ_c obs[d, c] for the four sensors d, Stay never. */
export function gradientFollower(channels: number): Uint8Array {
  const I = 4 * channels;
  const w = new Float32Array(I * 5);
  for (let d = 0; d < 4; d++) for (let c = 0; c < channels; c++) w[(d * channels + c) * 5 + d] = 1;
  const b = Float32Array.of(0, 0, 0, 0, -1);
  return linearPolicy(I, w, b);
}

/** prnn's export of a 9-pathway network with its seeded initial weights (init stream of `seed`). */
export function ninePathwayNetwork(arch: NinePathwayArch, seed: number): Uint8Array {
  return buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(seed, 1)) as Record<string, Float32Array>);
}

/**
 * A foreign Elman policy on 8 inputs: h_t = tanh(obs·W1 + b1 + h_{t−1}·W2), q = softmax(h_t·W3 + b3), weights
 * uniform in [−0.5, 0.5) from `seed`. Its state is h alone (`state: 'h'`, S = H: no slices, it runs as stored), or
 * [h, q] (`'h+q'`, S = H + 5: h⁻ read by a Slice with Constant bounds, state_out a Concat on axis −1).
 */
export function elmanPolicy(o: { hidden: number; seed: number; state: 'h' | 'h+q' }): Uint8Array {
  const I = 8;
  const H = o.hidden;
  const rng = new Rng(o.seed);
  const w = (n: number) => Float32Array.from({ length: n }, () => rng.float() - 0.5);
  const initializers = [
    { name: 'W1', dims: [I, H], data: w(I * H) },
    { name: 'b1', dims: [H], data: w(H) },
    { name: 'W2', dims: [H, H], data: w(H * H) },
    { name: 'W3', dims: [H, 5], data: w(H * 5) },
    { name: 'b3', dims: [5], data: w(5) },
  ];
  const cell = (hPrev: string, h: string): NodeSpec[] => [
    { opType: 'Gemm', inputs: ['obs', 'W1', 'b1'], outputs: ['a'] },
    { opType: 'MatMul', inputs: [hPrev, 'W2'], outputs: ['b'] },
    { opType: 'Add', inputs: ['a', 'b'], outputs: ['c'] },
    { opType: 'Tanh', inputs: ['c'], outputs: [h] },
    { opType: 'Gemm', inputs: [h, 'W3', 'b3'], outputs: ['z'] },
    { opType: 'Softmax', inputs: ['z'], outputs: ['q'], attributes: [{ name: 'axis', value: -1 }] },
  ];
  const docString = 'a hand-built Elman network';
  if (o.state === 'h') {
    return encodePolicyModel({ graphName: 'foreign_elman', docString, metadata: {}, obsSize: I, stateSize: H, nodes: cell('state', 'state_out'), initializers });
  }
  const int64 = (v: number) => ({ name: '', dims: [1], data: BigInt64Array.of(BigInt(v)) });
  return encodePolicyModel({
    graphName: 'foreign_rnn',
    docString,
    metadata: {},
    obsSize: I,
    stateSize: H + 5,
    nodes: [
      { opType: 'Constant', inputs: [], outputs: ['c0'], attributes: [{ name: 'value', value: int64(0) }] },
      { opType: 'Constant', inputs: [], outputs: [`c${H}`], attributes: [{ name: 'value', value: int64(H) }] },
      { opType: 'Constant', inputs: [], outputs: ['c1'], attributes: [{ name: 'value', value: int64(1) }] },
      { opType: 'Slice', inputs: ['state', 'c0', `c${H}`, 'c1'], outputs: ['h_prev'] },
      ...cell('h_prev', 'h'),
      { opType: 'Concat', inputs: ['h', 'q'], outputs: ['state_out'], attributes: [{ name: 'axis', value: -1 }] },
    ],
    initializers,
  });
}
