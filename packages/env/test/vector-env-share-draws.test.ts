// VectorEnv.shareNoiseDraws: envs of a group (an evaluation's noise levels of one maze) sensing with the draws of
// their group's stream, made once per call, against the JavaScript path where every env draws from its own
// stream, seeded alike: the same observations and fitness at every step, while episodes end at different times.
import { describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import { generateMazeSet, resolveTaskOptions, VectorEnv, type VectorEnvBackend } from '../src/index.js';

interface Trace {
  obs: Float32Array[];
  fitness: Float32Array[];
  done: Uint8Array[];
}

/**
 * Two rounds of M mazes × the levels, each env seeded by its maze's seed (`seedAll`) or only the group's env
 * (the others seeded with unrelated numbers, so that any draw from their own streams would show), actions
 * towards the goal or at random per env, so that episodes end at different steps.
 */
function run(kind: 'general' | 'track', backend: VectorEnvBackend, leaderLevel: number | null): Trace {
  const task = resolveTaskOptions(kind, {});
  const M = 7;
  const set = generateMazeSet(task, { count: M, seed: 11 });
  const levels = [0, 0.05, 0.3, 1.5];
  const N = M * levels.length;
  const env = new VectorEnv({ numEnvs: N, seeds: new Float64Array(N), reward: 'goal', autoreset: 'none', backend });
  for (let i = 0; i < N; i++) env.setSensorNoise(i, levels[Math.floor(i / M)]);
  const group = leaderLevel === null ? null : Int32Array.from({ length: N }, (_, i) => leaderLevel * M + (i % M));
  env.shareNoiseDraws(group);
  const mazes = Int32Array.from({ length: N }, (_, i) => i % M);
  const trace: Trace = { obs: [], fitness: [], done: [] };
  const actions = new Int32Array(N);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < N; i++) {
      const seed = Rng.derive(round, 5, i % M).nextUint32();
      const leader = group === null || group[i] === i;
      env.seedEnv(i, leader ? seed : 1000 + i + round);
    }
    env.resetAll(set, mazes);
    const rng = new Rng(round + 1);
    for (let t = 0; t < task.steps; t++) {
      trace.obs.push(env.observations.slice());
      for (let i = 0; i < N; i++) actions[i] = rng.float() < 0.3 ? rng.int(5) : towardGoal(set, i % M, env.position[i]);
      env.step(actions);
      trace.fitness.push(env.fitness.slice());
      trace.done.push(env.done.slice());
    }
  }
  return trace;
}

/** The move that brings the agent closest to the goal (by the maze's distance map). */
function towardGoal(set: ReturnType<typeof generateMazeSet>, maze: number, pos: number): number {
  const base = maze * set.cellCount;
  let best = 4;
  let bestDistance = set.distance[base + pos];
  const steps = [-1, 1, -set.size, set.size];
  for (let a = 0; a < 4; a++) {
    const to = pos + steps[a];
    if (set.walls[base + to] === 0 && set.distance[base + to] < bestDistance) {
      best = a;
      bestDistance = set.distance[base + to];
    }
  }
  return best;
}

function expectSameBits(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  for (let t = 0; t < a.length; t++) {
    expect(a[t].length).toBe(b[t].length);
    for (let k = 0; k < a[t].length; k++) if (!Object.is(a[t][k], b[t][k])) expect([t, k, a[t][k]]).toEqual([t, k, b[t][k]]);
  }
}

describe('VectorEnv.shareNoiseDraws', () => {
  for (const kind of ['general', 'track'] as const) {
    test(`${kind}: shared draws give every env's own stream's numbers (JavaScript path, each env seeded) at every step`, () => {
      const oracle = run(kind, 'js', null);
      // episodes end at different steps, so groups lose members while others sense on
      const ended = oracle.done.slice(0, resolveTaskOptions(kind, {}).steps - 1).map((d) => d.reduce((s, v) => s + v, 0));
      expect(ended.some((n) => n > 0 && n < oracle.done[0].length)).toBe(true);
      for (const leaderLevel of [0, 2]) {
        const shared = run(kind, 'wasm', leaderLevel);
        expectSameBits(shared.obs, oracle.obs);
        expectSameBits(shared.fitness, oracle.fitness);
      }
    });
  }

  test('without sharing the WebAssembly path draws each env\'s own stream (unrelated seeds then differ)', () => {
    const task = resolveTaskOptions('general', {});
    const set = generateMazeSet(task, { count: 2, seed: 1 });
    const env = new VectorEnv({ numEnvs: 4, seeds: [1, 2, 3, 4], sensorNoise: 0.3, backend: 'wasm' });
    const group = Int32Array.from([0, 1, 0, 1]);
    env.shareNoiseDraws(group);
    env.shareNoiseDraws(null);
    env.resetAll(set, [0, 1, 0, 1]);
    const o = env.observations;
    const S = env.observationSize;
    // envs 0 and 2 are on the same maze and position with different streams
    expect(Array.from(o.subarray(0, S))).not.toEqual(Array.from(o.subarray(2 * S, 3 * S)));
    env.shareNoiseDraws(group);
    env.resetAll(set, [0, 1, 0, 1]);
    expect(Array.from(o.subarray(0, S))).toEqual(Array.from(o.subarray(2 * S, 3 * S)));
  });

  test('refuses groups whose env is not its own group, wrong lengths and autoreset next-step', () => {
    const env = new VectorEnv({ numEnvs: 3, backend: 'wasm' });
    expect(() => env.shareNoiseDraws(Int32Array.from([0, 0]))).toThrow(/numEnvs = 3 group entries \(got 2\)/);
    expect(() => env.shareNoiseDraws(Int32Array.from([1, 2, 2]))).toThrow(/group\[0\] must be an env index g in \[0, 2\] with group\[g\] = g \(got 1\)/);
    expect(() => env.shareNoiseDraws(Int32Array.from([0, 5, 0]))).toThrow(/group\[1\]/);
    const next = new VectorEnv({ numEnvs: 2, autoreset: 'next-step' });
    expect(() => next.shareNoiseDraws(Int32Array.from([0, 0]))).toThrow(/autoreset 'none'/);
  });
});
