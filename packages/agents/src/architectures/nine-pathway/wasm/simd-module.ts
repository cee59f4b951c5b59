import { NINE_PATHWAY_SIMD_WASM_BASE64 } from './simd-binary.generated.js';

/** The exports of assembly/nine-pathway-simd.ts (addresses are byte offsets into `memory`). */
export interface SimdExports {
  readonly memory: WebAssembly.Memory;
  configure(inputs: number, outputs: number, maxHidden: number, population: number, groups: number, desc: number): void;
  heapBase(): number;
  forward(batch: number, obs: number, noise: number, q: number, cur: number, next: number, s: number, u: number): void;
  loadWeights(table: number): void;
  learn(
    T: number, obs: number, noise: number, actions: number, targets: number, lengths: number,
    losses: number, grads: number, scale: number, work: number,
  ): void;
  learnScratchBytes(T: number, maxGroupWeights: number): number;
  adam(
    count: number, params: number, grads: number, m: number, v: number, coef: number, perNetwork: number,
    b1: number, b2: number, omb1: number, omb2: number, omAcc1: number, omAcc2: number, eps: number, negLr: number,
  ): void;
}

let compiled: WebAssembly.Module | null | undefined;

function decode(base64: string): Uint8Array {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * The compiled kernel module, or null where this WebAssembly has no SIMD (the module does not validate) or
 * compiling it synchronously is not allowed. Compiled once per thread; each population instantiates it
 * with a memory of its own. Only WebAssembly and atob are used, so it loads in Node and in browsers alike.
 */
export function simdModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = decode(NINE_PATHWAY_SIMD_WASM_BASE64);
    if (!WebAssembly.validate(bytes)) return null;
    compiled = new WebAssembly.Module(bytes);
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
  return new WebAssembly.Instance(mod, {}).exports as unknown as SimdExports;
}
