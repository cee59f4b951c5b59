import { describe, expect, it } from 'vitest';
import { forestSeconds, projectPhases, type PhaseRates, type ProjectionShape } from '../src/profile/projection.js';

const rates: PhaseRates = {
  trainNetEpisodesPerSecond: 1000,
  largeTrainNetEpisodesPerSecond: 500,
  curveTrialsPerSecond: 10_000,
  finalTrialsPerSecond: 20_000,
  noiseSweepTrialsPerSecond: 50_000,
  analysisTrialsPerSecond: 100,
  forestSeconds: 2,
  forestSampleRows: 4,
  reportSeconds: 3,
  reportSampleRows: 5,
};

// 10 networks in populations of 4, 4 and 2 (the last two large), each cut into 2 slices
const shape: ProjectionShape = {
  networks: 10,
  largeNetworks: 2,
  episodes: 100,
  curvePoints: 2,
  testMazes: 50,
  sweepMazes: 40,
  noiseLevels: 3,
  population: 4,
  trainingThreads: 2,
  noiseSweepThreads: 1,
  analysisThreads: 2,
};

describe('projectPhases: known answers worked by hand', () => {
  it('lays out populations and slices, sweeps and analysis over their threads, and adds the phases up', () => {
    const p = projectPhases(rates, shape);
    // training: slices of 2, 2, 1 (rates 1000, 1000, 500): wall 100·2/1000 + 100·2/1000 + 100·1/500; CPU the whole populations
    expect(p.phases.training.wallSeconds).toBeCloseTo(0.6, 12);
    expect(p.phases.training.cpuSeconds).toBeCloseTo(1.2, 12);
    // curve tests: 2 points × 50 mazes: wall (2 + 2 + 1)·100/10 000, CPU (4 + 4 + 2)·100/10 000
    expect(p.phases.curveTests.wallSeconds).toBeCloseTo(0.05, 12);
    expect(p.phases.curveTests.cpuSeconds).toBeCloseTo(0.1, 12);
    // final test: 50 mazes: wall 5·50/20 000, CPU 10·50/20 000
    expect(p.phases.finalTests.wallSeconds).toBeCloseTo(0.0125, 12);
    expect(p.phases.finalTests.cpuSeconds).toBeCloseTo(0.025, 12);
    // noise sweeps on one thread: 10 × 3 × 40 / 50 000
    expect(p.phases.noiseSweeps).toEqual({ wallSeconds: 0.024, cpuSeconds: 0.024 });
    // analysis: 10 × 40 / 100 = 4 s of networks, then forests 2 · (10 log2 10)/(4 log2 4), both on 2 threads
    const forest = (2 * 10 * Math.log2(10)) / 8;
    expect(p.phases.analysis.wallSeconds).toBeCloseTo((4 + forest) / 2, 12);
    expect(p.phases.analysis.cpuSeconds).toBeCloseTo(4 + forest, 12);
    // report: 3 s for 5 networks, 10 networks
    expect(p.phases.report).toEqual({ wallSeconds: 6, cpuSeconds: 6 });
    expect(p.total.wallSeconds).toBeCloseTo(0.6 + 0.05 + 0.0125 + 0.024 + (4 + forest) / 2 + 6, 12);
    expect(p.total.cpuSeconds).toBeCloseTo(1.2 + 0.1 + 0.025 + 0.024 + 4 + forest + 6, 12);
  });

  it('a report with a fixed part: only the rest grows with the networks', () => {
    // 3 s for 5 networks of which 1 s is fixed: 1 + 2 · 10/5 for 10 networks
    const p = projectPhases({ ...rates, reportFixedSeconds: 1 }, shape);
    expect(p.phases.report).toEqual({ wallSeconds: 5, cpuSeconds: 5 });
    // a fixed part above the whole measured time is the whole time
    expect(projectPhases({ ...rates, reportFixedSeconds: 7 }, shape).phases.report.wallSeconds).toBe(3);
    expect(() => projectPhases({ ...rates, reportFixedSeconds: -1 }, shape)).toThrow(/rate reportFixedSeconds must be a finite number ≥ 0 \(got -1\)/);
  });

  it('one thread: wall equals CPU in every phase', () => {
    const p = projectPhases(rates, { ...shape, trainingThreads: 1, analysisThreads: 1 });
    for (const t of Object.values(p.phases)) expect(t.wallSeconds).toBeCloseTo(t.cpuSeconds, 12);
  });

  it('forests grow as n log n; bad rates and shapes are refused naming the field', () => {
    expect(forestSeconds(1, 2, 4)).toBe(4);
    expect(forestSeconds(1, 2, 1)).toBe(0);
    expect(() => projectPhases({ ...rates, noiseSweepTrialsPerSecond: 0 }, shape)).toThrow(/rate noiseSweepTrialsPerSecond must be a finite number > 0 \(got 0\)/);
    expect(() => projectPhases(rates, { ...shape, trainingThreads: 0 })).toThrow(/projection trainingThreads must be ≥ 1/);
    expect(() => projectPhases(rates, { ...shape, largeNetworks: 11 })).toThrow(/largeNetworks must be ≤ networks/);
  });
});
