import protobuf from 'protobufjs/minimal.js';
import { PrnnError } from '@prnn/core';
import { readOnnxModelHeader } from './onnx-metadata-reader.js';
import type { AttributeSpec, TensorSpec } from './onnx-proto-writer.js';

/**
 * A decoder of the parts of an ONNX ModelProto an interpreter needs — nodes with their attributes,
 * initialisers, graph inputs and outputs, the default-domain opset — read with protobufjs's Reader from the
 * field numbers of the public ONNX schema. Tensors of every numeric type become Float64Array values (int64
 * indices fit exactly); `dtype` keeps whether they were floating point.
 */

/** A decoded tensor: row-major values as doubles; `float` for FLOAT/DOUBLE/FLOAT16, else integer or bool. */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: number[];
  readonly dtype: 'float' | 'int';
  /** TensorProto.DataType of the stored tensor (1 FLOAT, 6 INT32, 7 INT64, 9 BOOL, 11 DOUBLE, …). */
  readonly type: number;
  readonly data: Float64Array;
}

/** A decoded attribute (only the kinds the ONNX ops of policies use). */
export type OnnxAttribute =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: OnnxTensor }
  | { readonly kind: 'floats'; readonly value: number[] }
  | { readonly kind: 'ints'; readonly value: number[] }
  | { readonly kind: 'other' };

/** A decoded node: op, domain, name, input and output value names, attributes by name. */
export interface OnnxNode {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attributes: Record<string, OnnxAttribute>;
}

/** A decoded graph: what the interpreter and the float64 rewrite need. */
export interface OnnxGraph {
  readonly opset: number;
  /** The model's IR version. */
  readonly irVersion: number;
  readonly nodes: OnnxNode[];
  readonly initializers: Map<string, OnnxTensor>;
  /** Graph input names in order (initialisers listed as inputs, as old exporters do, included). */
  readonly inputs: string[];
  readonly outputs: string[];
}

/** TensorProto.DataType codes that hold floating-point values. */
const FLOAT_TYPES = new Set([1, 10, 11, 16]);

function packedOrSingle(r: protobuf.Reader, wire: number, read: () => number, into: number[]): void {
  if (wire === 2) {
    const end = r.uint32() + r.pos;
    while (r.pos < end) into.push(read());
  } else into.push(read());
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function rawValues(raw: Uint8Array, type: number, count: number): Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 1: out[i] = view.getFloat32(4 * i, true); break;
      case 11: out[i] = view.getFloat64(8 * i, true); break;
      case 10: out[i] = halfToFloat(view.getUint16(2 * i, true)); break;
      case 7: out[i] = Number(view.getBigInt64(8 * i, true)); break;
      case 6: out[i] = view.getInt32(4 * i, true); break;
      case 12: out[i] = view.getUint32(4 * i, true); break;
      case 13: out[i] = Number(view.getBigUint64(8 * i, true)); break;
      case 2: case 9: out[i] = view.getUint8(i); break;
      case 3: out[i] = view.getInt8(i); break;
      case 4: out[i] = view.getUint16(2 * i, true); break;
      case 5: out[i] = view.getInt16(2 * i, true); break;
      default: throw new PrnnError(`ONNX tensor data type ${type} is not supported`);
    }
  }
  return out;
}

function readTensor(r: protobuf.Reader, end: number): OnnxTensor {
  const dims: number[] = [];
  let type = 1;
  let name = '';
  let raw: Uint8Array | undefined;
  const values: number[] = [];
  let external = false;
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    if (field === 1) packedOrSingle(r, wire, () => Number(r.int64()), dims);
    else if (field === 2) type = r.int32();
    else if (field === 4) packedOrSingle(r, wire, () => r.float(), values);
    else if (field === 5) packedOrSingle(r, wire, () => r.int32(), values);
    else if (field === 7) packedOrSingle(r, wire, () => Number(r.int64()), values);
    else if (field === 10) packedOrSingle(r, wire, () => r.double(), values);
    else if (field === 11) packedOrSingle(r, wire, () => Number(r.uint64()), values);
    else if (field === 8) name = r.string();
    else if (field === 9) raw = r.bytes();
    else if (field === 13) {
      external = true;
      r.skipType(wire);
    } else r.skipType(wire);
  }
  if (external) throw new PrnnError(`ONNX tensor ${name} keeps its data in an external file, which is not supported`);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Float64Array;
  if (raw !== undefined && raw.length > 0) data = rawValues(raw, type, count);
  else {
    // float16 and bfloat16 stored in int32_data hold raw bits
    data = Float64Array.from(values, (v) => (type === 10 ? halfToFloat(v) : v));
  }
  if (data.length !== count) throw new PrnnError(`ONNX tensor ${name}: dims [${dims.join(', ')}] hold ${count} values, found ${data.length}`);
  return { name, dims, dtype: FLOAT_TYPES.has(type) ? 'float' : 'int', type, data };
}

