import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { dqnLearner } from '../src/learners/dqn.js';
import { trainRun, type TrainRunOptions } from '../src/training/train-run.js';
import { architecture, kernels, cpuBackend, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

function options(overrides: Partial<TrainRunOptions> = {}): TrainRunOptions {
  const task = track();
  return {
    task,
    architecture,
    kernels,
    members: members([['fc', 1], ['hh+oh', 2], ['ff', 3], ['ii+oi', 5]]),
    learner: dqnLearner,
    config: smallConfig(task, { episodes: 12, curvePoints: 3, testMazes: 8 }),
    runSeed: 6,
    population: 2,
    backend: 'cpu',
    ...overrides,
  };
}

describe('trainRun reports the time of the learner\'s tests', () => {
  test.each([1, 2])('%i worker(s): curve tests and final tests, every population and slice, finite and ≥ 0', async (workers) => {
    const r = await trainRun(options({ workers }));
    expect(Object.keys(r.phases).sort()).toEqual(['curveTests', 'finalTests']);
    for (const t of Object.values(r.phases)) {
      expect(t.wallSeconds).toBeGreaterThan(0);
      expect(Number.isFinite(t.cpuSeconds)).toBe(true);
      expect(t.cpuSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  test('a run whose networks are all stored trains nothing and reports no phase', async () => {
    const out = await mkdtemp(join(tmpdir(), 'prnn-phases-'));
    try {
      await trainRun(options({ out }));
      const again = await trainRun(options({ out, resume: true }));
      expect(again.phases).toEqual({});
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
