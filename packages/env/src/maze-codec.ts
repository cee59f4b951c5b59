import { crc32, PrnnError, describeValue } from '@prnn/core';
import { MazeSet } from './maze-set.js';
import { resolveTaskOptions, type TaskOptions } from './task-options.js';

// The maze-set file format, version 1. All numbers little-endian.
//
//   offset  size        field
//   0       8           magic "PRNNMAZE"
//   8       2  u16      format version (1)
//   10      2  u16      reserved, 0
//   12      4  u32      H = byte length of the JSON header
//   16      8  u64      L = byte length of the whole file, checksum included
//   24      H           JSON header, UTF-8: {"count":n,"format":"prnn-maze-set","options":{TaskOptions}} (keys sorted)
//           pad         zeros up to a multiple of 4 (every array below starts 4-byte aligned)
//           ⌈n·S²/8⌉    walls, one bit per cell (bit k of byte k>>3, least significant first; 1 = wall), zero-padded to 4
//           4n  i32     start            4n  i32  goal
//           4n  i32     dMax             4n  i32  fastestSolution
//           4nS² i32    distance
//           4nS²C f32   cues (cell-major, as in MazeSet)
//           4nS² f32    progress
//   L−4     4  u32      CRC-32 of bytes [0, L−4)
//
// Every array of the MazeSet is stored as is, so decode(encode(set)) reproduces the set exactly and
// encode(decode(bytes)) reproduces the bytes.

/** The 8 ASCII bytes a maze file starts with. */
export const MAZE_FILE_MAGIC = 'PRNNMAZE';
/** Version of the maze file format this code writes and reads (docs/reference/maze-file-format.md). */
export const MAZE_FILE_VERSION = 1;
const FORMAT_NAME = 'prnn-maze-set';
const PREFIX_BYTES = 24;
const CHECKSUM_BYTES = 4;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Layout {
  headerStart: number;
  wallsStart: number;
  wallsBytes: number;
  start: number;
  goal: number;
  dMax: number;
  fastestSolution: number;
  distance: number;
  cues: number;
  progress: number;
  checksum: number;
  total: number;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function layoutOf(headerBytes: number, count: number, cellCount: number, channels: number): Layout {
  const cells = count * cellCount;
  const wallsStart = align4(PREFIX_BYTES + headerBytes);
  const wallsBytes = Math.ceil(cells / 8);
  const start = wallsStart + align4(wallsBytes);
  const goal = start + 4 * count;
  const dMax = goal + 4 * count;
  const fastestSolution = dMax + 4 * count;
  const distance = fastestSolution + 4 * count;
  const cues = distance + 4 * cells;
  const progress = cues + 4 * cells * channels;
  const checksum = progress + 4 * cells;
  return {
    headerStart: PREFIX_BYTES, wallsStart, wallsBytes, start, goal, dMax, fastestSolution, distance, cues, progress,
    checksum, total: checksum + CHECKSUM_BYTES,
  };
}

/** JSON with object keys sorted, so the header bytes do not depend on property order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

type NumericArray = Int32Array | Float32Array;

/** The MazeSet arrays stored after the walls, in file order. */
const STORED_ARRAYS = ['start', 'goal', 'dMax', 'fastestSolution', 'distance', 'cues', 'progress'] as const;

function writeArray(out: Uint8Array, view: DataView, offset: number, array: NumericArray): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
  } else if (array instanceof Float32Array) {
    for (let k = 0; k < array.length; k++) view.setFloat32(offset + 4 * k, array[k], true);
  } else {
    for (let k = 0; k < array.length; k++) view.setInt32(offset + 4 * k, array[k], true);
  }
}

function readArray(bytes: Uint8Array, view: DataView, offset: number, array: NumericArray): void {
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes.subarray(offset, offset + array.byteLength));
  } else if (array instanceof Float32Array) {
    for (let k = 0; k < array.length; k++) array[k] = view.getFloat32(offset + 4 * k, true);
  } else {
    for (let k = 0; k < array.length; k++) array[k] = view.getInt32(offset + 4 * k, true);
  }
}

/** The maze-set file (format version 1) holding `set`. */
export function encodeMazeSet(set: MazeSet): Uint8Array {
  const header = new TextEncoder().encode(canonicalJson({ count: set.count, format: FORMAT_NAME, options: set.options }));
  const layout = layoutOf(header.length, set.count, set.cellCount, set.channels);
  const out = new Uint8Array(layout.total);
  const view = new DataView(out.buffer);

  for (let k = 0; k < MAZE_FILE_MAGIC.length; k++) out[k] = MAZE_FILE_MAGIC.charCodeAt(k);
  view.setUint16(8, MAZE_FILE_VERSION, true);
  view.setUint16(10, 0, true);
  view.setUint32(12, header.length, true);
  view.setBigUint64(16, BigInt(layout.total), true);
  out.set(header, layout.headerStart);

  const walls = set.walls;
  for (let k = 0; k < walls.length; k++) {
    if (walls[k] !== 0) out[layout.wallsStart + (k >> 3)] |= 1 << (k & 7);
  }
  for (const name of STORED_ARRAYS) writeArray(out, view, layout[name], set[name]);
  view.setUint32(layout.checksum, crc32(out.subarray(0, layout.checksum)), true);
  return out;
}

