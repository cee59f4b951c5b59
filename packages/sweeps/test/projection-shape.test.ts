import { describe, expect, it } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { loadPlugins, projectPhases, type PhaseRates } from '@prnn/agents';
import { projectionShape } from '../src/index.js';
import { testPlan } from './helpers.js';

describe('projectionShape', () => {
  it("reads a plan's work: networks, the large ones, episodes, curve, test sets, levels, chunk size, threads", async () => {
    // fc, ff and ff-large × 2 seeds in chunks of 3: 6 networks, the last 2 of them ff-large (H = 34)
    const plan = await testPlan(['fc', 'ff', 'ff-large'], { measures: { noise: [0, 0.05, 0.1], testMazes: 12, metrics: ['parameters'] } });
    expect(projectionShape(plan, { workers: 2 })).toEqual({
      networks: 6,
      largeNetworks: 2,
      episodes: 20,
      curvePoints: 4,
      testMazes: 10,
      sweepMazes: 12,
      noiseLevels: 3,
      population: 3,
      trainingThreads: 2,
      noiseSweepThreads: 2,
      analysisThreads: 1,
    });
    expect(projectionShape(plan, { workers: 1, analysis: 2 }).analysisThreads).toBe(2);
  });
});

describe('the projection of the paper\'s Track sweep, worked by hand', () => {
  it('6 450 networks in chunks of 256 on 2 workers: every phase from round rates', async () => {
    const registry = await loadPlugins({ cwd: process.cwd() });
    const task = resolveTaskOptions('track', {});
    const config = registry.learner('dqn').configure(task, {});
    const archs = registry.architecture('nine-pathway').list({ channels: task.channels, hidden: 8 });
    const noise = Array.from({ length: 21 }, (_, k) => k * 0.025);
    const plan = await testPlan([], {
      config: config as unknown as Record<string, unknown> & { episodes: number },
      archs,
      seeds: 50,
      chunkSize: 256,
      measures: { noise, testMazes: 1000, metrics: ['parameters'] },
    });
    const shape = projectionShape(plan, { workers: 2, analysis: 2 });
    // 128 × 50 + ff-large × 50, 100 000 episodes, 100 curve points on 1 000 mazes, 21 levels × 1 000 mazes
    expect(shape).toEqual({
      networks: 6450, largeNetworks: 50, episodes: 100_000, curvePoints: 100, testMazes: 1000, sweepMazes: 1000,
      noiseLevels: 21, population: 256, trainingThreads: 2, noiseSweepThreads: 2, analysisThreads: 2,
    });
    const rates: PhaseRates = {
      trainNetEpisodesPerSecond: 100_000,
      largeTrainNetEpisodesPerSecond: 50_000,
      curveTrialsPerSecond: 200_000,
      finalTrialsPerSecond: 50_000,
      noiseSweepTrialsPerSecond: 100_000,
      analysisTrialsPerSecond: 5_000,
      forestSeconds: 0,
      forestSampleRows: 258,
      reportSeconds: 20,
      reportSampleRows: 258,
    };
    const p = projectPhases(rates, shape);
    // 25 chunks of 256 of the 128 (two slices of 128 at once: 128 s each), then ff-large's 50 (two of 25: 50 s)
    expect(p.phases.training.wallSeconds).toBeCloseTo(25 * 128 + 50, 6);
    expect(p.phases.training.cpuSeconds).toBeCloseTo(6400 + 100, 6);
    // 100 points × 1 000 mazes: a slice of 128 waits 64 s, of 25 12.5 s; all 6 450 networks' CPU: 3 225 s
    expect(p.phases.curveTests.wallSeconds).toBeCloseTo(25 * 64 + 12.5, 6);
    expect(p.phases.curveTests.cpuSeconds).toBeCloseTo(3225, 6);
    // the final test: 1 000 trials per network, (25 · 128 + 25) networks waited for, 6 450 run
    expect(p.phases.finalTests.wallSeconds).toBeCloseTo(64.5, 6);
    expect(p.phases.finalTests.cpuSeconds).toBeCloseTo(129, 6);
    // 6 450 × 21 000 trials at 100 000 per second, on 2 threads
    expect(p.phases.noiseSweeps.cpuSeconds).toBeCloseTo(1354.5, 6);
    expect(p.phases.noiseSweeps.wallSeconds).toBeCloseTo(677.25, 6);
    // 6 450 × 1 000 recorded trials at 5 000 per second, on 2 threads; the report 20 s per 258 networks
    expect(p.phases.analysis).toEqual({ wallSeconds: 645, cpuSeconds: 1290 });
    expect(p.phases.report.wallSeconds).toBeCloseTo(500, 6);
    expect(p.total.wallSeconds).toBeCloseTo(6749.25, 6);
    expect(p.total.cpuSeconds).toBeCloseTo(12998.5, 6);
  });
});
