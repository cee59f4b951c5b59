import protobuf from 'protobufjs/minimal.js';
import { PrnnError } from '@prnn/core';
import type { Architecture, ArchInfo } from '../sdk/architecture.js';
import { WEIGHT_FED_ONNX_OPERATION, type WeightFedOnnxKernel, type WeightFedOnnxModel } from '../sdk/kernel.js';
import { isTracedExport, PARAMETER_INITIALIZER_PREFIX } from '../sdk/step-onnx.js';
import { GRAPH_CRC32_KEY, graphChecksum } from './onnx-metadata-reader.js';
import { encodeValueInfoBytes, OnnxDataType } from './onnx-proto-writer.js';

/*
 * The weight-fed form of any ONNX policy: its parameter initializers turned into graph inputs, so that one
 * onnxruntime session runs every network of an architecture (the evaluation switches networks by feeding other
 * weights). The transformation works on the protobuf itself: the named TensorProtos leave GraphProto.initializer
 * and a float input of their dims is appended to GraphProto.input (after obs and state); every node, attribute,
 * output and metadata entry is copied byte for byte (only the graph's CRC-32 entry is recomputed). Every node
 * then computes on the same values, so the outputs are the plain policy's bits.
 */

/** A graph input made from an initializer: its name and dims. */
export interface LiftedInput {
  readonly name: string;
  readonly dims: readonly number[];
}

/** Protobuf wire types used here. */
const WIRE_LENGTH = 2;

/** Name, element type and dims of a serialised TensorProto (dims = 1, data_type = 2, name = 8). */
function tensorHeader(bytes: Uint8Array): { name: string; type: number; dims: number[] } {
  const r = protobuf.Reader.create(bytes);
  const dims: number[] = [];
  let type = 0;
  let name = '';
  while (r.pos < r.len) {
    const t = r.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    if (field === 1 && wire === WIRE_LENGTH) {
      const end = r.uint32() + r.pos;
      while (r.pos < end) dims.push(Number(r.int64()));
    } else if (field === 1 && wire === 0) dims.push(Number(r.int64()));
    else if (field === 2 && wire === 0) type = r.int32();
    else if (field === 8 && wire === WIRE_LENGTH) name = r.string();
    else r.skipType(wire);
  }
  return { name, type, dims };
}

/** Splits a message into its fields: [field number, wire type, the field's bytes (tag included), payload of a length-delimited field]. */
function fields(bytes: Uint8Array): { field: number; raw: Uint8Array; payload: Uint8Array | null }[] {
  const r = protobuf.Reader.create(bytes);
  const out: { field: number; raw: Uint8Array; payload: Uint8Array | null }[] = [];
  while (r.pos < r.len) {
    const from = r.pos;
    const t = r.uint32();
    const wire = t & 7;
    let payload: Uint8Array | null = null;
    if (wire === WIRE_LENGTH) payload = r.bytes();
    else r.skipType(wire);
    out.push({ field: t >>> 3, raw: bytes.subarray(from, r.pos), payload });
  }
  return out;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((field << 3) | WIRE_LENGTH).bytes(body);
  return new Uint8Array(w.finish());
}

/**
 * The model `bytes` with the float32 initializers `names` as graph inputs (in that order, after the existing
 * inputs) instead of constants. A PrnnError when an initializer is missing or not float32.
 */
