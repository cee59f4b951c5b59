import protobuf from 'protobufjs/minimal.js';
import { crc32 } from '@prnn/core';
import { encodeOnnxModel, OnnxDataType, type AttributeSpec, type NodeSpec, type TensorSpec } from './onnx-proto-writer.js';
import { attributeSpecOf, readOnnxGraph, type OnnxGraph, type OnnxNode, type OnnxTensor } from './onnx-graph-reader.js';
import { POLICY_ACTIONS, POLICY_INPUTS, POLICY_OUTPUTS } from './policy-contract.js';

/**
 * The "split state" rewrite of a policy graph, for fast batched evaluation in onnxruntime.
 *
 * A recurrent policy usually cuts `state` into layers with column Slices or one Split and glues `state_out`
 * back together with a Concat (prnn's traced 9-pathway export: x, h, o split out of [x, h, o],
 * state_out = Concat(x, h, q)). On a
 * 21 000-row evaluation batch these two copies — onnxruntime's Split (its fusion of the Slices) and the
 * Concat, a few floats per row each — are about a third of a step of the FC network. Here they are cut out:
 * each Slice's (or Split's) output that is read becomes a graph input, each Concat input a graph output (a
 * Concat input that is the graph input obs is first copied by an Identity), and the engine carries the
 * pieces from step to step in buffers of their own. Every remaining node computes on the same values, so the
 * outputs are the same bits (SessionPolicy checks this on random rows before using the rewrite).
 *
 * This function only rewrites; the pieces' widths (which the graph does not declare) are read from a trial
 * run by the caller. A graph without the pattern, or holding anything this rewrite does not re-encode
 * (tensors other than float32/int32/int64, nodes outside the default domain, graph-valued attributes), gives null.
 */
export interface SplitStateModel {
  /** The rewritten model: inputs obs and the slices, outputs q (unless a piece is q) and the pieces. */
  readonly bytes: Uint8Array;
  /** The Concat inputs of state_out in column order, now graph outputs (widths declared symbolic). */
  readonly pieceOutputs: readonly string[];
  /** The former Slices of state, now graph inputs: name and columns [start, end) of state. */
  readonly slices: readonly { readonly name: string; readonly start: number; readonly end: number }[];
}

/** One piece of the state: a Concat input of state_out and the Slice of state that reads its columns. */
export interface SplitStatePiece {
  /** Name of the graph output (the Concat input); `q` when the piece is the policy's q output itself. */
  readonly output: string;
  /** Name of the graph input that takes the piece on the next step, and its columns [start, end) of state. */
  readonly input?: { readonly name: string; readonly start: number; readonly end: number };
}

/** Float32, int32 and int64 tensors are re-encoded exactly; other types give null. */
function tensorSpec(t: OnnxTensor): TensorSpec | null {
  if (t.type === 1) return { name: t.name, dims: t.dims, data: Float32Array.from(t.data) };
  if (t.type === 7) return { name: t.name, dims: t.dims, data: BigInt64Array.from(t.data, (v) => BigInt(v)) };
  if (t.type === 6) return { name: t.name, dims: t.dims, data: Int32Array.from(t.data) };
  return null;
}

/** The single integer of a constant (an initialiser or a Constant node's tensor; a scalar or [1]), or undefined. */
function scalar(g: OnnxGraph, name: string | undefined): number | undefined {
  if (name === undefined || name === '') return undefined;
  let t = g.initializers.get(name);
  if (!t) {
    const value = g.nodes.find((n) => n.opType === 'Constant' && n.outputs[0] === name)?.attributes.value;
    if (value?.kind === 'tensor') t = value.value;
  }
  if (t?.dtype !== 'int' || t.data.length !== 1) return undefined;
  return t.data[0];
}

/** The integers of a constant list (an initialiser or a Constant node's tensor), or undefined. */
function integers(g: OnnxGraph, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  let t = g.initializers.get(name);
  if (!t) {
    const value = g.nodes.find((n) => n.opType === 'Constant' && n.outputs[0] === name)?.attributes.value;
    if (value?.kind === 'tensor') t = value.value;
  }
  return t?.dtype === 'int' ? Array.from(t.data) : undefined;
}

/**
 * The columns [start, end) of `state` each output of `n` holds when `n` splits `state` along axis 1 into
 * constant widths that tile [0, S); undefined otherwise.
 */
