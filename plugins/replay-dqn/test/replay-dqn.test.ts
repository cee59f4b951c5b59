import { beforeAll, describe, expect, test } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { builtinPlugins, createContainer, initBackend, type LearnerState, type PopulationMember } from '@prnn/agents';
import plugin, { EpisodeReplayBuffer, replayDqnLearner, resolveReplayDqnConfig, trainReplayDqn } from '../src/index.js';

const registry = createContainer(builtinPlugins());
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions('track', {});
const members = (specs: [string, number][]): PopulationMember[] =>
  specs.map(([s, seed]) => ({
    arch: s === 'ff-large' ? architecture.list({ channels: 2, hidden: 8 }).find((a) => a.name === 'ff-large')! : architecture.resolve(s, { channels: 2, hidden: 8 })!,
    seed,
  }));
const maxAbsDiff = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) => {
  let m = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) m = Math.max(m, Math.abs(a[k][i] - b[k][i]));
  return m;
};

beforeAll(async () => {
  await initBackend('cpu');
});

describe('@prnn/plugin-replay-dqn', () => {
  test('registers the learner replay-dqn next to the built-in dqn', () => {
    const registry = createContainer([...builtinPlugins(), plugin]);
    expect(registry.learner('replay-dqn')).toBe(replayDqnLearner);
    expect(registry.learner('dqn').name).toBe('dqn');
    expect(registry.list().find((e) => e.name === 'replay-dqn')).toMatchObject({ kind: 'learner', plugin: '@prnn/plugin-replay-dqn' });
  });

  test('configuration: DQN defaults plus replay parameters, validated', () => {
    const c = resolveReplayDqnConfig(task, { bufferEpisodes: 50 });
    expect(c).toMatchObject({ episodes: 100_000, gamma: 0.9, bufferEpisodes: 50, targetUpdateEvery: 100, learningStarts: 10 });
    expect(() => resolveReplayDqnConfig(task, { bufferEpisodes: 0 })).toThrow(/^bufferEpisodes must be an integer ≥ 1/);
    expect(() => resolveReplayDqnConfig(task, { episodes: 3 })).toThrow(/^episodes must be/);
    expect(() => resolveReplayDqnConfig(task, { foo: 1 })).toThrow(/unknown replay-dqn parameter "foo"/);
  });

  test('the ring buffer keeps the newest episodes of each network', () => {
    const b = new EpisodeReplayBuffer(2, 3, 2, 1, 1);
    const rec = { steps: 2, population: 2, obs: new Float32Array(4), actions: new Int32Array(4), targets: new Float32Array(4), tieNoise: new Float32Array(4), lengths: new Int32Array(2) };
    const tr = { nextObs: new Float32Array(4), rewards: new Float32Array(4), nextTieNoise: new Float32Array(4) };
    for (let e = 0; e < 5; e++) {
      rec.obs.set([e, 10 + e, e + 0.5, 10 + e + 0.5]); // [t=0: n0, n1, t=1: n0, n1]
      rec.lengths.set([1 + (e % 2), 2]);
      b.store(rec, tr);
    }
    expect([...b.size]).toEqual([3, 3]);
    expect([...b.next]).toEqual([2, 2]);
    // slots of network 0 hold episodes 3, 4, 2
    expect([...b.obs.subarray(0, 6)]).toEqual([3, 3.5, 4, 4.5, 2, 2.5]);
    const out = { ...rec, obs: new Float32Array(4), lengths: new Int32Array(2) };
    b.gather(Int32Array.from([1, 2]), out, new Float32Array(4), new Float32Array(4), new Float32Array(4));
    expect([...out.obs]).toEqual([4, 12, 4.5, 12.5]);
    expect([...out.lengths]).toEqual([1, 2]);
  });

  test('a network trains the same alone and in a population; resume equals an uninterrupted run', async () => {
    const config = resolveReplayDqnConfig(task, { episodes: 30, curvePoints: 3, testMazes: 10, bufferEpisodes: 8, targetUpdateEvery: 5, learningStarts: 3 });
    const alone = await trainReplayDqn({ task, architecture, kernels, members: members([['hh+oh', 3]]), config, runSeed: 1 });
    const job = { task, architecture, kernels, members: members([['fc', 1], ['hh+oh', 3], ['ff-large', 2]]), config, runSeed: 1 };
    const full = await trainReplayDqn(job);
    expect(maxAbsDiff(alone.networks[0].weights, full.networks[1].weights)).toBeLessThanOrEqual(1e-5);
    expect(full.networks[1].trainingCurve).toEqual(alone.networks[0].trainingCurve.map((x) => expect.closeTo(x, 5)));
    const states: LearnerState[] = [];
    const stop = new AbortController();
    await expect(
      trainReplayDqn(job, { checkpoint: { everyEpisodes: 13, save: (s) => { states.push(s); stop.abort(); } }, signal: stop.signal }),
    ).rejects.toThrow(/stopped at episode 13/);
    const resumed = await trainReplayDqn({ ...job, resume: states[0] });
    resumed.networks.forEach((n, i) => expect(maxAbsDiff(n.weights, full.networks[i].weights)).toBe(0));
    expect(resumed.networks.map((n) => n.fitness)).toEqual(full.networks.map((n) => n.fitness));
  });
});

describe('conformance', () => {
  test('passes checkLearner', async () => {
    const { checkLearner } = await import('@prnn/agents/testing');
    const { replayDqnLearner } = await import('../src/index.js');
    expect((await checkLearner(replayDqnLearner as never)).problems).toEqual([]);
  });
});
