import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PrnnError, Rng } from '../src/index.js';

describe('Rng', () => {
  test('equal seeds and ids give equal sequences; different ids differ', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.array(fc.nat(1000), { maxLength: 3 }), (seed, ids) => {
        const a = Rng.derive(seed, ...ids);
        const b = Rng.derive(seed, ...ids);
        const c = Rng.derive(seed, ...ids, 7);
        const xa = [a.nextUint32(), a.nextUint32(), a.nextUint32()];
        expect([b.nextUint32(), b.nextUint32(), b.nextUint32()]).toEqual(xa);
        expect([c.nextUint32(), c.nextUint32(), c.nextUint32()]).not.toEqual(xa);
      }),
      { numRuns: 200 },
    );
  });

  test('seeds differing only above 32 bits, or in the number of ids, give different streams', () => {
    expect(Rng.derive(1).nextUint32()).not.toBe(Rng.derive(1 + 2 ** 32).nextUint32());
    expect(Rng.derive(1, 0).nextUint32()).not.toBe(Rng.derive(1).nextUint32());
    expect(Rng.derive(1, 0, 0).nextUint32()).not.toBe(Rng.derive(1, 0).nextUint32());
  });

  test('new Rng(seed), derive(seed) and reseed agree', () => {
    const a = new Rng(42);
    const b = Rng.derive(42);
    const c = new Rng(5).reseed(42);
    const d = new Rng(5).reseed(42, 3);
    const e = Rng.derive(42, 3);
    for (let i = 0; i < 10; i++) {
      const x = a.nextUint32();
      expect(b.nextUint32()).toBe(x);
      expect(c.nextUint32()).toBe(x);
      expect(d.nextUint32()).toBe(e.nextUint32());
    }
  });

  test('clone and state/fromState continue the same sequence independently', () => {
    const a = Rng.derive(9, 1);
    a.normal();
    const b = a.clone();
    const c = Rng.fromState(a.state());
    const xs = Array.from({ length: 20 }, () => a.float());
    expect(Array.from({ length: 20 }, () => b.float())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.float())).toEqual(xs);
    const d = new Rng(123).setState(b.state());
    expect(d.nextUint32()).toBe(b.nextUint32());
    expect(() => new Rng(1).setState([0, 0, 0, 0])).toThrow(PrnnError);
  });

  test('nextUint32 covers 32 bits; float lies in [0, 1)', () => {
    const rng = new Rng(3);
    let or = 0;
    let and = -1;
    for (let i = 0; i < 10_000; i++) {
      const x = rng.nextUint32();
      expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
      or |= x;
      and &= x;
      const f = rng.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
    expect(or >>> 0).toBe(0xffffffff);
    expect(and).toBe(0);
  });

  test('int(n) stays in [0, n) for any n up to 2^32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 }), fc.nat(), (n, seed) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 20; i++) {
          const x = rng.int(n);
          expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('int(n) is uniform (chi-square) for small and awkward n', () => {
    const rng = new Rng(11);
    for (const n of [2, 3, 5, 7, 10]) {
      const counts = new Array<number>(n).fill(0);
      const draws = 50_000;
      for (let i = 0; i < draws; i++) counts[rng.int(n)]++;
      const expected = draws / n;
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      // 99.9% quantile of chi-square with ≤ 9 degrees of freedom is < 28
      expect(chi2).toBeLessThan(28);
    }
    // a large n where a modulo would be visibly biased: 3·2^30 → values below 2^30 twice as likely
    const big = 3 * 2 ** 30;
    let low = 0;
    const draws = 30_000;
    for (let i = 0; i < draws; i++) if (rng.int(big) < 2 ** 30) low++;
    expect(Math.abs(low / draws - 1 / 3)).toBeLessThan(0.02);
  });

  test('int(n) rejects bad n', () => {
    const rng = new Rng(1);
    for (const n of [0, -1, 1.5, Number.NaN, 2 ** 32 + 1, Infinity]) {
      expect(() => rng.int(n)).toThrow(PrnnError);
    }
    expect(() => rng.int(0)).toThrow(/n.*\[1, 2\^32\]/);
  });

  test('derive rejects non-integer seeds and ids', () => {
    expect(() => Rng.derive(1.5)).toThrow(PrnnError);
    expect(() => Rng.derive(1, Number.NaN)).toThrow(/seed and stream ids must be finite integers/);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(PrnnError);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(PrnnError);
  });

  test('normal() has the moments and tails of a standard Gaussian', () => {
    const rng = new Rng(2024);
    const n = 400_000;
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    let beyond2 = 0;
    let beyond366 = 0;
    let positive = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      s1 += x;
      s2 += x * x;
      s4 += x ** 4;
      if (Math.abs(x) > 2) beyond2++;
      if (Math.abs(x) > 3.6541528853610088) beyond366++;
      if (x > 0) positive++;
    }
    expect(Math.abs(s1 / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.01);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.06);
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.002);
    // the tail beyond the ziggurat's base layer: P(|x| > r) ≈ 2.58e-4 → ≈ 103 of 400 000
    expect(beyond366).toBeGreaterThan(60);
    expect(beyond366).toBeLessThan(150);
    expect(Math.abs(positive / n - 0.5)).toBeLessThan(0.005);
  });

  test('chance(p) is float() < p on the same draw', () => {
    const a = new Rng(6);
    const b = new Rng(6);
    let hits = 0;
    for (let k = 0; k < 20_000; k++) {
      const hit = a.chance(0.3);
      expect(hit).toBe(b.float() < 0.3);
      if (hit) hits++;
    }
    expect(Math.abs(hits / 20_000 - 0.3)).toBeLessThan(0.02);
    expect(new Rng(1).chance(0)).toBe(false);
    expect(new Rng(1).chance(1)).toBe(true);
  });

  test('fillFloat writes the same numbers as repeated float() * scale, and leaves the same state', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(20), fc.nat(40), fc.double({ min: 0, max: 10, noNaN: true }), fc.boolean(), (seed, offset, count, scale, wide) => {
        const a = new Rng(seed);
        const b = new Rng(seed);
        const out = wide ? new Float64Array(offset + count + 3).fill(-1) : new Float32Array(offset + count + 3).fill(-1);
        const expected = wide ? new Float64Array(out.length).fill(-1) : new Float32Array(out.length).fill(-1);
        a.fillFloat(out, offset, count, scale);
        for (let k = offset; k < offset + count; k++) expected[k] = b.float() * scale;
        expect(Array.from(out)).toEqual(Array.from(expected));
        expect(a.state()).toEqual(b.state());
      }),
    );
  });

  test('saveWords / loadWords hand the state over and back exactly', () => {
    const a = new Rng(9);
    a.normal();
    const words = new Int32Array(8);
    a.saveWords(words, 4);
    const b = new Rng(1);
    b.loadWords(words, 4);
    expect(b.state()).toEqual(a.state());
    expect(b.nextUint32()).toBe(a.nextUint32());
  });

  test('fillNormal writes the same samples as repeated normal() calls', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const out = new Float64Array(5003);
    b.fillNormal(out, 3, 5000);
    for (let k = 0; k < 5000; k++) expect(out[k + 3]).toBe(a.normal());
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(b.nextUint32()).toBe(a.nextUint32());
  });

  test('normal() matches the Gaussian CDF at several points (Kolmogorov distance)', () => {
    const rng = new Rng(77);
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, () => rng.normal()).sort();
    // Φ via erf approximation (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7)
    const erf = (x: number): number => {
      const t = 1 / (1 + 0.3275911 * Math.abs(x));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
      return x >= 0 ? y : -y;
    };
    let d = 0;
    for (let i = 0; i < n; i += 97) d = Math.max(d, Math.abs((i + 0.5) / n - 0.5 * (1 + erf(xs[i] / Math.SQRT2))));
    expect(d).toBeLessThan(0.006);
  });

  test('derivePrefix + reseedAfterPrefix / firstUint32AfterPrefix give Rng.derive(seed, ...leading, last), bit for bit', () => {
    // known answers recorded before the prefix split
    const known: [number, number[], number[], number][] = [
      [0, [7, 0, 1], [1138486125, 1105357856, 2136806284, 1258531745], 1719718212],
      [123456789, [7, 3, 1000], [1011269874, 843408411, 3128071067, 4207589773], 424436709],
      [-5, [2 ** 40, -1, 0], [735731643, 3297976815, 1149723661, 1893488210], 4001072451],
      [2 ** 53 - 1, [1, 2], [3841786709, 2291605373, 2750410982, 3410651227], 1212448637],
    ];
    for (const [seed, ids, state, first] of known) {
      expect(Rng.derive(seed, ...ids).state()).toEqual(state);
      const prefix = Rng.derivePrefix(seed, ids.slice(0, -1));
      expect(new Rng(0).reseedAfterPrefix(prefix, ids[ids.length - 1]).state()).toEqual(state);
      expect(Rng.firstUint32AfterPrefix(prefix, ids[ids.length - 1])).toBe(first);
    }
    // (seed, stream, curve point, trial) tuples and others: the original derivation is the oracle
    const int = fc.oneof(fc.integer(), fc.integer({ min: 0, max: 2000 }), fc.constantFrom(0, -1, 2 ** 32, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53 - 1)));
    fc.assert(
      fc.property(int, fc.array(int, { maxLength: 4 }), fc.array(int, { minLength: 1, maxLength: 8 }), (seed, leading, lasts) => {
        const prefix = Rng.derivePrefix(seed, leading);
        const reused = new Rng(5);
        for (const last of lasts) {
          const oracle = Rng.derive(seed, ...leading, last);
          expect(reused.reseedAfterPrefix(prefix, last).state()).toEqual(oracle.state());
          expect(Rng.firstUint32AfterPrefix(prefix, last)).toBe(Rng.derive(seed, ...leading, last).nextUint32());
          // and the generator goes on as the oracle does
          for (let k = 0; k < 3; k++) expect(reused.nextUint32()).toBe(oracle.nextUint32());
        }
      }),
      { numRuns: 2000 },
    );
    expect(() => Rng.derivePrefix(1, [0.5])).toThrow(PrnnError);
    expect(() => Rng.firstUint32AfterPrefix(Rng.derivePrefix(1, [2]), Number.NaN)).toThrow(/finite integers \(got NaN\)/);
  });
});
