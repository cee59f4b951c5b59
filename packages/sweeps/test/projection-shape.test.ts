import { describe, expect, it } from 'vitest';
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
