import { writeFileAtomic } from '@prnn/core';

/** Writes `value` as indented JSON with `writeFileAtomic`, creating the file's directory if needed. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { createDirectory: true });
}

/** Little-endian bytes of a float32 array (a copy; the platform's byte order does not matter). */
export function float32ToBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

/** `length` little-endian float32 values of `bytes` from byte `offset`, copied into a new array. */
export function bytesToFloat32(bytes: Uint8Array, offset: number, length: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat32(offset + i * 4, true);
  return out;
}
