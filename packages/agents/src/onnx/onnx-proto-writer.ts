import protobuf from 'protobufjs/minimal.js';
import { GRAPH_CRC32_KEY, graphChecksum } from './onnx-metadata-reader.js';

/**
 * A minimal encoder of the ONNX protobuf messages prnn writes (ModelProto and what it contains), built on
 * protobufjs's Writer from the field numbers of the public ONNX schema (onnx/onnx.proto, IR version 8).
 * Only the fields we use are encoded; everything else keeps its protobuf default.
 */

/** TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
/** One of the {@link OnnxDataType} codes. */
export type OnnxDataTypeValue = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** AttributeProto.AttributeType values used here. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** A tensor to serialise as a TensorProto: name, dimensions and data (its element type follows the array type). */
export interface TensorSpec {
  readonly name: string;
  readonly dims: readonly number[];
  /** FLOAT, DOUBLE, INT32 or INT64 by the array's type. */
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

/** A dimension is a fixed size or a symbolic name such as `batch`. */
export type DimSpec = number | string;

/** A graph input or output: name, element type and shape (fixed sizes or symbolic dimension names). */
export interface ValueInfoSpec {
  readonly name: string;
  readonly elemType: OnnxDataTypeValue;
  readonly shape: readonly DimSpec[];
}

/** Value of a node attribute: number, string, list of numbers or tensor. */
export type AttributeValue = number | string | readonly number[] | TensorSpec;

/** A node attribute: name, value, and whether numbers are written as floats. */
export interface AttributeSpec {
  readonly name: string;
  readonly value: AttributeValue;
  /** Forces FLOAT for a number, FLOATS for a list (default: INT / INTS when the numbers are integers). */
  readonly float?: boolean;
}

/** A graph node: operator type, input and output value names, and attributes. */
export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attributes?: readonly AttributeSpec[];
}

/** A graph: its nodes (in topological order), initialisers, inputs and outputs. */
export interface GraphSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly TensorSpec[];
  readonly inputs: readonly ValueInfoSpec[];
  readonly outputs: readonly ValueInfoSpec[];
  readonly docString?: string;
}

/** A whole model: IR and opset versions, producer, the graph and metadata_props. */
export interface ModelSpec {
  readonly irVersion: number;
  readonly opsetVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: GraphSpec;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

type Writer = protobuf.Writer;

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH = 2;

function tag(w: Writer, field: number, wire: number): Writer {
  return w.uint32((field << 3) | wire);
}

function writeString(w: Writer, field: number, value: string | undefined): void {
  if (value === undefined || value === '') return;
  tag(w, field, WIRE_LENGTH).string(value);
}

function writeInt64(w: Writer, field: number, value: number): void {
  tag(w, field, WIRE_VARINT).int64(value);
}

/** Writes a length-delimited sub-message produced by `body`. */
function writeMessage(w: Writer, field: number, body: (w: Writer) => void): void {
  tag(w, field, WIRE_LENGTH).fork();
  body(w);
  w.ldelim();
}

function encodeTensor(w: Writer, t: TensorSpec): void {
  // TensorProto: dims = 1 (packed int64), data_type = 2, name = 8, raw_data = 9 (little-endian bytes).
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size !== t.data.length) {
    throw new Error(`tensor ${t.name}: dims [${t.dims.join(', ')}] hold ${size} values, data has ${t.data.length}`);
  }
  if (t.dims.length > 0) {
    tag(w, 1, WIRE_LENGTH).fork();
    for (const d of t.dims) w.int64(d);
    w.ldelim();
  }
  const d = t.data;
  const type = d instanceof Float32Array ? OnnxDataType.FLOAT : d instanceof Float64Array ? OnnxDataType.DOUBLE : d instanceof Int32Array ? OnnxDataType.INT32 : OnnxDataType.INT64;
  tag(w, 2, WIRE_VARINT).int32(type);
  writeString(w, 8, t.name);
  const bytes = new Uint8Array(d.byteLength);
  const view = new DataView(bytes.buffer);
  if (d instanceof Float32Array) {
    for (let i = 0; i < d.length; i++) view.setFloat32(4 * i, d[i], true);
  } else if (d instanceof Float64Array) {
    for (let i = 0; i < d.length; i++) view.setFloat64(8 * i, d[i], true);
  } else if (d instanceof Int32Array) {
    for (let i = 0; i < d.length; i++) view.setInt32(4 * i, d[i], true);
  } else {
    for (let i = 0; i < d.length; i++) view.setBigInt64(8 * i, d[i], true);
  }
  tag(w, 9, WIRE_LENGTH).bytes(bytes);
}

