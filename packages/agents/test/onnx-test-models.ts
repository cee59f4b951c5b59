// Hand-built "foreign" ONNX policies for the tests, written with prnn's own ONNX writer.
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