export function liftInitializers(bytes: Uint8Array, names: readonly string[]): { bytes: Uint8Array; inputs: LiftedInput[] } {
  // ModelProto: graph = 7, metadata_props = 14 (key = 1, value = 2); GraphProto: initializer = 5, input = 11.
  const model = fields(bytes);
  const graphField = model.find((f) => f.field === 7);
  if (!graphField?.payload) throw new PrnnError('the ONNX model to make weight-fed has no graph');
  const wanted = new Set(names);
  const found = new Map<string, LiftedInput>();
  const graphParts: Uint8Array[] = [];
  for (const f of fields(graphField.payload)) {
    if (f.field === 5 && f.payload) {
      const h = tensorHeader(f.payload);
      if (wanted.has(h.name)) {
        if (h.type !== OnnxDataType.FLOAT) throw new PrnnError(`initializer ${h.name} must be float32 to become a weight input (its data type is ${h.type})`);
        found.set(h.name, { name: h.name, dims: h.dims });
        continue;
      }
    }
    graphParts.push(f.raw);
  }
  const inputs = names.map((name) => {
    const lifted = found.get(name);
    if (!lifted) throw new PrnnError(`the ONNX model has no initializer ${name} to make a weight input`);
    return lifted;
  });
  for (const i of inputs) graphParts.push(lengthDelimited(11, encodeValueInfoBytes({ name: i.name, elemType: OnnxDataType.FLOAT, shape: i.dims })));
  const graph = concatBytes(graphParts);

  const modelParts: Uint8Array[] = [];
  for (const f of model) {
    if (f.field === 7) {
      modelParts.push(lengthDelimited(7, graph));
    } else if (f.field === 14 && f.payload && fields(f.payload).some((e) => e.field === 1 && e.payload && new TextDecoder().decode(e.payload) === GRAPH_CRC32_KEY)) {
      const w = protobuf.Writer.create();
      w.uint32((1 << 3) | WIRE_LENGTH).string(GRAPH_CRC32_KEY);
      w.uint32((2 << 3) | WIRE_LENGTH).string(graphChecksum(graph));
      modelParts.push(lengthDelimited(14, new Uint8Array(w.finish())));
    } else {
      modelParts.push(f.raw);
    }
  }
  return { bytes: concatBytes(modelParts), inputs };
}

/**
 * The weight-fed ONNX kernel of any family exported by tracing its step (its `exportOnnx` is the one
 * `defineArchitecture` makes, sdk/step-onnx.ts, which names parameter `p` initializer `param_p`): for an
 * architecture, its policy exported once with placeholder weights, the parameter initializers lifted to inputs.
 * Networks of one family, name, hidden size and channel count share the model. `model` gives undefined for a
 * family with any other `exportOnnx` (whose graph may depend on the weights otherwise) or whose graph does not
 * hold those initializers: its networks are then tested through their own exported policies.
 */
export function weightFedOnnxKernel(architecture: Architecture): WeightFedOnnxKernel {
  const models = new Map<string, WeightFedOnnxModel | undefined>();
  return {
    family: architecture.family,
    operation: WEIGHT_FED_ONNX_OPERATION,
    name: 'onnx-weight-fed',
    description: 'the traced ONNX policy of an architecture with its parameters as graph inputs (one session per architecture)',
    model(info: ArchInfo, channels: number): WeightFedOnnxModel | undefined {
      const key = `${info.family}/${info.name}/${info.hidden}/${channels}`;
      if (!models.has(key)) models.set(key, buildModel(architecture, info, channels, key));
      return models.get(key);
    },
  };
}

function buildModel(architecture: Architecture, info: ArchInfo, channels: number, key: string): WeightFedOnnxModel | undefined {
  if (!architecture.exportOnnx || !isTracedExport(architecture.exportOnnx) || !architecture.weightShapes) return undefined;
  const shapes = architecture.weightShapes(info, channels);
  const placeholder: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(shapes)) placeholder[name] = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let lifted: { bytes: Uint8Array; inputs: LiftedInput[] };
  try {
    const bytes = architecture.exportOnnx(info, placeholder, {}, channels);
    lifted = liftInitializers(bytes, Object.keys(shapes).map((p) => `${PARAMETER_INITIALIZER_PREFIX}${p}`));
  } catch (e) {
    if (e instanceof PrnnError) return undefined;
    throw e;
  }
  const params = Object.keys(shapes);
  return {
    bytes: lifted.bytes,
    key,
    feeds: (weights) =>
      lifted.inputs.map(({ name, dims }, k) => {
        const data = weights[params[k]];
        const size = dims.reduce((a, b) => a * b, 1);
        if (!(data instanceof Float32Array) || data.length !== size) {
          throw new PrnnError(`weights of ${info.name} must include ${params[k]} as a Float32Array of ${dims.join('×')} = ${size} values`);
        }
        return { name, data, dims };
      }),
  };
}
