import { PrnnError, describeValue } from './errors.js';
import type { Rng } from './rng.js';

/** Gymnasium-style continuous float32 space: every element of a Float32Array of `shape` lies in [low, high]. */
export class Box {
  readonly low: number;
  readonly high: number;
  readonly shape: readonly number[];
  /** Number of elements (product of the shape). */
  readonly size: number;

  constructor(low: number, high: number, shape: readonly number[]) {
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
   * bound) or standard normal (none), as Gymnasium does.
   */
  sample(rng: Rng): Float32Array {
    const out = new Float32Array(this.size);
    const { low, high } = this;
    const lowFinite = Number.isFinite(low);
    const highFinite = Number.isFinite(high);
    for (let i = 0; i < out.length; i++) {
      if (lowFinite && highFinite) out[i] = Math.min(high, low + (high - low) * rng.float());
      else if (lowFinite) out[i] = low - Math.log(1 - rng.float());
      else if (highFinite) out[i] = high + Math.log(1 - rng.float());
      else out[i] = rng.normal();
    }
    return out;
  }

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
export class Discrete {
  readonly n: number;
  readonly start: number;

  constructor(n: number, start = 0) {
    if (!Number.isInteger(n) || n < 1) throw new PrnnError(`Discrete n must be an integer ≥ 1 (got ${describeValue(n)})`);
    if (!Number.isInteger(start)) throw new PrnnError(`Discrete start must be an integer (got ${describeValue(start)})`);
    this.n = n;
    this.start = start;
  }

  sample(rng: Rng): number {
    return this.start + rng.int(this.n);
  }

  contains(x: unknown): boolean {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }
}