function readAttribute(r: protobuf.Reader, end: number): [string, OnnxAttribute] {
  let name = '';
  let type = 0;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  let tensor: OnnxTensor | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    if (field === 1) name = r.string();
    else if (field === 2) f = r.float();
    else if (field === 3) i = Number(r.int64());
    else if (field === 4) s = new TextDecoder().decode(r.bytes());
    else if (field === 5) tensor = readTensor(r, r.uint32() + r.pos);
    else if (field === 7) packedOrSingle(r, wire, () => r.float(), floats);
    else if (field === 8) packedOrSingle(r, wire, () => Number(r.int64()), ints);
    else if (field === 20) type = r.int32();
    else r.skipType(wire);
  }
  // AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7 (type 0: infer from what is set)
  if (type === 1 || (type === 0 && f !== undefined)) return [name, { kind: 'float', value: f ?? 0 }];
  if (type === 2 || (type === 0 && i !== undefined)) return [name, { kind: 'int', value: i ?? 0 }];
  if (type === 3 || (type === 0 && s !== undefined)) return [name, { kind: 'string', value: s ?? '' }];
  if (type === 4 || (type === 0 && tensor)) return [name, tensor ? { kind: 'tensor', value: tensor } : { kind: 'other' }];
  if (type === 6 || (type === 0 && floats.length > 0)) return [name, { kind: 'floats', value: floats }];
  if (type === 7 || (type === 0 && ints.length > 0)) return [name, { kind: 'ints', value: ints }];
  return [name, { kind: 'other' }];
}

function readNode(r: protobuf.Reader, end: number): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  let name = '';
  let opType = '';
  let domain = '';
  const attributes: Record<string, OnnxAttribute> = {};
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    if (field === 1) inputs.push(r.string());
    else if (field === 2) outputs.push(r.string());
    else if (field === 3) name = r.string();
    else if (field === 4) opType = r.string();
    else if (field === 5) {
      const [key, value] = readAttribute(r, r.uint32() + r.pos);
      attributes[key] = value;
    } else if (field === 7) domain = r.string();
    else r.skipType(wire);
  }
  return { opType, domain, name, inputs, outputs, attributes };
}

function readValueInfoName(r: protobuf.Reader, end: number): string {
  let name = '';
  while (r.pos < end) {
    const t = r.uint32();
    if (t >>> 3 === 1 && (t & 7) === 2) name = r.string();
    else r.skipType(t & 7);
  }
  return name;
}

/**
 * Decodes the graph of a serialised ONNX ModelProto: nodes (in file order, which ONNX requires to be
 * topological), initialisers, input and output names, and the default-domain opset.
 * Throws a PrnnError when the bytes are not a well-formed model or a tensor cannot be read.
 */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  let header: ReturnType<typeof readOnnxModelHeader>;
  try {
    header = readOnnxModelHeader(bytes);
  } catch (e) {
    throw new PrnnError(`ONNX model cannot be decoded (${(e as Error).message})`);
  }
  const g = header.graph;
  const r = protobuf.Reader.create(g);
  const nodes: OnnxNode[] = [];
  const initializers = new Map<string, OnnxTensor>();
  const inputs: string[] = [];
  const outputs: string[] = [];
  try {
    while (r.pos < r.len) {
      const t = r.uint32();
      const field = t >>> 3;
      const wire = t & 7;
      if (field === 1 && wire === 2) nodes.push(readNode(r, r.uint32() + r.pos));
      else if (field === 5 && wire === 2) {
        const tensor = readTensor(r, r.uint32() + r.pos);
        initializers.set(tensor.name, tensor);
      } else if (field === 11 && wire === 2) inputs.push(readValueInfoName(r, r.uint32() + r.pos));
      else if (field === 12 && wire === 2) outputs.push(readValueInfoName(r, r.uint32() + r.pos));
      else r.skipType(wire);
    }
  } catch (e) {
    if (e instanceof PrnnError) throw e;
    throw new PrnnError(`ONNX graph cannot be decoded (${(e as Error).message})`);
  }
  return { opset: header.opsetVersion ?? 1, irVersion: header.irVersion, nodes, initializers, inputs, outputs };
}

/**
 * The writer's form of an attribute read from a graph, for rewriting a graph: scalars and lists as they are, a
 * tensor through `tensor` (which may change its type, or return null when it cannot write it); null for a
 * kind the writer does not write (graphs, sparse tensors, …).
 */
export function attributeSpecOf(name: string, a: OnnxAttribute, tensor: (t: OnnxTensor) => TensorSpec | null): AttributeSpec | null {
  switch (a.kind) {
    case 'float':
    case 'floats':
      return { name, value: a.value, float: true };
    case 'int':
    case 'ints':
    case 'string':
      return { name, value: a.value };
    case 'tensor': {
      const t = tensor(a.value);
      return t && { name, value: t };
    }
    default:
      return null;
  }
}
