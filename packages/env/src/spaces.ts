import { PrnnError, describeValue, Rng } from '@prnn/core';

/**
 * What both spaces share: a default generator for `sample()` without an explicit Rng, seeded with 0 until
 * `seed(n)` re-seeds it (Gymnasium's `space.seed()`; always from a seed, so samples are reproducible).
 */
abstract class SeededSpace {
  private generator?: Rng;

  /** Re-seeds the space's own generator; returns the seed used, as Gymnasium does. */
  seed(seed = 0): number[] {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new PrnnError(`space seed must be an integer ≥ 0 (got ${describeValue(seed)})`);
    this.generator = new Rng(seed);
    return [seed];
  }

  /** `rng` when given, else the space's own generator (created with seed 0 on first use). */
  protected rng(rng: Rng | undefined): Rng {
    if (rng !== undefined) return rng;
    this.generator ??= new Rng(0);
    return this.generator;
  }
}

/** Gymnasium-style continuous float32 space: every element of a Float32Array of `shape` lies in [low, high]. */
export class Box extends SeededSpace {
  readonly low: number;
  readonly high: number;
  readonly shape: readonly number[];
  /** Number of elements (product of the shape). */
  readonly size: number;

  constructor(low: number, high: number, shape: readonly number[]) {
    super();
    if (Number.isNaN(low) || Number.isNaN(high) || low > high) {
      throw new PrnnError(`Box bounds must satisfy low ≤ high (got ${low}, ${high})`);
    }
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new PrnnError(`Box shape must be non-negative integers (got ${describeValue([...shape])})`);
    }
    // stored as float32, like the samples, so that every sample lies within the stored bounds
    this.low = Math.fround(low);
    this.high = Math.fround(high);
    this.shape = [...shape];
    this.size = shape.reduce((a, b) => a * b, 1);
  }

  /**
   * A random element: uniform when both bounds are finite, otherwise shifted exponential (one finite
   * bound) or standard normal (none), as Gymnasium does. Without `rng`, the space's own generator (`seed()`).
   */
  sample(rng?: Rng): Float32Array {
    const r = this.rng(rng);
    const out = new Float32Array(this.size);
    const { low, high } = this;
    const lowFinite = Number.isFinite(low);
    const highFinite = Number.isFinite(high);
    for (let i = 0; i < out.length; i++) {
      if (lowFinite && highFinite) out[i] = Math.min(high, low + (high - low) * r.float());
      else if (lowFinite) out[i] = low - Math.log(1 - r.float());
      else if (highFinite) out[i] = high + Math.log(1 - r.float());
      else out[i] = r.normal();
    }
    return out;
  }

  /** Whether `x` is an array or typed array of this space's size whose values are all numbers within [low, high]. */
  contains(x: unknown): boolean {
    if (!(ArrayBuffer.isView(x) || Array.isArray(x))) return false;
    const values = x as ArrayLike<unknown>;
    if (values.length !== this.size) return false;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !(v >= this.low && v <= this.high)) return false;
    }
    return true;
  }
}

/** Gymnasium-style discrete space {start, …, start + n − 1}. */
export class Discrete extends SeededSpace {
  readonly n: number;
  readonly start: number;

  constructor(n: number, start = 0) {
    super();
    if (!Number.isInteger(n) || n < 1) throw new PrnnError(`Discrete n must be an integer ≥ 1 (got ${describeValue(n)})`);
    if (!Number.isInteger(start)) throw new PrnnError(`Discrete start must be an integer (got ${describeValue(start)})`);
    this.n = n;
    this.start = start;
  }

  /** A random element, from `rng` or else the space's own generator (`seed()`). */
  sample(rng?: Rng): number {
    return this.start + this.rng(rng).int(this.n);
  }

  /** Whether `x` is an integer in [start, start + n). */
  contains(x: unknown): boolean {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }
}
