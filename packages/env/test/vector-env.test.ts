import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MazeEnv, ProgressReward, VectorEnv, generateMazeSet, resolveTaskOptions, type MazeKind, type RewardMode } from '../src/index.js';
import { PrnnError, Rng } from '@prnn/core';
import { shortestPathAction } from './helpers.js';

const kindArb = fc.constantFrom<MazeKind>('general', 'track', 'h');

describe('VectorEnv', () => {
  test('equals N single MazeEnvs stepped one by one (per-env seeds, noise levels, masks, both rewards, re-sensing)', () => {
    fc.assert(
      fc.property(
        kindArb, fc.integer({ min: 1, max: 5 }), fc.nat(), fc.constantFrom<RewardMode>('goal', 'progress'),
        fc.constantFrom([1, 1], [0, 1]), fc.array(fc.constantFrom(0, 0.05, 0.3), { minLength: 5, maxLength: 5 }),
        (kind, n, seed, reward, mask, sigmas) => {
          const task = resolveTaskOptions(kind, { activeChannels: mask, mazeNoise: 0.1 });
          const set = generateMazeSet(task, { count: 7, seed });
          const vec = new VectorEnv({ numEnvs: n, seed, reward, sensorNoise: 0.05 });
          const singles: MazeEnv[] = [];
          const indices = Int32Array.from({ length: n }, (_, i) => (i * 3 + seed) % set.count);
          for (let i = 0; i < n; i++) vec.setSensorNoise(i, sigmas[i]);
          vec.resetAll(set, indices);
          for (let i = 0; i < n; i++) {
            const env = new MazeEnv({ mazeSet: set, reward, sensorNoise: sigmas[i] });
            const { observation } = env.reset({ seed: vec.envSeed(i), options: { mazeIndex: indices[i] } });
            expect(Array.from(vec.observations.subarray(i * 8, i * 8 + 8))).toEqual(Array.from(observation));
            singles.push(env);
          }
          const rng = new Rng(seed);
          const actions = new Int32Array(n);
          const ended = new Array<boolean>(n).fill(false);
          for (let t = 0; t < task.steps + 2; t++) {
            for (let i = 0; i < n; i++) actions[i] = rng.int(5);
            const frozen = Array.from(vec.observations);
            vec.step(actions);
            for (let i = 0; i < n; i++) {
              const obs = Array.from(vec.observations.subarray(i * 8, i * 8 + 8));
              if (ended[i]) {
                // a finished env ignores its action and stays frozen
                expect(obs).toEqual(frozen.slice(i * 8, i * 8 + 8));
                expect(vec.rewards[i]).toBe(0);
                expect(vec.fitness[i]).toBeNaN();
                expect(vec.done[i]).toBe(1);
                continue;
              }
              const r = singles[i].step(actions[i]);
              expect(obs).toEqual(Array.from(r.observation));
              expect(vec.rewards[i]).toBe(Math.fround(r.reward));
              expect(vec.terminated[i]).toBe(r.terminated ? 1 : 0);
              expect(vec.truncated[i]).toBe(r.truncated ? 1 : 0);
              expect(vec.position[i]).toBe(r.info.position);
              expect(vec.stepIndex[i]).toBe(r.info.step);
              expect(vec.fitness[i]).toBe(Math.fround(r.info.fitness)); // NaN until the episode ends
              ended[i] = r.terminated || r.truncated;
              expect(vec.done[i]).toBe(ended[i] ? 1 : 0);
            }
            if (t % 2 === 0) {
              // re-sense every env that is still running, on both sides
              for (let i = 0; i < n; i++) {
                if (ended[i]) continue;
                vec.sense(i);
                expect(Array.from(vec.observations.subarray(i * 8, i * 8 + 8))).toEqual(Array.from(singles[i].sense()));
              }
            }
          }
          expect(ended.every((e) => e)).toBe(true);
        },
      ),
      { numRuns: 80 },
    );
  });

  test('observations lie in [0, 1] and are exactly 0 on inactive channels, under any noise', () => {
    fc.assert(
      fc.property(kindArb, fc.nat(), fc.double({ min: 0, max: 3, noNaN: true }), fc.constantFrom([1, 0], [0, 1], [0, 0], [1, 1]), (kind, seed, sigma, mask) => {
        const set = generateMazeSet(resolveTaskOptions(kind, { activeChannels: mask, mazeNoise: 0.3 }), { count: 4, seed });
        const vec = new VectorEnv({ numEnvs: 4, seed, sensorNoise: sigma, autoreset: 'next-step' });
        vec.resetAll(set, [0, 1, 2, 3]);
        const rng = new Rng(seed);
        const actions = new Int32Array(4);
        for (let t = 0; t < 25; t++) {
          for (let i = 0; i < 4; i++) actions[i] = rng.int(5);
          vec.step(actions);
          vec.sense();
          for (let k = 0; k < vec.observations.length; k++) {
            const v = vec.observations[k];
            if (!(v >= 0 && v <= 1)) throw new Error(`observation ${v} outside [0, 1]`);
            if (mask[k % 2] === 0 && !Object.is(v, 0)) throw new Error(`inactive channel carries ${v}`);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  test('equal seeds give identical trajectories', () => {
    fc.assert(
      fc.property(kindArb, fc.nat(), (kind, seed) => {
        const set = generateMazeSet(resolveTaskOptions(kind), { count: 6, seed });
        const run = (): number[][] => {
          const vec = new VectorEnv({ numEnvs: 6, seed, sensorNoise: 0.1, autoreset: 'next-step' });
          vec.resetAll(set, [0, 1, 2, 3, 4, 5]);
          const rng = new Rng(seed);
          const actions = new Int32Array(6);
          const out: number[][] = [];
          for (let t = 0; t < 30; t++) {
            for (let i = 0; i < 6; i++) actions[i] = rng.int(5);
            vec.step(actions);
            out.push(Array.from(vec.observations), Array.from(vec.position), Array.from(vec.rewards), Array.from(vec.fitness));
          }
          return out;
        };
        expect(run()).toEqual(run());
      }),
      { numRuns: 15 },
    );
  });

  test('the shortest-path policy reaches every goal in d(start) moves with fitness 1', () => {
    const set = generateMazeSet(resolveTaskOptions('general', { steps: 60 }), { count: 32, seed: 6 });
    const vec = new VectorEnv({ numEnvs: 32, sensorNoise: 0.05 });
    vec.resetAll(set, Int32Array.from({ length: 32 }, (_, i) => i));
    const actions = new Int32Array(32);
    const movesAtEnd = new Int32Array(32).fill(-1);
    for (let t = 0; t < 60; t++) {
      for (let i = 0; i < 32; i++) actions[i] = vec.done[i] ? 4 : shortestPathAction(set, i, vec.position[i]);
      vec.step(actions);
      for (let i = 0; i < 32; i++) {
        if (vec.done[i] && movesAtEnd[i] < 0) {
          movesAtEnd[i] = t + 1;
          expect(vec.terminated[i]).toBe(1);
          expect(vec.fitness[i]).toBe(1);
        }
      }
    }
    for (let i = 0; i < 32; i++) expect(movesAtEnd[i]).toBe(set.distance[i * set.cellCount + set.start[i]]);
  });

  test("autoreset 'next-step' restarts a finished env on maze (index + N) mod count, ignoring its action", () => {
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 5, seed: 2 });
    const vec = new VectorEnv({ numEnvs: 2, autoreset: 'next-step', sensorNoise: 0 });
    vec.resetAll(set, [0, 4]);
    const stay = new Int32Array([4, 4]);
    for (let t = 0; t < 6; t++) vec.step(stay);
    expect(Array.from(vec.truncated)).toEqual([1, 1]);
    expect(Array.from(vec.done)).toEqual([1, 1]);
    expect(vec.fitness[0]).toBeCloseTo(0.25, 6); // timed out on the start: p(start) / 2
    vec.step(new Int32Array([0, 1]));
    expect(Array.from(vec.mazeIndex)).toEqual([2, 1]);
    expect(Array.from(vec.stepIndex)).toEqual([0, 0]);
    expect(Array.from(vec.done)).toEqual([0, 0]);
    expect(Array.from(vec.truncated)).toEqual([0, 0]);
    expect(Array.from(vec.rewards)).toEqual([0, 0]);
    expect(vec.position[0]).toBe(set.start[2]);
    expect(Number.isNaN(vec.fitness[0])).toBe(true);
    vec.step(new Int32Array([0, 1]));
    expect(vec.stepIndex[0]).toBe(1);
  });

  test('sense() re-senses with fresh noise; without noise it repeats the observation', () => {
    const set = generateMazeSet(resolveTaskOptions('general', { cueSparsity: 0 }), { count: 2, seed: 2 });
    const vec = new VectorEnv({ numEnvs: 2, sensorNoise: 0.2 });
    vec.setSensorNoise(1, 0);
    vec.resetAll(set, [0, 1]);
    const before = Array.from(vec.observations);
    vec.sense();
    expect(Array.from(vec.observations.subarray(0, 8))).not.toEqual(before.slice(0, 8));
    expect(Array.from(vec.observations.subarray(8, 16))).toEqual(before.slice(8, 16));
    expect(vec.sensorNoise(0)).toBe(0.2);
    expect(vec.sensorNoise(1)).toBe(0);
  });

  test("reward 'progress' is 2·(p(pos) − p(start)) and matches the ProgressReward wrapper", () => {
    const set = generateMazeSet(resolveTaskOptions('general', { steps: 30 }), { count: 3, seed: 8 });
    const vec = new VectorEnv({ numEnvs: 1, reward: 'progress', seed: 3 });
    const wrapped = new ProgressReward(new MazeEnv({ mazeSet: set }));
    vec.resetEnv(0, set, 1);
    const first = wrapped.reset({ seed: vec.envSeed(0), options: { mazeIndex: 1 } });
    const p0 = set.progress[set.cellCount + set.start[1]];
    expect(first.info.startProgress).toBe(p0);
    const rng = new Rng(4);
    let nonzero = 0;
    for (let t = 0; t < 30; t++) {
      const a = rng.int(5);
      vec.step(Int32Array.of(a));
      const r = wrapped.step(a);
      expect(vec.rewards[0]).toBe(Math.fround(2 * (set.progress[set.cellCount + vec.position[0]] - p0)));
      expect(vec.rewards[0]).toBe(Math.fround(r.reward));
      if (r.reward !== 0) nonzero++;
      if (r.terminated || r.truncated) break;
    }
    expect(nonzero).toBeGreaterThan(0);
    expect(wrapped.unwrapped).toBeInstanceOf(MazeEnv);
    expect(wrapped.observationSpace.size).toBe(8);
  });

  test('bad input is rejected before anything moves', () => {
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 2, seed: 1 });
    const vec = new VectorEnv({ numEnvs: 2 });
    expect(() => vec.step(new Int32Array([0, 0]))).toThrow(/env 0 must be reset/);
    vec.resetAll(set, [0, 1]);
    const positions = Array.from(vec.position);
    for (const bad of [5, -1, 2 ** 31 - 1]) {
      expect(() => vec.step(new Int32Array([0, bad]))).toThrow(PrnnError);
    }
    expect(() => vec.step(new Int32Array([1, 9]))).toThrow(/actions\[1\] must be an integer in \[0, 4\].*\(got 9\)/);
    expect(Array.from(vec.position)).toEqual(positions);
    expect(Array.from(vec.stepIndex)).toEqual([0, 0]);
    // plain-JS callers may pass other arrays: non-integers are rejected too
    expect(() => vec.step([0, 1.5] as unknown as Int32Array)).toThrow(/actions\[1\] must be an integer in \[0, 4\].*\(got 1\.5\)/);
    expect(() => vec.step(new Int32Array([0]))).toThrow(/actions must have numEnvs = 2 entries \(got 1\)/);
    expect(() => vec.resetAll(set, [0])).toThrow(/mazeIndices must have numEnvs = 2 entries/);
    expect(() => vec.resetEnv(2, set, 0)).toThrow(/env index must be an integer in \[0, 1\] \(got 2\)/);
    expect(() => vec.resetEnv(0, set, 5)).toThrow(/mazeIndex must be an integer in \[0, 1\] \(got 5\)/);
    expect(() => vec.setSensorNoise(0, -1)).toThrow(/sensorNoise must be a finite number ≥ 0 \(got -1\)/);
    const three = generateMazeSet(resolveTaskOptions('track', { channels: 3 }), { count: 1, seed: 1 });
    expect(() => vec.resetEnv(0, three, 0)).toThrow(/channels must equal the VectorEnv's channels = 2 \(got 3\)/);
    expect(() => new VectorEnv({ numEnvs: 0 })).toThrow(/numEnvs must be an integer in \[1, 10000000\] \(got 0\)/);
    expect(() => new VectorEnv({ numEnvs: 2, autoreset: 'always' as never })).toThrow(/autoreset must be one of none, next-step/);
    expect(() => new VectorEnv({ numEnvs: 2, reward: 'x' as never })).toThrow(/reward must be one of goal, progress/);
    expect(() => new VectorEnv({ numEnvs: 2, seeds: [1] })).toThrow(/seeds must have numEnvs = 2 entries/);
    expect(() => new VectorEnv({ numEnvs: 1, channels: 0 })).toThrow(/channels must be an integer in \[1, 64\]/);
    expect(() => new VectorEnv({ numEnvs: 1 }).sense(0)).toThrow(/env 0 must be reset/);
  });

  test('explicit seeds: env i with seed s draws the noise of a MazeEnv reset with seed s', () => {
    const set = generateMazeSet(resolveTaskOptions('general'), { count: 1, seed: 1 });
    const vec = new VectorEnv({ numEnvs: 2, seeds: [11, 12], sensorNoise: 0.1 });
    vec.resetAll(set, [0, 0]);
    const env = new MazeEnv({ mazeSet: set, sensorNoise: 0.1 });
    expect(Array.from(vec.observations.subarray(8, 16))).toEqual(Array.from(env.reset({ seed: 12, options: { mazeIndex: 0 } }).observation));
    vec.seedEnv(0, 12);
    vec.resetEnv(0, set, 0);
    expect(Array.from(vec.observations.subarray(0, 8))).toEqual(Array.from(vec.observations.subarray(8, 16)));
  });
});