function splitColumns(g: OnnxGraph, n: OnnxNode, stateSize: number): [number, number][] | undefined {
  if (n.opType !== 'Split' || n.domain !== '' || n.inputs[0] !== POLICY_INPUTS.state) return undefined;
  const axis = n.attributes.axis;
  if (axis?.kind !== 'int' || (axis.value !== 1 && axis.value !== -1)) return undefined;
  const attr = n.attributes.split;
  const widths =
    n.inputs.length > 1 && n.inputs[1] !== ''
      ? integers(g, n.inputs[1])
      : attr?.kind === 'ints'
        ? attr.value
        : stateSize % n.outputs.length === 0
          ? n.outputs.map(() => stateSize / n.outputs.length)
          : undefined;
  if (!widths || widths.length !== n.outputs.length || widths.some((w) => !Number.isInteger(w) || w < 0)) return undefined;
  const columns: [number, number][] = [];
  let at = 0;
  for (const w of widths) {
    columns.push([at, at + w]);
    at += w;
  }
  return at === stateSize ? columns : undefined;
}

/** [start, end) when `n` slices `state` along axis 1 with step 1 and constant bounds inside [0, S). */
function stateColumns(g: OnnxGraph, n: OnnxNode, stateSize: number): [number, number] | undefined {
  if (n.opType !== 'Slice' || n.domain !== '' || g.opset < 10 || n.inputs[0] !== POLICY_INPUTS.state || n.outputs.length !== 1) return undefined;
  const start = scalar(g, n.inputs[1]);
  const end = scalar(g, n.inputs[2]);
  const axis = n.inputs.length > 3 ? scalar(g, n.inputs[3]) : 0;
  const step = n.inputs.length > 4 && n.inputs[4] !== '' ? scalar(g, n.inputs[4]) : 1;
  if (start === undefined || end === undefined || (axis !== 1 && axis !== -1) || step !== 1) return undefined;
  const s = start < 0 ? start + stateSize : start;
  const e = Math.min(end < 0 ? end + stateSize : end, stateSize);
  return s >= 0 && s < e ? [s, e] : undefined;
}

/**
 * Rewrites a prnn-policy/1 model (obs [batch, obsSize], state [batch, stateSize]) whose `state` is only read
 * through column Slices and whose `state_out` is a Concat along axis 1, as described for SplitStateModel.
 * Never throws: null when the graph does not have that form.
 */
export function splitStatePolicy(bytes: Uint8Array, obsSize: number, stateSize: number): SplitStateModel | null {
  let g: OnnxGraph;
  try {
    g = readOnnxGraph(bytes);
  } catch {
    return null;
  }
  const producers = new Map<string, OnnxNode>();
  for (const n of g.nodes) for (const out of n.outputs) producers.set(out, n);
  const concat = producers.get(POLICY_OUTPUTS.stateOut);
  const axis = concat?.attributes.axis;
  if (concat?.opType !== 'Concat' || concat.domain !== '' || axis?.kind !== 'int' || (axis.value !== 1 && axis.value !== -1)) return null;
  if (concat.inputs.length < 2 || new Set(concat.inputs).size !== concat.inputs.length) return null;
  // a piece that is obs itself (a state that keeps the observation) is copied out by an Identity
  const copies: NodeSpec[] = [];
  const pieceNames = concat.inputs.map((p) => {
    if (p !== POLICY_INPUTS.obs) return p;
    const name = `${p}_state_piece`;
    copies.push({ opType: 'Identity', inputs: [p], outputs: [name] });
    return name;
  });
  if (copies.some((c) => producers.has(c.outputs[0]) || g.initializers.has(c.outputs[0]))) return null;
  for (const p of concat.inputs) if (p !== POLICY_INPUTS.obs && (!producers.has(p) || p === POLICY_INPUTS.state)) return null;
  // the nodes that read state (cut out) and the graph inputs their read outputs become
  const readers = new Set<OnnxNode>();
  const sliceInputs: { name: string; start: number; end: number }[] = [];
  const read = new Set([...g.nodes.flatMap((n) => n.inputs), ...g.outputs]);
  for (const n of g.nodes) {
    if (!n.inputs.includes(POLICY_INPUTS.state)) continue;
    if (n.inputs.indexOf(POLICY_INPUTS.state) !== n.inputs.lastIndexOf(POLICY_INPUTS.state)) return null;
    const columns = stateColumns(g, n, stateSize);
    const parts = columns ? [columns] : splitColumns(g, n, stateSize);
    if (!parts) return null;
    readers.add(n);
    parts.forEach(([start, end], k) => {
      if (start < end && read.has(n.outputs[k])) sliceInputs.push({ name: n.outputs[k], start, end });
    });
  }

  const initializers: TensorSpec[] = [];
  for (const t of g.initializers.values()) {
    const spec = tensorSpec(t);
    if (!spec) return null;
    initializers.push(spec);
  }
  const nodes: NodeSpec[] = [...copies];
  for (const n of g.nodes) {
    if (n === concat || readers.has(n)) continue;
    if (n.domain !== '' && n.domain !== 'ai.onnx') return null;
    const attributes: AttributeSpec[] = [];
    for (const [name, a] of Object.entries(n.attributes)) {
      const spec = attributeSpecOf(name, a, tensorSpec);
      if (!spec) return null;
      attributes.push(spec);
    }
    nodes.push({ opType: n.opType, ...(n.name ? { name: n.name } : {}), inputs: n.inputs, outputs: n.outputs, attributes });
  }
  const F = OnnxDataType.FLOAT;
  try {
    const model = encodeOnnxModel({
      irVersion: g.irVersion,
      opsetVersion: g.opset,
      producerName: 'prnn-split-state',
      producerVersion: '0.1.0',
      graph: {
        name: 'split_state',
        nodes,
        initializers,
        inputs: [
          { name: POLICY_INPUTS.obs, elemType: F, shape: ['batch', obsSize] },
          ...sliceInputs.map((s) => ({ name: s.name, elemType: F, shape: ['batch', s.end - s.start] })),
        ],
        outputs: [
          ...(pieceNames.includes(POLICY_OUTPUTS.q) ? [] : [{ name: POLICY_OUTPUTS.q, elemType: F, shape: ['batch', POLICY_ACTIONS] }]),
          ...pieceNames.map((p, k) => ({ name: p, elemType: F, shape: ['batch', `piece_${k}`] })),
        ],
      },
    });
    // each piece is read back by the slice with the same columns; which those are, the widths will tell
    return { bytes: model, pieceOutputs: [...pieceNames], slices: sliceInputs };
  } catch {
    return null;
  }
}

