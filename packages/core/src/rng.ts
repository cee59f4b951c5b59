import { PrnnError, describeValue } from './errors.js';

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;
const GOLDEN_GAMMA = 0x9e3779b9 | 0;

/** Avalanche mixer of a 32-bit word (the splitmix32 output function). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** Folds an arbitrary finite integer (up to ±2^53) into a running 32-bit hash. */
function absorb(hash: number, value: number): number {
  if (!Number.isFinite(value) || !Number.isInteger(value)) {
    throw new PrnnError(`seed and stream ids must be finite integers (got ${describeValue(value)})`);
  }
  const low = value | 0;
  const high = Math.floor(value / TWO_POW_32) | 0;
  hash = mix32((hash + GOLDEN_GAMMA) ^ low);
  return mix32((hash + GOLDEN_GAMMA) ^ high);
}

// ---- Ziggurat for the standard normal (256 layers), tables built once at module load ----
const ZIG_LAYERS = 256;
const ZIG_R = 3.6541528853610088; // right edge of the base layer
const ZIG_AREA = 0.00492867323399; // area of each layer, for f(x) = exp(−x²/2)
/** zigX[i]: right edge of layer i (zigX[0] is the base layer's pseudo-width, zigX[256] = 0). */
const zigX = new Float64Array(ZIG_LAYERS + 1);
/** zigF[i] = f(zigX[i]). */
const zigF = new Float64Array(ZIG_LAYERS + 1);
/** zigRatio[i] = zigX[i+1] / zigX[i]: below it, a point of layer i lies under the curve for sure. */
const zigRatio = new Float64Array(ZIG_LAYERS);
{
  const f = (x: number): number => Math.exp(-0.5 * x * x);
  zigX[0] = ZIG_AREA / f(ZIG_R);
  zigX[1] = ZIG_R;
  for (let i = 1; i < ZIG_LAYERS - 1; i++) {
    const y = f(zigX[i]) + ZIG_AREA / zigX[i];
    zigX[i + 1] = y >= 1 ? 0 : Math.sqrt(-2 * Math.log(y));
  }
  zigX[ZIG_LAYERS] = 0;
  for (let i = 0; i <= ZIG_LAYERS; i++) zigF[i] = f(zigX[i]);
  zigF[0] = 0; // the base layer reaches down to the axis
  for (let i = 0; i < ZIG_LAYERS; i++) zigRatio[i] = zigX[i + 1] / zigX[i];
}
const INV_TWO_POW_23 = 1 / 8388608;

/** Copies of the ziggurat's tables, for a WebAssembly port of `normal` that must give the same bits. */
export function zigguratTables(): { x: Float64Array; f: Float64Array; ratio: Float64Array } {
  return { x: zigX.slice(), f: zigF.slice(), ratio: zigRatio.slice() };
}
/** Where normal() receives a sample from the slow path (avoids returning a double from an out-of-line call). */
const slowResult = new Float64Array(1);

