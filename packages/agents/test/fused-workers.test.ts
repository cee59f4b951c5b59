import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainDqn } from '../src/learners/dqn.js';
import { sliceBounds, trainInWorkers } from '../src/training/workers/train-in-workers.js';
import { architecture, kernels, cpuBackend, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

describe('sliceBounds', () => {
  it('cuts members into contiguous near-equal non-empty slices', () => {
    expect(sliceBounds(10, 3)).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(sliceBounds(2, 5)).toEqual([[0, 1], [1, 2]]);
    expect(sliceBounds(7, 1)).toEqual([[0, 7]]);
  });
});

describe('trainInWorkers', () => {
  it('gives the in-process result whatever the number of workers and slices', async () => {
    const task = track();
    const config = smallConfig(task, { episodes: 20, curvePoints: 2, testMazes: 8 });
    const all = members([['fc', 11], ['hh+oh', 12], ['ff', 13], ['ff-large', 14], ['ii+oi', 15]]);
    const cwd = mkdtempSync(path.join(tmpdir(), 'prnn-workers-'));
    const request = { task, family: architecture.family, learner: 'dqn', members: all, config, runSeed: 3, path: 'fused' as const, cwd, backend: 'cpu' };
    const inProcess = await trainDqn({ task, architecture, kernels, members: all, config, runSeed: 3, path: 'fused' });
    for (const [workers, slices] of [[1, 1], [2, 3]]) {
      const r = await trainInWorkers(request, { workers, slices });
      expect(r.backend).toBe('cpu');
      expect(r.netEpisodesPerSecond).toBeGreaterThan(0);
      expect(r.networks.length).toBe(all.length);
      r.networks.forEach((net, n) => {
        expect(net.member).toEqual(all[n]);
        expect(net.weights).toEqual(inProcess.networks[n].weights);
        expect(net.fitness).toEqual(inProcess.networks[n].fitness);
        expect(net.trainingCurve).toEqual(inProcess.networks[n].trainingCurve);
      });
    }
    await expect(trainInWorkers(request, { workers: 0 })).rejects.toThrow(/workers must be an integer ≥ 1/);
  });
});
