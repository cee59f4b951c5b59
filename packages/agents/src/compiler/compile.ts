import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { programKey, type StepProgram } from './program.js';
import { interpretedKernel, type StepKernel } from './step-kernel.js';
import { EMITTER_VERSION, type GATE_GLOBALS, emitWasm } from './wasm-emit.js';

/** Which engine runs a compiled step: WebAssembly SIMD (the fast path) or the reference interpreter. */
export type StepEngine = 'wasm-simd' | 'interpreter';

/** Environment variable naming the on-disk cache directory of compiled modules (`off` disables it). */
export const COMPILE_CACHE_ENV = 'PRNN_COMPILE_CACHE';

/** Counts of what `compileStep` did since the process started (for tests and `prnn bench`). */
export const compilerStats = { emitted: 0, memoryHits: 0, diskHits: 0, emitMs: 0 };

/** The part of the WebAssembly JavaScript API used here (the project's lib settings declare none). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer; grow(pages: number): number };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface CachedModule {
  readonly module: object;
  readonly reserved: number;
}

const modules = new Map<string, CachedModule>();

/** The cache directory: $PRNN_COMPILE_CACHE, else $XDG_CACHE_HOME/prnn/step-compiler, else ~/.cache/prnn/step-compiler. */
export function compileCacheDir(): string | null {
  const env = process.env[COMPILE_CACHE_ENV];
  if (env === 'off') return null;
  if (env) return env;
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'prnn', 'step-compiler');
}

/** The modules whose code decides the bytes `emitWasm` writes for a program (read beside this one, .js or .ts as it is). */
export const EMITTER_MODULES = ['wasm-emit', 'wasm-roll', 'program'] as const;

let fingerprint: string | undefined;

/**
 * The emitter's fingerprint: the SHA-256 of its modules' code (EMITTER_MODULES, as this build has them), so
 * that modules cached on disk by another build of the emitter — an older release, or a branch that changed the
 * code without bumping EMITTER_VERSION — are never taken for this one's. Where the files cannot be read (a
 * bundle), the version alone.
 */
export function emitterFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const hash = createHash('sha256').update(`prnn-step-compiler/${EMITTER_VERSION}\n`);
  try {
    const self = fileURLToPath(import.meta.url);
    const ext = path.extname(self);
    for (const name of EMITTER_MODULES) hash.update(readFileSync(path.join(path.dirname(self), name + ext)));
    fingerprint = hash.digest('hex').slice(0, 16);
  } catch {
    fingerprint = `v${EMITTER_VERSION}`;
  }
  return fingerprint;
}

/** The hash modules are cached by: the lowered program and the emitter (its version and code). */
export function programHash(p: StepProgram): string {
  return createHash('sha256').update(`prnn-step-compiler/${emitterFingerprint()}\n`).update(programKey(p)).digest('hex').slice(0, 32);
}

function wasmModule(p: StepProgram): CachedModule {
  const hash = programHash(p);
  const seen = modules.get(hash);
  if (seen) {
    compilerStats.memoryHits++;
    return seen;
  }
  const dir = compileCacheDir();
  const file = dir ? path.join(dir, `${hash}.wasm`) : null;
  let cached: CachedModule | null = null;
  if (file && existsSync(file)) {
    try {
      const bytes = readFileSync(file);
      const reserved = bytes.readUInt32LE(0);
      cached = { module: new wasm.Module(bytes.subarray(4)), reserved };
      compilerStats.diskHits++;
    } catch {
      cached = null; // a damaged file is rebuilt below
    }
  }
  if (!cached) {
    const t0 = performance.now();
    const { bytes, reserved } = emitWasm(p);
    cached = { module: new wasm.Module(bytes), reserved };
    compilerStats.emitted++;
    compilerStats.emitMs += performance.now() - t0;
    if (file) {
      try {
        mkdirSync(dir!, { recursive: true });
        const head = Buffer.alloc(4);
        head.writeUInt32LE(reserved, 0);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([head, bytes]));
        renameSync(tmp, file);
      } catch {
        // an unwritable cache directory only costs the next process a compile
      }
    }
  }
  modules.set(hash, cached);
  return cached;
}

/** Drops the in-memory cache (the disk cache stays): the next compile of a program reads disk or emits. */
export function clearCompileMemoryCache(): void {
  modules.clear();
}

/** Bytes the WebAssembly kernel of `p` reserves at the start of its memory (its registers and adjoints). */
export function compiledReserved(p: StepProgram): number {
  return wasmModule(p).reserved;
}

/** A kernel for `p` on `engine`: wasm modules come from the cache (memory, then disk) or are emitted once. */
export function compileStep(p: StepProgram, engine: StepEngine = 'wasm-simd'): StepKernel {
  if (engine === 'interpreter') return interpretedKernel(p);
  const { module, reserved } = wasmModule(p);
  const memory = new wasm.Memory({ initial: Math.ceil(reserved / 65536) + 1 });
  const instance = new wasm.Instance(module, { env: { memory } });
  const exp = instance.exports as {
    forward: (a: number, b: number, c: number, d: number, e: number, f: number, reg: number) => void;
    backward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, reg: number) => void;
  } & Pick<StepKernel, 'lanesIn' | 'lanesOut' | 'paramsIn' | 'paramsOut' | 'forwardChunks' | 'backwardSteps'> &
    Record<(typeof GATE_GLOBALS)[number], { value: number }>;
  let view = new Float32Array(memory.buffer);
  return {
    engine: 'wasm-simd',
    reserved,
    registerBytes: reserved,
    view: () => {
      if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
      return view;
    },
    grow(bytes) {
      const have = memory.buffer.byteLength;
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
    },
    forward: exp.forward,
    backward: exp.backward,
    forwardChunks: exp.forwardChunks,
    backwardSteps: exp.backwardSteps,
    lanesIn: exp.lanesIn,
    lanesOut: exp.lanesOut,
    paramsIn: exp.paramsIn,
    paramsOut: exp.paramsOut,
    chunkMasks(paramsBase, chunkStride, masks) {
      exp.paramsBase.value = paramsBase;
      exp.chunkStride.value = chunkStride;
      exp.maskBase.value = masks;
    },
  };
}
