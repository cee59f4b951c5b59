import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, mannWhitneyU, normalSf } from '../src/index.js';

// Known-answer vectors computed with scipy 1.10.1 (the generator is named inside the file).
const REFERENCE = join(dirname(fileURLToPath(import.meta.url)), 'data', 'stats-reference.json');

interface MwuCase {
  x: number[];
  y: number[];
  'two-sided': { U: number; p: number };
  less: { U: number; p: number };
  greater: { U: number; p: number };
}
const reference = JSON.parse(readFileSync(REFERENCE, 'utf8')) as {
  mannwhitneyu: MwuCase[];
  benjamini_hochberg: { p: number[]; bh: number[] }[];
};

describe('mannWhitneyU against scipy (asymptotic, continuity correction)', () => {
  it(`matches all ${reference.mannwhitneyu.length} reference cases: U to 1e-9, p to 1e-6`, () => {
    expect(reference.mannwhitneyu.length).toBeGreaterThan(10);
    for (const c of reference.mannwhitneyu) {
      for (const alt of ['two-sided', 'less', 'greater'] as const) {
        const r = mannWhitneyU(c.x, c.y, alt);
        expect(Math.abs(r.u - c[alt].U)).toBeLessThan(1e-9);
        expect(Math.abs(r.p - c[alt].p)).toBeLessThan(1e-6);
      }
    }
  });

  it('known answer: fully separated samples', () => {
    // x all above y: U = n1·n2; p = sf((U − μ − ½)/σ) with μ = 12.5, σ² = 25·11/12.
    const r = mannWhitneyU([6, 7, 8, 9, 10], [1, 2, 3, 4, 5], 'greater');
    expect(r.u).toBe(25);
    expect(r.p).toBeCloseTo(normalSf(12 / Math.sqrt((25 * 11) / 12)), 14);
    expect(mannWhitneyU([6, 7, 8, 9, 10], [1, 2, 3, 4, 5], 'less').p).toBeGreaterThan(0.99);
  });

  it('all values tied: p is 1', () => {
    expect(mannWhitneyU([1, 1, 1], [1, 1], 'two-sided')).toEqual({ u: 3, p: 1 });
  });

  it('rejects bad input with a message naming the parameter', () => {
    expect(() => mannWhitneyU([], [1], 'less')).toThrow(/x must be a non-empty array/);
    expect(() => mannWhitneyU([1], [Number.NaN], 'less')).toThrow(/y must hold finite numbers/);
    expect(() => mannWhitneyU([1], [2], 'bigger' as never)).toThrow(/alternative must be one of/);
  });
});

describe('benjaminiHochberg', () => {
  it(`matches the ${reference.benjamini_hochberg.length} reference vectors to 1e-12`, () => {
    for (const c of reference.benjamini_hochberg) {
      const q = benjaminiHochberg(c.p);
      expect(q.length).toBe(c.bh.length);
      q.forEach((v, k) => expect(Math.abs(v - c.bh[k])).toBeLessThan(1e-12));
    }
  });

  it('known answer and input order', () => {
    // sorted 0.01, 0.02, 0.03, 0.5 → ×4/rank = 0.04, 0.04, 0.04, 0.5 (monotone from the top)
    expect(benjaminiHochberg([0.5, 0.03, 0.01, 0.02])).toEqual([0.5, 0.04, 0.04, 0.04]);
    expect(benjaminiHochberg([])).toEqual([]);
    expect(() => benjaminiHochberg([0.1, 2])).toThrow(/p-values must be numbers in \[0, 1\]/);
  });
});

describe('normalSf', () => {
  it('known values', () => {
    expect(normalSf(0)).toBe(0.5);
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 14);
    expect(normalSf(-1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalSf(5) / 2.866515718791939e-7).toBeCloseTo(1, 10);
  });
});
