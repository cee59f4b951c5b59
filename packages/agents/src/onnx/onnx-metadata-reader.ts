import protobuf from 'protobufjs/minimal.js';
import { crc32 } from '@prnn/core';

/** metadata_props key of the CRC-32 (8 hex digits) of the serialised GraphProto (ModelProto field 7). */
export const GRAPH_CRC32_KEY = 'prnn.graph_crc32';

/** The value stored under GRAPH_CRC32_KEY for the graph bytes `graph`. */
export function graphChecksum(graph: Uint8Array): string {
  return crc32(graph).toString(16).padStart(8, '0');
}

/** The few top-level facts of an ONNX ModelProto that onnxruntime's JS API does not expose. */
export interface OnnxModelHeader {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly opsetVersion: number | undefined;
  readonly metadata: Record<string, string>;
  /** The serialised GraphProto (field 7), a view into the model's bytes (empty when there is none). */
  readonly graph: Uint8Array;
}

/**
 * Reads ir_version (1), producer_name (2), producer_version (3), the default-domain opset (8) and
 * metadata_props (14) of a serialised ModelProto, and where its graph (7) lies, skipping every other field
 * (the graph is not decoded).
 * Throws when the bytes are not a well-formed protobuf message.
 */
export function readOnnxModelHeader(bytes: Uint8Array): OnnxModelHeader {
  const r = protobuf.Reader.create(bytes);
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  let opsetVersion: number | undefined;
  const metadata: Record<string, string> = {};
  let graph: Uint8Array = new Uint8Array(0);
  while (r.pos < r.len) {
    const t = r.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    if (field === 1 && wire === 0) irVersion = Number(r.int64());
    else if (field === 2 && wire === 2) producerName = r.string();
    else if (field === 3 && wire === 2) producerVersion = r.string();
    else if (field === 7 && wire === 2) {
      const length = r.uint32();
      graph = bytes.subarray(r.pos, r.pos + length);
      r.skip(length);
    } else if (field === 8 && wire === 2) {
      const end = r.uint32() + r.pos;
      let domain = '';
      let version: number | undefined;
      while (r.pos < end) {
        const st = r.uint32();
        if (st >>> 3 === 1 && (st & 7) === 2) domain = r.string();
        else if (st >>> 3 === 2 && (st & 7) === 0) version = Number(r.int64());
        else r.skipType(st & 7);
      }
      if ((domain === '' || domain === 'ai.onnx') && version !== undefined) opsetVersion = version;
    } else if (field === 14 && wire === 2) {
      const end = r.uint32() + r.pos;
      let key = '';
      let value = '';
      while (r.pos < end) {
        const st = r.uint32();
        if (st >>> 3 === 1 && (st & 7) === 2) key = r.string();
        else if (st >>> 3 === 2 && (st & 7) === 2) value = r.string();
        else r.skipType(st & 7);
      }
      metadata[key] = value;
    } else r.skipType(wire);
  }
  return { irVersion, producerName, producerVersion, opsetVersion, metadata, graph };
}
