import { describe, expect, test } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { trainDqn } from '../src/learners/dqn.js';
import type { LearnerState } from '../src/sdk/learner.js';
import { architecture, cpuBackend, kernels, maxAbsDiff, members, smallConfig, track } from './training-helpers.js';

/** Runs `f` with VectorEnv's default backend forced to the JavaScript path (PRNN_VECTOR_ENV=js). */
async function withJsEnv<T>(f: () => Promise<T>): Promise<T> {
  const before = process.env.PRNN_VECTOR_ENV;
  process.env.PRNN_VECTOR_ENV = 'js';
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.PRNN_VECTOR_ENV;
    else process.env.PRNN_VECTOR_ENV = before;
  }
}

describe("training on VectorEnv's WebAssembly path", () => {
  test.each(['compiled', 'generic'])('gives the weights, curves and fitness of the JavaScript env path, bit for bit (%s kernel)', async (path) => {
    await cpuBackend();
    for (const task of [resolveTaskOptions('general', {}), track()]) {
      const config = smallConfig(task, { episodes: 30, curvePoints: 3, testMazes: 12 });
      const job = { task, architecture, kernels, members: members([['fc', 1], ['ff', 2], ['hh+oh', 3], ['fc', 4], ['fc', 5]]), config, runSeed: 3, path };
      const wasm = await trainDqn(job);
      const js = await withJsEnv(() => trainDqn(job));
      wasm.networks.forEach((n, i) => {
        expect(maxAbsDiff(n.weights, js.networks[i].weights)).toBe(0);
        expect(n.trainingCurve).toEqual(js.networks[i].trainingCurve);
        expect(n.fitness).toBe(js.networks[i].fitness);
      });
    }
  });

  test('a checkpoint taken on one env path resumes on the other to the uninterrupted weights', async () => {
    await cpuBackend();
    const task = resolveTaskOptions('general', {});
    const config = smallConfig(task, { episodes: 20, curvePoints: 2, testMazes: 8 });
    const job = { task, architecture, kernels, members: members([['fc', 7], ['ff', 8]]), config, runSeed: 5, path: 'compiled' };
    const full = await trainDqn(job);
    const states: LearnerState[] = [];
    const controller = new AbortController();
    await expect(
      trainDqn(job, { checkpoint: { everyEpisodes: 7, save: (s) => { states.push(s); controller.abort(); } }, signal: controller.signal }),
    ).rejects.toThrow(/training stopped at episode 7 of 20/);
    const resumed = await withJsEnv(() => trainDqn({ ...job, resume: states[0] }));
    resumed.networks.forEach((n, i) => {
      expect(maxAbsDiff(n.weights, full.networks[i].weights)).toBe(0);
      expect(n.fitness).toBe(full.networks[i].fitness);
    });
  });
});
