import { describe, expect, it } from 'vitest';
import { averageRanks, incompleteBeta, spearman, studentTTwoSided } from '../src/stats/spearman.js';

// Known answers computed by hand (closed forms noted beside each), or from a textbook example.
describe('spearman', () => {
  it('the textbook example (IQ against hours of television, n = 10): ρ = 1 − 6·194/(10·99) = −29/165', () => {
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    const r = spearman(iq, tv);
    expect(r.n).toBe(10);
    expect(r.rho).toBeCloseTo(-29 / 165, 14);
    // two-sided p of t = ρ√(8/(1 − ρ²)) on 8 degrees of freedom, as the example quotes it: 0.627188
    expect(r.p).toBeCloseTo(0.6271883447764846, 10);
  });

  it('ties share their mean rank: ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4) give ρ = 3/√10, and on 2 degrees of freedom p = 1 − t/√(t² + 2) = 1 − 3/√10', () => {
    const r = spearman([1, 2, 2, 3], [1, 3, 2, 4]);
    expect(r.rho).toBeCloseTo(3 / Math.sqrt(10), 14);
    expect(r.p).toBeCloseTo(1 - 3 / Math.sqrt(10), 12);
  });

  it('n = 3, one swap: ρ = 1 − 6·2/24 = 1/2, t = 1/√3, and on 1 degree of freedom p = 1 − (2/π)·atan(1/√3) = 2/3', () => {
    const r = spearman([1, 2, 3], [10, 30, 20]);
    expect(r.rho).toBeCloseTo(0.5, 14);
    expect(r.p).toBeCloseTo(2 / 3, 12);
  });

  it('any monotone relation is ρ = ±1 with p = 0; a constant sample has no ρ; non-finite pairs are dropped', () => {
    expect(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125])).toEqual({ rho: 1, p: 0, n: 5 });
    expect(spearman([1, 2, 3, 4, 5], [5, 4, 3, 2, 1.5])).toEqual({ rho: -1, p: 0, n: 5 });
    expect(spearman([1, 2, 3], [4, 4, 4]).rho).toBeNaN();
    const dropped = spearman([1, Number.NaN, 2, 3, 4], [10, 0, 30, 20, Number.POSITIVE_INFINITY]);
    expect(dropped.n).toBe(3);
    expect(dropped.rho).toBeCloseTo(0.5, 14);
    expect(spearman([1, 2], [2, 1])).toEqual({ rho: -1, p: Number.NaN, n: 2 });
    expect(() => spearman([1, 2], [1])).toThrow(/same length/);
  });

  it('averageRanks: tied values share the mean of the ranks they span', () => {
    expect(Array.from(averageRanks([10, 20, 20, 30, 20]))).toEqual([1, 3, 3, 5, 3]);
    expect(Array.from(averageRanks([3, 1, 2]))).toEqual([3, 1, 2]);
  });

  it('incompleteBeta and Student t against closed forms', () => {
    // I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b; I_½(a, a) = ½
    expect(incompleteBeta(0.3, 2.5, 1)).toBeCloseTo(0.3 ** 2.5, 13);
    expect(incompleteBeta(0.7, 1, 3)).toBeCloseTo(1 - 0.3 ** 3, 13);
    expect(incompleteBeta(0.5, 7, 7)).toBeCloseTo(0.5, 13);
    // df = 1 is the Cauchy distribution: P(|T| ≥ 1) = ½; df = 2: P(|T| ≥ t) = 1 − t/√(t² + 2)
    expect(studentTTwoSided(1, 1)).toBeCloseTo(0.5, 13);
    expect(studentTTwoSided(-2, 2)).toBeCloseTo(1 - 2 / Math.sqrt(6), 13);
    expect(studentTTwoSided(0, 5)).toBe(1);
  });
});