/**
 * Seeded xoshiro128** generator on 32-bit words. Every random number in prnn comes from one of these.
 * Independent streams: `Rng.derive(seed, ...ids)` hashes the seed and ids (splitmix32) into the state.
 * `float`, `int` and `normal` allocate nothing.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** A generator seeded from `seed` alone (same as `Rng.derive(seed)`). */
  constructor(seed = 0) {
    this.reseed(seed);
  }

  /** An independent generator for the stream identified by (seed, ...ids). */
  static derive(seed: number, ...ids: number[]): Rng {
    const rng = new Rng(0);
    rng.reseedFrom(seed, ids);
    return rng;
  }

  /** A generator restored from `state()`. */
  static fromState(state: ArrayLike<number>): Rng {
    if (state.length !== 4) {
      throw new PrnnError(`Rng state must have 4 words (got ${state.length})`);
    }
    const rng = new Rng(0);
    rng.s0 = state[0] | 0;
    rng.s1 = state[1] | 0;
    rng.s2 = state[2] | 0;
    rng.s3 = state[3] | 0;
    if ((rng.s0 | rng.s1 | rng.s2 | rng.s3) === 0) throw new PrnnError('Rng state must not be all zero');
    return rng;
  }

  /** Re-seeds this generator in place, exactly as `Rng.derive(seed, ...ids)` would. */
  reseed(seed: number, ...ids: number[]): this {
    return this.reseedFrom(seed, ids);
  }

  /** As `reseed(seed, ...ids)`, the ids from an array (nothing allocated: for per-trial streams in hot loops). */
  reseedIds(seed: number, ids: ArrayLike<number>): this {
    return this.reseedFrom(seed, ids);
  }

  /**
   * The part of the derivation of every stream (seed, ...leading, last) that does not depend on `last`: many
   * streams that differ in their last id only (one per trial) derive from it with `reseedAfterPrefix` or
   * `firstUint32AfterPrefix`, which then hash that one id instead of the seed and all ids again.
   */
  static derivePrefix(seed: number, leading: ArrayLike<number>): number {
    let hash = absorb(0x6a09e667, seed);
    hash = absorb(hash, leading.length + 1);
    for (let i = 0; i < leading.length; i++) hash = absorb(hash, leading[i]);
    return hash;
  }

  /** Re-seeds this generator in place as `Rng.derive(seed, ...leading, last)`, from `derivePrefix(seed, leading)`. */
  reseedAfterPrefix(prefix: number, last: number): this {
    return this.expand(absorb(prefix, last));
  }

  /**
   * `Rng.derive(seed, ...leading, last).nextUint32()`, from `derivePrefix(seed, leading)`, with no generator:
   * the first output of xoshiro128** depends on its second state word only.
   */
  static firstUint32AfterPrefix(prefix: number, last: number): number {
    let sm = absorb(prefix, last);
    sm = (sm + GOLDEN_GAMMA) | 0;
    sm = (sm + GOLDEN_GAMMA) | 0;
    const scrambled = Math.imul(mix32(sm), 5);
    return Math.imul((scrambled << 7) | (scrambled >>> 25), 9) >>> 0;
  }

  private reseedFrom(seed: number, ids: ArrayLike<number>): this {
    let hash = absorb(0x6a09e667, seed);
    hash = absorb(hash, ids.length);
    for (let i = 0; i < ids.length; i++) hash = absorb(hash, ids[i]);
    return this.expand(hash);
  }

  /** splitmix32 expands a derivation's hash into the four state words. */
  private expand(hash: number): this {
    let sm = hash;
    sm = (sm + GOLDEN_GAMMA) | 0;
    this.s0 = mix32(sm);
    sm = (sm + GOLDEN_GAMMA) | 0;
    this.s1 = mix32(sm);
    sm = (sm + GOLDEN_GAMMA) | 0;
    this.s2 = mix32(sm);
    sm = (sm + GOLDEN_GAMMA) | 0;
    this.s3 = mix32(sm);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    return this;
  }

  /** The four state words (unsigned), for checkpoints. */
  state(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Restores the four state words of `state()` in place (checkpoints of generators held by others). */
  setState(state: ArrayLike<number>): this {
    const restored = Rng.fromState(state);
    this.s0 = restored.s0;
    this.s1 = restored.s1;
    this.s2 = restored.s2;
    this.s3 = restored.s3;
    return this;
  }

  /**
   * Writes the four state words to words[offset … offset + 4), and `loadWords` reads them back: how
   * VectorEnv's WebAssembly path hands a stream to its module for one call and takes it back afterwards.
   */
  saveWords(words: Int32Array, offset: number): void {
    words[offset] = this.s0;
    words[offset + 1] = this.s1;
    words[offset + 2] = this.s2;
    words[offset + 3] = this.s3;
  }

  /** Restores the four state words written by `saveWords` from words[offset … offset + 4). */
  loadWords(words: Int32Array, offset: number): void {
    this.s0 = words[offset];
    this.s1 = words[offset + 1];
    this.s2 = words[offset + 2];
    this.s3 = words[offset + 3];
  }

  /** An independent copy that continues the same sequence. */
  clone(): Rng {
    const copy = new Rng(0);
    copy.s0 = this.s0;
    copy.s1 = this.s1;
    copy.s2 = this.s2;
    copy.s3 = this.s3;
    return copy;
  }

  /** Next signed 32-bit word (internal fast path). */
  private nextInt32(): number {
    const s1 = this.s1;
    const scrambled = Math.imul(s1, 5);
    const result = Math.imul((scrambled << 7) | (scrambled >>> 25), 9);
    const t = s1 << 9;
    const s2 = this.s2 ^ this.s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 = this.s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    return this.nextInt32() >>> 0;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return (this.nextInt32() >>> 0) * INV_TWO_POW_32;
  }

  /**
   * Writes `count` uniform floats in [0, scale) to `out[offset …]`: the same numbers as `count` calls of
   * `float() * scale`, for a batch at the cost of one call (the state stays in locals for the loop).
   */
  fillFloat(out: Float32Array | Float64Array, offset: number, count: number, scale: number): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let k = offset, end = offset + count; k < end; k++) {
      const scrambled = Math.imul(s1, 5);
      const result = Math.imul((scrambled << 7) | (scrambled >>> 25), 9);
      const t = s1 << 9;
      const b = s2 ^ s0;
      const e = s3 ^ s1;
      s1 = s1 ^ b;
      s0 = s0 ^ e;
      s2 = b ^ t;
      s3 = (e << 11) | (e >>> 21);
      out[k] = (result >>> 0) * INV_TWO_POW_32 * scale;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * True with probability p; the same draw and outcome as `float() < p`. Returning a boolean (never a
   * boxed double) keeps callers allocation-free even where V8 does not inline.
   */
  chance(p: number): boolean {
    return (this.nextInt32() >>> 0) * INV_TWO_POW_32 < p;
  }

  /** Uniform integer in [0, n), without modulo bias; n an integer in [1, 2^32]. */
  int(n: number): number {
    if (n <= 2097152 && n >= 1 && (n | 0) === n) {
      // Lemire's multiply-shift; x·n < 2^53 is exact in a double
      let m = (this.nextInt32() >>> 0) * n;
      let high = Math.floor(m * INV_TWO_POW_32);
      let low = m - high * TWO_POW_32;
      if (low < n) {
        const threshold = (TWO_POW_32 - n) % n;
        while (low < threshold) {
          m = (this.nextInt32() >>> 0) * n;
          high = Math.floor(m * INV_TWO_POW_32);
          low = m - high * TWO_POW_32;
        }
      }
      return high;
    }
    if (!(n >= 1 && n <= TWO_POW_32 && Number.isInteger(n))) {
      throw new PrnnError(`Rng.int(n) needs an integer n in [1, 2^32] (got ${describeValue(n)})`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextInt32() >>> 0;
    while (x >= limit) x = this.nextInt32() >>> 0;
    return x % n;
  }

  /**
   * Standard Gaussian sample (ziggurat: one 32-bit draw in ~99% of calls). Kept tiny so that V8 inlines
   * it into callers; an out-of-line call would box the returned double on the heap.
   */
  normal(): number {
    const u = this.nextInt32();
    const layer = u & 255;
    const ux = (u >>> 9) * INV_TWO_POW_23;
    if (ux < zigRatio[layer]) {
      const x = ux * zigX[layer];
      return (u & 256) === 0 ? x : -x;
    }
    this.normalSlow(layer, u >>> 9, u & 256, slowResult, 0);
    return slowResult[0];
  }

  /**
   * Writes `count` standard Gaussian samples to `out[offset …]`, the same numbers as `count` calls of
   * normal(). Hot loops should prefer it: no double returned from a call can end up boxed on the heap.
   */
  fillNormal(out: Float64Array | Float32Array, offset: number, count: number): void {
    for (let k = offset, end = offset + count; k < end; k++) {
      const u = this.nextInt32();
      const layer = u & 255;
      const ux = (u >>> 9) * INV_TWO_POW_23;
      if (ux < zigRatio[layer]) {
        const x = ux * zigX[layer];
        out[k] = (u & 256) === 0 ? x : -x;
      } else {
        this.normalSlow(layer, u >>> 9, u & 256, out, k);
      }
    }
  }

  /**
   * The ziggurat's rare cases (the wedge of a layer, or the tail); writes the sample to out[k].
   * Takes only small integers (the layer, the 23 value bits and the sign bit) so that calling it never
   * boxes a double.
   */
  private normalSlow(layer: number, bits: number, sign: number, out: Float64Array | Float32Array, k: number): void {
    for (;;) {
      const ux = bits * INV_TWO_POW_23;
      const x = ux * zigX[layer];
      if (ux < zigRatio[layer]) {
        out[k] = sign === 0 ? x : -x;
        return;
      }
      if (layer === 0) {
        const tail = this.normalTail();
        out[k] = sign === 0 ? tail : -tail;
        return;
      }
      const y = zigF[layer] + this.float() * (zigF[layer + 1] - zigF[layer]);
      if (y < Math.exp(-0.5 * x * x)) {
        out[k] = sign === 0 ? x : -x;
        return;
      }
      const u = this.nextInt32();
      layer = u & 255;
      bits = u >>> 9;
      sign = u & 256;
    }
  }

  /** A sample of |N(0,1)| conditioned on exceeding the base layer's edge (Marsaglia's tail method). */
  private normalTail(): number {
    for (;;) {
      const a = -Math.log(1 - this.float()) / ZIG_R;
      const b = -Math.log(1 - this.float());
      if (b + b > a * a) return ZIG_R + a;
    }
  }
}