function encodeValueInfo(w: Writer, v: ValueInfoSpec): void {
  // ValueInfoProto: name = 1, type = 2 → TypeProto.tensor_type = 1 → { elem_type = 1, shape = 2 → dim = 1 }.
  writeString(w, 1, v.name);
  writeMessage(w, 2, (type) =>
    writeMessage(type, 1, (tensor) => {
      tag(tensor, 1, WIRE_VARINT).int32(v.elemType);
      writeMessage(tensor, 2, (shape) => {
        for (const d of v.shape) {
          // Dimension: dim_value = 1 (int64) | dim_param = 2 (string).
          writeMessage(shape, 1, (dim) => {
            if (typeof d === 'number') writeInt64(dim, 1, d);
            else tag(dim, 2, WIRE_LENGTH).string(d);
          });
        }
      });
    }),
  );
}

function encodeAttribute(w: Writer, a: AttributeSpec): void {
  // AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20.
  writeString(w, 1, a.name);
  const v = a.value;
  if (typeof v === 'string') {
    tag(w, 4, WIRE_LENGTH).bytes(new TextEncoder().encode(v));
    tag(w, 20, WIRE_VARINT).int32(AttributeType.STRING);
  } else if (typeof v === 'number') {
    if (a.float || !Number.isInteger(v)) {
      tag(w, 2, WIRE_FIXED32).float(v);
      tag(w, 20, WIRE_VARINT).int32(AttributeType.FLOAT);
    } else {
      writeInt64(w, 3, v);
      tag(w, 20, WIRE_VARINT).int32(AttributeType.INT);
    }
  } else if (!Array.isArray(v)) {
    // AttributeProto.t = 5
    writeMessage(w, 5, (tw) => encodeTensor(tw, v as TensorSpec));
    tag(w, 20, WIRE_VARINT).int32(AttributeType.TENSOR);
  } else if (a.float || (v as readonly number[]).some((x) => !Number.isInteger(x))) {
    // AttributeProto.floats = 7 (one fixed32 per value)
    for (const x of v as readonly number[]) tag(w, 7, WIRE_FIXED32).float(x);
    tag(w, 20, WIRE_VARINT).int32(AttributeType.FLOATS);
  } else {
    for (const x of v as readonly number[]) writeInt64(w, 8, x);
    tag(w, 20, WIRE_VARINT).int32(AttributeType.INTS);
  }
}

function encodeNode(w: Writer, n: NodeSpec): void {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
  for (const s of n.inputs) tag(w, 1, WIRE_LENGTH).string(s);
  for (const s of n.outputs) tag(w, 2, WIRE_LENGTH).string(s);
  writeString(w, 3, n.name);
  writeString(w, 4, n.opType);
  for (const a of n.attributes ?? []) writeMessage(w, 5, (aw) => encodeAttribute(aw, a));
}

function encodeGraph(w: Writer, g: GraphSpec): void {
  // GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12.
  for (const n of g.nodes) writeMessage(w, 1, (nw) => encodeNode(nw, n));
  writeString(w, 2, g.name);
  for (const t of g.initializers) writeMessage(w, 5, (tw) => encodeTensor(tw, t));
  writeString(w, 10, g.docString);
  for (const v of g.inputs) writeMessage(w, 11, (vw) => encodeValueInfo(vw, v));
  for (const v of g.outputs) writeMessage(w, 12, (vw) => encodeValueInfo(vw, v));
}

export { GRAPH_CRC32_KEY, graphChecksum };

/** One ValueInfoProto (a graph input or output: name, element type, shape) as bytes. */
export function encodeValueInfoBytes(v: ValueInfoSpec): Uint8Array {
  const w = protobuf.Writer.create();
  encodeValueInfo(w, v);
  return new Uint8Array(w.finish());
}

/** Serialises a ModelProto, with the graph's CRC-32 in metadata_props (GRAPH_CRC32_KEY). */
export function encodeOnnxModel(m: ModelSpec): Uint8Array {
  // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6, graph = 7,
  // opset_import = 8 (OperatorSetIdProto: domain = 1, version = 2), metadata_props = 14 (key = 1, value = 2).
  const w = protobuf.Writer.create();
  writeInt64(w, 1, m.irVersion);
  writeString(w, 2, m.producerName);
  writeString(w, 3, m.producerVersion);
  writeString(w, 6, m.docString);
  const gw = protobuf.Writer.create();
  encodeGraph(gw, m.graph);
  const graph = new Uint8Array(gw.finish());
  tag(w, 7, WIRE_LENGTH).bytes(graph);
  writeMessage(w, 8, (ow) => writeInt64(ow, 2, m.opsetVersion));
  // the integrity check prnn's readers verify; other ONNX tools see one more metadata entry
  const metadata = { ...(m.metadata ?? {}), [GRAPH_CRC32_KEY]: graphChecksum(graph) };
  for (const [key, value] of Object.entries(metadata)) {
    writeMessage(w, 14, (ew) => {
      tag(ew, 1, WIRE_LENGTH).string(key);
      tag(ew, 2, WIRE_LENGTH).string(value);
    });
  }
  const out = w.finish();
  // A plain Uint8Array (protobufjs may hand back a Node Buffer view into a shared pool).
  return new Uint8Array(out);
}
