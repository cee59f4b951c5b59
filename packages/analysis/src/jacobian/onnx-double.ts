import * as ort from 'onnxruntime-node';
import { PrnnError } from '@prnn/core';
import {
  encodeOnnxModel,
  OnnxDataType,
  attributeSpecOf,
  POLICY_ACTIONS,
  POLICY_INPUTS,
  POLICY_OUTPUTS,
  raiseMallocThresholds,
  readOnnxGraph,
  type AttributeSpec,
  type NodeSpec,
  type OnnxAttribute,
  type OnnxTensor,
  type TensorSpec,
} from '@prnn/agents';
import type { Float64Engine } from './finite-difference-jacobian.js';

/** TensorProto.DataType codes of floating-point tensors that become DOUBLE. */
const FLOATING = new Set([1, 10, 11, 16]);

function tensorSpec(t: OnnxTensor, name = t.name): TensorSpec {
  if (FLOATING.has(t.type)) return { name, dims: t.dims, data: Float64Array.from(t.data) };
  if (t.type === 7) return { name, dims: t.dims, data: BigInt64Array.from(t.data, (v) => BigInt(v)) };
  if (t.type === 6) return { name, dims: t.dims, data: Int32Array.from(t.data) };
  throw new PrnnError(`tensor ${t.name} has data type ${t.type}, which the float64 rewrite does not write`);
}

function attributeSpec(name: string, a: OnnxAttribute, node: string): AttributeSpec {
  const spec = attributeSpecOf(name, a, tensorSpec);
  if (!spec) throw new PrnnError(`attribute ${name} of node ${node} is of a kind the float64 rewrite does not write`);
  return spec;
}

/**
 * The policy's graph rewritten to double precision for onnxruntime: every floating-point initialiser and
 * constant becomes DOUBLE, Cast to a float type casts to DOUBLE, value_float(s) constants become DOUBLE
 * tensors, and obs, state, q, state_out are DOUBLE. Throws a PrnnError naming what it cannot rewrite (a bool
 * or external tensor, a graph-valued attribute, …).
 */
export function doublePrecisionModel(bytes: Uint8Array, obsSize: number, stateSize: number): Uint8Array {
  const g = readOnnxGraph(bytes);
  const initializers = [...g.initializers.values()].map((t) => tensorSpec(t));
  const nodes: NodeSpec[] = g.nodes.map((n) => {
    if (n.domain !== '' && n.domain !== 'ai.onnx') throw new PrnnError(`node ${n.name || n.opType} is in domain ${n.domain}, which the float64 rewrite does not write`);
    const label = n.name || n.opType;
    const attributes: AttributeSpec[] = [];
    for (const [name, a] of Object.entries(n.attributes)) {
      if (n.opType === 'Cast' && name === 'to' && a.kind === 'int' && FLOATING.has(a.value)) attributes.push({ name, value: OnnxDataType.DOUBLE });
      else if ((name === 'dtype' || name === 'to') && a.kind === 'int' && FLOATING.has(a.value)) attributes.push({ name, value: OnnxDataType.DOUBLE });
      else if (n.opType === 'Constant' && name === 'value_float' && a.kind === 'float') attributes.push({ name: 'value', value: { name: '', dims: [], data: Float64Array.of(a.value) } });
      else if (n.opType === 'Constant' && name === 'value_floats' && a.kind === 'floats') attributes.push({ name: 'value', value: { name: '', dims: [a.value.length], data: Float64Array.from(a.value) } });
      else attributes.push(attributeSpec(name, a, label));
    }
    return { opType: n.opType, name: n.name, inputs: n.inputs, outputs: n.outputs, attributes };
  });
  const D = OnnxDataType.DOUBLE as unknown as typeof OnnxDataType.FLOAT;
  return encodeOnnxModel({
    irVersion: g.irVersion,
    opsetVersion: g.opset,
    producerName: 'prnn-float64-rewrite',
    producerVersion: '0.1.0',
    graph: {
      name: 'float64',
      nodes,
      initializers,
      inputs: [
        { name: POLICY_INPUTS.obs, elemType: D, shape: ['batch', obsSize] },
        { name: POLICY_INPUTS.state, elemType: D, shape: ['batch', stateSize] },
      ],
      outputs: [
        { name: POLICY_OUTPUTS.q, elemType: D, shape: ['batch', POLICY_ACTIONS] },
        { name: POLICY_OUTPUTS.stateOut, elemType: D, shape: ['batch', stateSize] },
      ],
    },
  });
}

/**
 * A policy stepped in double precision by onnxruntime (the rewrite of doublePrecisionModel), as an engine of
 * finiteDifferenceSensitivity64: the state of `batch` rows starts at zeros and is carried from step to step.
 */
export class DoubleSession implements Float64Engine {
  private batch = 0;
  private state = new Float64Array(0);

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly obsSize: number,
    readonly stateSize: number,
  ) {}

  /** Rewrites `bytes` to double precision and opens it; a PrnnError says why when either step fails. */
  static async open(bytes: Uint8Array, obsSize: number, stateSize: number): Promise<DoubleSession> {
    const model = doublePrecisionModel(bytes, obsSize, stateSize);
    raiseMallocThresholds();
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 });
    } catch (e) {
      throw new PrnnError(`onnxruntime cannot run the policy in float64 (${String((e as Error).message ?? e).split('\n')[0]})`);
    }
    return new DoubleSession(session, obsSize, stateSize);
  }

  /** Starts `batch` trials from the zero state. */
  reset(batch: number): void {
    this.batch = batch;
    this.state = new Float64Array(batch * this.stateSize);
  }

  /**
   * Runs the float64 model on one observation batch ([batch, obsSize]): writes the Q-values into `q` and keeps the new
   * state.
   */
  async step(obs: Float64Array, q: Float64Array): Promise<void> {
    const B = this.batch;
    const feeds = {
      [POLICY_INPUTS.obs]: new ort.Tensor('float64', obs, [B, this.obsSize]),
      [POLICY_INPUTS.state]: new ort.Tensor('float64', this.state, [B, this.stateSize]),
    };
    const out = await this.session.run(feeds);
    q.set(out[POLICY_OUTPUTS.q].data as Float64Array);
    this.state = Float64Array.from(out[POLICY_OUTPUTS.stateOut].data as Float64Array);
  }

  /** Releases the onnxruntime session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
