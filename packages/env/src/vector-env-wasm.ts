import { VECTOR_ENV_WASM_BASE64 } from './vector-env-wasm.generated.js';

/** The part of the WebAssembly JavaScript API used here (the project's lib settings declare none). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
const decodeBase64 = (globalThis as { atob?: (s: string) => string }).atob;

/** The exports of assembly/vector-env.ts (addresses are byte offsets into `memory`). */
export interface VectorEnvExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  configure(
    n: number, channels: number, cap: number, progressReward: number, autoresetNext: number,
    zigX: number, zigF: number, zigRatio: number,
    obs: number, rewards: number, fitness: number, terminated: number, truncated: number, done: number, select: number,
    mask: number, position: number, stepIndex: number, actions: number, goal: number, limit: number, fastest: number,
    size: number, slot: number, sigma: number, startProgress: number, rng: number, walls: number, cues: number, progress: number,
  ): void;
  senseOne(i: number): void;
  senseSelected(): void;
  shareDraws(on: number, group: number, shared: number, stamp: number): void;
  firstBadAction(): number;
  /** Seeds envs first … first+count−1 (count a multiple of 4) from one derivation prefix; see VectorEnv.seedEnvsAfterPrefix. */
  seedAfterPrefix(first: number, count: number, prefix: number, last: number, stream: number, out: number): void;
  /** The module's own exp (the ziggurat's wedge test compares with it first; see assembly/vector-env.ts). */
  moduleExp(t: number): number;
  step(): number;
}

let compiled: object | null | undefined;

function decode(base64: string): Uint8Array {
  const bin = decodeBase64!(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** An embedded module (base64 of its bytes) compiled, or null where there is no WebAssembly (or compiling synchronously is refused). */
export function compileEmbeddedWasm(base64: string): object | null {
  try {
    if (wasmApi === undefined || decodeBase64 === undefined) return null;
    const bytes = decode(base64);
    if (!wasmApi.validate(bytes)) return null;
    return new wasmApi.Module(bytes);
  } catch {
    return null;
  }
}

/**
 * A fresh instance of `mod` (exporting `memory` and `heapBase`) whose memory holds at least `bytes` bytes past
 * the module's static data, or null when the memory cannot be had. The memory never grows afterwards, so
 * views of it stay valid.
 */
export function instantiateEmbeddedWasm<T extends { readonly memory: WasmMemory; heapBase(): number }>(mod: object, bytes: number, imports: object = {}): T | null {
  try {
    const exports = new wasmApi!.Instance(mod, imports).exports as T;
    const needed = exports.heapBase() + bytes;
    const have = exports.memory.buffer.byteLength;
    if (needed > have) exports.memory.grow(Math.ceil((needed - have) / 65536));
    return exports;
  } catch {
    return null;
  }
}

/**
 * Places arrays of `lengths` bytes (each aligned to `align`, a power of two) after the static data of an
 * instance of the embedded module `base64` (compiled once into `cache`), or in a plain ArrayBuffer when there is
 * no WebAssembly (`wasm: false`, or the module cannot be had): the instance (null on the JavaScript path), the
 * buffer and each array's byte address in it.
 */
export function embeddedArrays<T extends { readonly memory: WasmMemory; heapBase(): number }>(
  cache: { compiled?: object | null },
  base64: string,
  lengths: readonly number[],
  align: number,
  wasm: boolean,
): { instance: T | null; buffer: ArrayBuffer; at: number[] } {
  const offsets: number[] = [];
  let bytes = 0;
  for (const length of lengths) {
    offsets.push(bytes);
    bytes = (bytes + length + align - 1) & ~(align - 1);
  }
  let instance: T | null = null;
  if (wasm) {
    if (cache.compiled === undefined) cache.compiled = compileEmbeddedWasm(base64);
    if (cache.compiled !== null) instance = instantiateEmbeddedWasm<T>(cache.compiled, bytes + align);
  }
  const base = instance === null ? 0 : (instance.heapBase() + align - 1) & ~(align - 1);
  const buffer = instance === null ? new ArrayBuffer(bytes) : instance.memory.buffer;
  return { instance, buffer, at: offsets.map((o) => base + o) };
}

/** The compiled module, or null where there is no WebAssembly (or compiling synchronously is refused). */
function vectorEnvModule(): object | null {
  if (compiled === undefined) compiled = compileEmbeddedWasm(VECTOR_ENV_WASM_BASE64);
  return compiled;
}

/** Whether VectorEnv's WebAssembly path can run here. */
export function vectorEnvWasmAvailable(): boolean {
  return vectorEnvModule() !== null;
}

/**
 * A fresh instance with a memory of its own of at least `bytes` bytes past the module's static data, or
 * null when WebAssembly is missing or the memory cannot be had. The memory never grows afterwards, so views
 * of it stay valid.
 */
export function instantiateVectorEnv(bytes: number): VectorEnvExports | null {
  const mod = vectorEnvModule();
  if (mod === null) return null;
  return instantiateEmbeddedWasm<VectorEnvExports>(mod, bytes, { env: { exp: Math.exp, log: Math.log } });
}
