import { encodeOnnxModel, OnnxDataType, type NodeSpec, type TensorSpec } from './onnx-proto-writer.js';
import type { ExportedHead } from '../sdk/output-heads.js';
import { ONNX_IR_VERSION, ONNX_OPSET, POLICY_ACTIONS, POLICY_INPUTS, POLICY_OUTPUTS } from './policy-contract.js';

/**
 * An ONNX policy model (contract prnn-policy/1): the graph's nodes and initialisers between the contract's
 * inputs obs [batch, I], state [batch, S] and outputs q [batch, 5], state_out [batch, S]; then one extra
 * output per output head (`heads`, e.g. an actor-critic's value: head_value = state_out·W + b), which the policy
 * contract ignores.
 */
export function encodePolicyModel(o: {
  readonly graphName: string;
  readonly docString: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorSpec[];
  readonly obsSize: number;
  readonly stateSize: number;
  /** Float inputs after obs and state (a weight-fed model's weights); absent for a prnn-policy/1 model. */
  readonly weightInputs?: readonly { readonly name: string; readonly dims: readonly number[] }[];
  /** Output heads read from state_out (see `exportedHeads`); absent or empty: none. */
  readonly heads?: readonly ExportedHead[];
}): Uint8Array {
  const { obsSize: I, stateSize: S } = o;
  const heads = o.heads ?? [];
  const headNodes: NodeSpec[] = [];
  const headInits: TensorSpec[] = [];
  for (const h of heads) {
    headInits.push({ name: `${h.output}_weight`, dims: [S, h.size], data: h.weight }, { name: `${h.output}_bias`, dims: [h.size], data: h.bias });
    headNodes.push(
      { opType: 'MatMul', inputs: [POLICY_OUTPUTS.stateOut, `${h.output}_weight`], outputs: [`${h.output}_linear`] },
      { opType: 'Add', inputs: [`${h.output}_linear`, `${h.output}_bias`], outputs: [h.output] },
    );
  }
  return encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'prnn',
    producerVersion: '0.1.0',
    docString: o.docString,
    metadata: o.metadata,
    graph: {
      name: o.graphName.replace(/[^A-Za-z0-9_]/g, '_'),
      nodes: heads.length ? [...o.nodes, ...headNodes] : o.nodes,
      initializers: heads.length ? [...o.initializers, ...headInits] : o.initializers,
      inputs: [
        { name: POLICY_INPUTS.obs, elemType: OnnxDataType.FLOAT, shape: ['batch', I] },
        { name: POLICY_INPUTS.state, elemType: OnnxDataType.FLOAT, shape: ['batch', S] },
        ...(o.weightInputs ?? []).map((w) => ({ name: w.name, elemType: OnnxDataType.FLOAT, shape: w.dims })),
      ],
      outputs: [
        { name: POLICY_OUTPUTS.q, elemType: OnnxDataType.FLOAT, shape: ['batch', POLICY_ACTIONS] },
        { name: POLICY_OUTPUTS.stateOut, elemType: OnnxDataType.FLOAT, shape: ['batch', S] },
        ...heads.map((h) => ({ name: h.output, elemType: OnnxDataType.FLOAT, shape: ['batch', h.size] })),
      ],
    },
  });
}
