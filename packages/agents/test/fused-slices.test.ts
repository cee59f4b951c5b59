import { beforeAll, describe, expect, it } from 'vitest';
import { trainDqn } from '../src/learners/dqn.js';
import { architecture, kernels, cpuBackend, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

describe('fused path: a network trains the same in any population', () => {
  it('DQN on the fused path gives each network the same weights, fitness and curve whatever it is trained with', async () => {
    const task = track();
    const config = smallConfig(task, { episodes: 30, curvePoints: 3, testMazes: 10 });
    const all = members([['fc', 1], ['hh+oh', 2], ['ff', 3], ['ff-large', 4]]);
    const job = { task, architecture, kernels, config, runSeed: 7, path: 'fused' as const };
    const together = await trainDqn({ ...job, members: all });
    const parts = [
      ...(await trainDqn({ ...job, members: all.slice(0, 1) })).networks,
      ...(await trainDqn({ ...job, members: all.slice(1) })).networks,
    ];
    together.networks.forEach((r, n) => {
      expect(parts[n].member).toEqual(r.member);
      expect(parts[n].weights).toEqual(r.weights);
      expect(parts[n].trainingCurve).toEqual(r.trainingCurve);
      expect(parts[n].fitness).toEqual(r.fitness);
    });
    // and training did something
    const init = kernels.population('fused')!.create(all, { channels: task.channels });
    expect(init.exportWeights(0)).not.toEqual(together.networks[0].weights);
    init.dispose();
  });
});