/**
 * Matches the slices of a SplitStateModel to its pieces once their widths are known (from a trial run):
 * the pieces tile [0, S) in order, and every slice must cover exactly one piece's columns. Null otherwise.
 */
export function matchSplitStatePieces(model: SplitStateModel, widths: readonly number[], stateSize: number): SplitStatePiece[] | null {
  const sliceInputs = model.slices;
  if (widths.length !== model.pieceOutputs.length) return null;
  const pieces: SplitStatePiece[] = [];
  let at = 0;
  const used = new Set<string>();
  for (let k = 0; k < widths.length; k++) {
    if (!Number.isInteger(widths[k]) || widths[k] < 1) return null;
    const start = at;
    const end = at + widths[k];
    at = end;
    const readers = sliceInputs.filter((s) => s.start === start && s.end === end);
    if (readers.length > 1) return null;
    for (const r of readers) used.add(r.name);
    pieces.push({ output: model.pieceOutputs[k], ...(readers.length === 1 ? { input: readers[0] } : {}) });
  }
  if (at !== stateSize || used.size !== sliceInputs.length) return null;
  return pieces;
}

/**
 * A signature of a model's graph without its weights: the CRC-32 of the serialised GraphProto (`graph`, as
 * OnnxModelHeader.graph) in which every initialiser is replaced by its name, data type and dimensions. Two
 * networks of one architecture share it; so do their split-state rewrites' structure and the checks made on
 * them. Null when the graph cannot be walked.
 */
export function graphStructureSignature(graph: Uint8Array): string | null {
  try {
    const r = protobuf.Reader.create(graph);
    const parts: Uint8Array[] = [];
    while (r.pos < r.len) {
      const from = r.pos;
      const t = r.uint32();
      const field = t >>> 3;
      const wire = t & 7;
      if (field === 5 && wire === 2) {
        const end = r.uint32() + r.pos;
        const dims: number[] = [];
        let type = 0;
        let name = '';
        while (r.pos < end) {
          const st = r.uint32();
          const f = st >>> 3;
          const w = st & 7;
          if (f === 1 && w === 2) {
            const e = r.uint32() + r.pos;
            while (r.pos < e) dims.push(Number(r.int64()));
          } else if (f === 1 && w === 0) dims.push(Number(r.int64()));
          else if (f === 2 && w === 0) type = r.int32();
          else if (f === 8 && w === 2) name = r.string();
          else r.skipType(w);
        }
        parts.push(new TextEncoder().encode(`\u0000init ${name} ${type} [${dims.join(',')}]\u0000`));
      } else {
        r.skipType(wire);
        parts.push(graph.subarray(from, r.pos));
      }
    }
    let length = 0;
    for (const p of parts) length += p.length;
    const all = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return `${crc32(all).toString(16).padStart(8, '0')}:${length}`;
  } catch {
    return null;
  }
}
