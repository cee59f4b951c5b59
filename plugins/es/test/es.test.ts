import { beforeAll, describe, expect, test } from 'vitest';
import { VectorEnv, generateMazeSet, resolveTaskOptions } from '@prnn/env';
import { allocateEpisodeScratch, builtinPlugins, createContainer, initBackend, runEpisode, type LearnerState, type PopulationMember } from '@prnn/agents';
import { assertConformance, checkLearner } from '@prnn/agents/testing';
import lowrank from '@prnn/plugin-lowrank-rnn';
import plugin, { addEndedFitness, centredRanks, esDefaults, esLearner, sampleAction } from '../src/index.js';

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
    // twice the DQN's 100 000 Track episodes: 1 562 generations × 16 pairs × 2 × 4 mazes = 199 936 episodes
    expect(esDefaults(task)).toMatchObject({ episodes: 1562, pairs: 16, evalMazes: 4, sigma: 0.2, sigmaEnd: 0.05, lr: 0.03, lrEnd: 0.003, weightDecay: 0.005, temperature: 0, hidden: 8, curvePoints: 100, testMazes: 1000 });
    expect(esDefaults(resolveTaskOptions('general', {})).episodes).toBe(6250);
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

  test('a network trains the same alone and in a population (each network its own streams), on the compiled path (the default)', async () => {
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

  test('sampled actions: known answers of the inverse transform, p ∝ q^(1/τ)', () => {
    const q = Float32Array.from([9, 0.1, 0.2, 0.3, 0.4, 0]);
    // τ = 1: p ∝ (0.1, 0.2, 0.3, 0.4, 0) → cumulative 0.1, 0.3, 0.6, 1 (q[5] = 0 is never drawn)
    expect([0.05, 0.15, 0.29, 0.31, 0.61, 0.999].map((u) => sampleAction(q, 1, 5, 1, u))).toEqual([0, 1, 1, 2, 3, 3]);
    // τ = 0.5: p ∝ (0.01, 0.04, 0.09, 0.16)/0.3 → cumulative 1/30, 5/30, 14/30, 1
    expect([0.03, 0.04, 0.16, 0.17, 0.46, 0.47].map((u) => sampleAction(q, 1, 5, 0.5, u))).toEqual([0, 1, 1, 2, 2, 3]);
  });

  test("a copy's return is its fitness on the step its episode ends, also when it reached the goal before the others", () => {
    // Track N = 11, 6 steps, fs = 3, dMax = 8: always Left reaches a left goal after 4 moves (t = 3: fitness
    // (1 + 1)/2 = 1) and ends a right-goal episode on the far left end (t = 5, p = 0: fitness 0)
    const set = generateMazeSet(task, { count: 8, seed: 3 });
    const env = new VectorEnv({ numEnvs: 8, channels: 2, sensorNoise: 0.05, reward: 'progress', autoreset: 'none' });
    const returns = new Float64Array(8).fill(0.5);
    const model = architecture.createPopulation(members(Array.from({ length: 8 }, (_, i) => ['ff', i] as [string, number])), { channels: 2 });
    try {
      runEpisode(model, env, set, task.steps, { act: (_t, _o, _q, _a, actions) => actions.fill(0), record: (_t, e, active) => addEndedFitness(e, active, returns) }, allocateEpisodeScratch(8, 5));
    } finally {
      model.dispose();
    }
    const left = Array.from({ length: 8 }, (_, i) => set.goal[i] < set.start[i]);
    expect(left.filter(Boolean).length).toBe(4);
    expect(Array.from(returns)).toEqual(left.map((l) => (l ? 1.5 : 0.5)));
    // what the rollout leaves in env.fitness afterwards: NaN for the episodes that ended early
    left.forEach((l, i) => expect(Number.isNaN(env.fitness[i])).toBe(l));
  });

  test('antithetic copies share mazes and noise: with a vanishing σ every copy scores the same and θ stays put', async () => {
    // σ = 1e-12 leaves the float32 copies equal to θ (to within 1e-12); with common mazes and sensor noise the 2K returns tie,
    // the centred ranks are all 0 and (without weight decay) Adam's step is exactly 0. Any per-copy maze or
    // noise would make some returns differ and move the weights.
    const config = small({ sigma: 1e-12, sigmaEnd: 1e-12, weightDecay: 0, evalMazes: 2, pairs: 4, sensorNoise: 0.5 });
    const job = { task, architecture, kernels, members: members([['fc', 7], ['ff', 8]]), config, runSeed: 0 };
    const trained = await esLearner.train(job);
    const init = architecture.createPopulation(job.members, { channels: 2 });
    try {
      trained.networks.forEach((n, i) => expect(maxAbsDiff(init.exportWeights(i), n.weights)).toBe(0));
    } finally {
      init.dispose();
    }
    // the control: a real σ moves them
    const moved = await esLearner.train({ ...job, config: small({ weightDecay: 0, evalMazes: 2, pairs: 4, sensorNoise: 0.5 }) });
    expect(maxAbsDiff(trained.networks[0].weights, moved.networks[0].weights)).toBeGreaterThan(1e-3);
  });

  test('trains lowrank-r2 (a plugin family, weights written into its parameters) with sampled actions: resumes bit for bit', async () => {
    const r = createContainer([...builtinPlugins(), lowrank, plugin]);
    const arch = r.resolveArch('lowrank-r2', { channels: 2, hidden: 8 });
    const job = { task, architecture: r.architecture(arch.family), kernels: r.kernels(arch.family), members: [{ arch, seed: 3 }, { arch, seed: 4 }], config: small({ temperature: 1 }), runSeed: 2 };
    const full = await esLearner.train(job);
    const states: LearnerState[] = [];
    let asked = 0;
    await expect(esLearner.train(job, { shouldStop: () => ++asked >= 6, checkpoint: { everyEpisodes: 100, save: (s) => void states.push(s) } })).rejects.toMatchObject({ name: 'TrainingStopped' });
    const resumed = await esLearner.train({ ...job, resume: states[0] });
    const init = job.architecture.createPopulation(job.members, { channels: 2 });
    try {
      resumed.networks.forEach((n, i) => {
        expect(maxAbsDiff(n.weights, full.networks[i].weights)).toBe(0);
        expect(n.fitness).toBe(full.networks[i].fitness);
        expect(maxAbsDiff(init.exportWeights(i), n.weights)).toBeGreaterThan(1e-3);
      });
    } finally {
      init.dispose();
    }
  });

  test('passes checkLearner (9-pathway hh+oh and ff, and a non-9-pathway family)', async () => {
    const report = await checkLearner(esLearner, { plugins: [plugin], episodes: 10 });
    assertConformance(report);
    // the tiny cycle ran twice: once on the 9-pathway family, once on the Elman family
    expect(report.passed.filter((p) => p.startsWith('checkpoint/resume')).length).toBe(2);
  });
});
