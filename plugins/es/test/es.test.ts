import { beforeAll, describe, expect, test } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { builtinPlugins, createContainer, initBackend, type LearnerState, type PopulationMember } from '@prnn/agents';
import { assertConformance, checkLearner } from '@prnn/agents/testing';
import plugin, { centredRanks, esDefaults, esLearner } from '../src/index.js';

const registry = createContainer(builtinPlugins());
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions('track', {});
const members = (specs: [string, number][]): PopulationMember[] => specs.map(([s, seed]) => ({ arch: architecture.resolve(s, { channels: 2, hidden: 8 })!, seed }));
const maxAbsDiff = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) => {
  let m = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) m = Math.max(m, Math.abs(a[k][i] - b[k][i]));
  return m;
};
const small = (over: Record<string, unknown> = {}) => esLearner.configure(task, { episodes: 12, pairs: 3, curvePoints: 3, testMazes: 8, ...over });

beforeAll(async () => {
  await initBackend('cpu');
});

describe('@prnn/plugin-es', () => {
  test('registers the learner es; typed parameters with defaults and checks naming the parameter', () => {
    const r = createContainer([...builtinPlugins(), plugin]);
    expect(r.learner('es')).toBe(esLearner);
    expect(esDefaults(task)).toMatchObject({ episodes: 3125, pairs: 16, evalMazes: 1, sigma: 0.1, lr: 0.03, weightDecay: 0.005, hidden: 8, curvePoints: 100, testMazes: 1000 });
    expect(() => esLearner.configure(task, { pairs: 0 })).toThrow(expect.objectContaining({ parameter: 'pairs', message: 'pairs must be an integer ≥ 1 (got 0)' }));
    expect(() => esLearner.configure(task, { sigma: -1 })).toThrow(expect.objectContaining({ parameter: 'sigma' }));
    expect(() => esLearner.configure(task, { gamma: 0.9 })).toThrow(/unknown es parameter "gamma"/);
  });

  test('centred ranks: known answers, ties share their mean rank', () => {
    const out = new Float64Array(6);
    centredRanks(Float64Array.from([9, 0.3, 0.1, 0.3, 0.9, 9]), 1, 4, out, new Int32Array(4));
    expect(Array.from(out)).toEqual([0, 0, -0.5, 0, 0.5, 0]);
    centredRanks(Float64Array.from([2, 2, 2]), 0, 3, out, new Int32Array(3));
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]);
  });

  test('a network trains the same alone and in a population (each network its own streams), on the wasm-simd path', async () => {
    const config = small();
    const both = await esLearner.train({ task, architecture, kernels, members: members([['fc', 1], ['ff', 2], ['fc', 3]]), config, runSeed: 0 });
    const alone = await esLearner.train({ task, architecture, kernels, members: members([['ff', 2]]), config, runSeed: 0 });
    expect(maxAbsDiff(both.networks[1].weights, alone.networks[0].weights)).toBe(0);
    expect(both.networks[1].trainingCurve).toEqual(alone.networks[0].trainingCurve);
    // the weights moved away from the seeded initial ones
    const init = architecture.createPopulation(members([['ff', 2]]), { channels: 2 });
    try {
      expect(maxAbsDiff(init.exportWeights(0), alone.networks[0].weights)).toBeGreaterThan(1e-3);
    } finally {
      init.dispose();
    }
  });

  test('resuming from a checkpoint gives the uninterrupted weights, curve and fitness bit for bit (2 mazes per evaluation)', async () => {
    const config = small({ evalMazes: 2 });
    const job = { task, architecture, kernels, members: members([['fc', 4], ['hh+oh', 5]]), config, runSeed: 1 };
    const full = await esLearner.train(job);
    const states: LearnerState[] = [];
    let asked = 0;
    await expect(esLearner.train(job, { shouldStop: () => ++asked >= 5, checkpoint: { everyEpisodes: 100, save: (s) => void states.push(s) } })).rejects.toMatchObject({
      name: 'TrainingStopped',
      episode: 5,
    });
    const resumed = await esLearner.train({ ...job, resume: states[0] });
    resumed.networks.forEach((n, i) => {
      expect(maxAbsDiff(n.weights, full.networks[i].weights)).toBe(0);
      expect(n.trainingCurve).toEqual(full.networks[i].trainingCurve);
      expect(n.fitness).toBe(full.networks[i].fitness);
    });
  });

  test('passes checkLearner (9-pathway hh+oh and ff, and a non-9-pathway family)', async () => {
    const report = await checkLearner(esLearner, { plugins: [plugin], episodes: 10 });
    assertConformance(report);
    // the tiny cycle ran twice: once on the 9-pathway family, once on the Elman family
    expect(report.passed.filter((p) => p.startsWith('checkpoint/resume')).length).toBe(2);
  });
});
