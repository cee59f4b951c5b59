import { describe, expect, it } from 'vitest';
import { memoryDiagnostics, memoryProfile, type SensitivityProfile } from '../src/index.js';

/** A profile from rows [S(t,0), S(t,−1), …] per (trial, step). */
function profileOf(rows: number[][][], T: number): SensitivityProfile {
  const N = rows.length;
  const s = new Float64Array(N * T * T);
  const lengths = new Int32Array(N);
  rows.forEach((trial, n) => {
    lengths[n] = trial.length;
    trial.forEach((row, t) => row.forEach((v, lag) => (s[(n * T + t) * T + lag] = v)));
  });
  return { count: N, steps: T, s, lengths };
}

describe('memory diagnostics beside M_k', () => {
  it('hand-computed mean of ratios, ratio of means, median ratio, pairs and pairs below the floor', () => {
    // two trials of 3 steps; the last step of trial 1 has a tiny S(t,0) = 1e-4
    const p = profileOf(
      [
        [[2], [1, 1], [4, 2, 1]],
        [[1], [2, 4], [1e-4, 1e-3, 5e-4]],
      ],
      3,
    );
    const d = memoryDiagnostics(p);
    expect(d.lags).toEqual([0, -1, -2]);
    // S(t,0) over the 6 steps: 2 1 4 1 2 1e-4 → median (1 + 2)/2 = 1.5; floor 1.5e-3
    expect(d.floor).toBeCloseTo(1.5e-3, 15);
    // lag −1: ratios 1/1, 2/4, 4/2, 1e-3/1e-4 = 1, 0.5, 2, 10 → mean 13.5/4 = 3.375; median (1 + 2)/2 = 1.5;
    // ratio of means (1 + 2 + 4 + 1e-3)/(1 + 4 + 2 + 1e-4) = 7.001/7.0001
    expect(d.pairs).toEqual([6, 4, 2]);
    expect(d.meanOfRatios[1]).toBeCloseTo(3.375, 12);
    expect(d.medianRatio[1]).toBeCloseTo(1.5, 12);
    expect(d.ratioOfMeans[1]).toBeCloseTo(7.001 / 7.0001, 12);
    // lag −2: ratios 1/4 = 0.25 and 5e-4/1e-4 = 5 → mean 2.625, median 2.625, ratio of means 1.0005/4.0001
    expect(d.meanOfRatios[2]).toBeCloseTo(2.625, 12);
    expect(d.medianRatio[2]).toBeCloseTo(2.625, 12);
    expect(d.ratioOfMeans[2]).toBeCloseTo(1.0005 / 4.0001, 12);
    expect(d.belowFloor).toEqual([1, 1, 1]);
    // the mean of ratios is the paper's M_k, as memoryProfile computes it
    expect(d.meanOfRatios.map((v) => Number(v.toFixed(12)))).toEqual(memoryProfile(p).memory.map((v) => Number(v.toFixed(12))));
    // too few pairs to flag anything
    expect(d.flagged).toEqual([]);
  });

  it('flags a lag whose mean is carried by one pair and leaves an even lag alone', () => {
    // 20 trials of 2 steps: at lag −1, 19 ratios of 1 and one of 100 (S(t,0) tiny): the top 1 % (one pair)
    // holds 100/119 > 1/2 of the sum. Every ratio at lag 0 is 1: one pair holds 1/40 of the sum.
    const rows = Array.from({ length: 20 }, (_, n) => [[1], n === 7 ? [0.001, 0.1] : [1, 1]]);
    const d = memoryDiagnostics(profileOf(rows, 2));
    expect(d.topShare[1]).toBeCloseTo(100 / 119, 12);
    expect(d.flagged).toEqual([-1]);
    expect(d.meanOfRatios[1]).toBeCloseTo(119 / 20, 12);
    expect(d.medianRatio[1]).toBe(1);
    expect(d.topShare[0]).toBeCloseTo(1 / 40, 12);
  });
});
