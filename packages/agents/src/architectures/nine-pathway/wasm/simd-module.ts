import { NINE_PATHWAY_SIMD_WASM_BASE64 } from './simd-binary.generated.js';

/** The part of the WebAssembly JavaScript API used here (the project's lib settings declare none). */
interface WasmMemory {
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

/** The exports of assembly/nine-pathway-simd.ts (addresses are byte offsets into `memory`). */
export interface SimdExports {
  readonly memory: WasmMemory;
  configure(inputs: number, outputs: number, maxHidden: number, population: number, groups: number, desc: number): void;
  heapBase(): number;
  forward(batch: number, obs: number, noise: number, q: number, cur: number, next: number, s: number, u: number): void;
  loadWeights(table: number): void;
  learn(
    T: number, obs: number, noise: number, actions: number, targets: number, lengths: number,
    losses: number, grads: number, scale: number, work: number, hist: number,
  ): void;
  learnScratchBytes(T: number, maxGroupWeights: number): number;
  adam(
    arrays: number, table: number, coef: number, population: number,
    b1: number, b2: number, omb1: number, omb2: number, omAcc1: number, omAcc2: number, eps: number, negLr: number,
    shapes: number, padCols: number,
  ): void;
  gradNorms(arrays: number, table: number, population: number, out: number, shapes: number, padCols: number): void;
  sameBits(a: number, b: number, bytes: number): number;
}

let compiled: object | null | undefined;

function decode(base64: string): Uint8Array {
  const bin = decodeBase64!(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * The compiled kernel module, or null where this WebAssembly has no SIMD (the module does not validate) or
 * compiling it synchronously is not allowed. Compiled once per thread; each population instantiates it
 * with a memory of its own. Only WebAssembly and atob are used, so it loads in Node and in browsers alike.
 */
export function simdModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (wasmApi === undefined || decodeBase64 === undefined) return null;
    const bytes = decode(NINE_PATHWAY_SIMD_WASM_BASE64);
    if (!wasmApi.validate(bytes)) return null;
    compiled = new wasmApi.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Whether the SIMD kernel can run here. */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}

export function instantiateSimd(): SimdExports {
  const mod = simdModule();
  if (mod === null) throw new Error('WebAssembly SIMD is not available in this runtime');
  return new wasmApi!.Instance(mod, {}).exports as SimdExports;
}