function invalid(reason: string): PrnnError {
  return new PrnnError(`maze file ${reason}`);
}

/**
 * Reads a maze-set file produced by {@link encodeMazeSet}. Throws PrnnError (never returns garbage) when
 * the bytes are not a maze file, come from an unsupported format version, are truncated, carry trailing
 * bytes, fail the checksum, or hold inconsistent content.
 */
export function decodeMazeSet(bytes: Uint8Array): MazeSet {
  const magicLength = MAZE_FILE_MAGIC.length;
  for (let k = 0; k < Math.min(magicLength, bytes.length); k++) {
    if (bytes[k] !== MAZE_FILE_MAGIC.charCodeAt(k)) {
      throw invalid(`has the wrong magic bytes: not a prnn maze file (expected it to start with "${MAZE_FILE_MAGIC}")`);
    }
  }
  if (bytes.length < PREFIX_BYTES) {
    throw invalid(`is truncated: ${bytes.length} bytes, shorter than the ${PREFIX_BYTES}-byte file prefix`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(8, true);
  if (version !== MAZE_FILE_VERSION) {
    throw invalid(`has format version ${version}; this build of prnn reads version ${MAZE_FILE_VERSION} only`);
  }
  const declared = view.getBigUint64(16, true);
  if (declared < BigInt(PREFIX_BYTES + CHECKSUM_BYTES)) throw invalid(`is corrupted: impossible file length ${declared}`);
  if (BigInt(bytes.length) < declared) {
    throw invalid(`is truncated: ${bytes.length} bytes of the ${declared} the file declares`);
  }
  if (BigInt(bytes.length) > declared) {
    throw invalid(`is corrupted: ${BigInt(bytes.length) - declared} unexpected bytes after the declared end (${declared} bytes)`);
  }
  const total = bytes.length;
  const stored = view.getUint32(total - CHECKSUM_BYTES, true);
  const computed = crc32(bytes.subarray(0, total - CHECKSUM_BYTES));
  if (stored !== computed) {
    throw invalid(
      `is corrupted: checksum mismatch (stored CRC-32 ${hex(stored)}, computed ${hex(computed)})`,
    );
  }

  const headerBytes = view.getUint32(12, true);
  if (PREFIX_BYTES + headerBytes > total - CHECKSUM_BYTES) throw invalid(`is corrupted: header length ${headerBytes} exceeds the file`);
  let header: { count?: unknown; format?: unknown; options?: unknown };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes)));
  } catch {
    throw invalid('is corrupted: its header is not valid UTF-8 JSON');
  }
  if (header === null || typeof header !== 'object' || header.format !== FORMAT_NAME) {
    throw invalid(`is corrupted: header format must be "${FORMAT_NAME}" (got ${describeValue(header?.format)})`);
  }
  const count = header.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw invalid(`is corrupted: maze count must be an integer ≥ 0 (got ${describeValue(count)})`);
  }
  const rawOptions = header.options as Partial<TaskOptions> | null | undefined;
  let options: TaskOptions;
  try {
    options = resolveTaskOptions(String(rawOptions?.kind), rawOptions ?? {});
  } catch (error) {
    throw invalid(`holds invalid task options: ${error instanceof Error ? error.message : String(error)}`);
  }

  const cellCount = options.size * options.size;
  const layout = layoutOf(headerBytes, count, cellCount, options.channels);
  if (layout.total !== total) {
    throw invalid(`is corrupted: ${count} mazes of ${options.size}×${options.size}×${options.channels} need ${layout.total} bytes, the file has ${total}`);
  }
  const set = MazeSet.allocate(options, count);
  const walls = set.walls;
  for (let k = 0; k < walls.length; k++) walls[k] = (bytes[layout.wallsStart + (k >> 3)] >> (k & 7)) & 1;
  for (const name of STORED_ARRAYS) readArray(bytes, view, layout[name], set[name]);

  for (let m = 0; m < count; m++) {
    for (const [name, cell] of [['start', set.start[m]], ['goal', set.goal[m]]] as const) {
      if (cell < 0 || cell >= cellCount || walls[m * cellCount + cell] !== 0) {
        throw invalid(`is corrupted: maze ${m} has its ${name} at ${cell}, which is not an open cell`);
      }
    }
  }
  return set;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
