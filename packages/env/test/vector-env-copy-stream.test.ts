// VectorEnv.copyNoiseStream against seedEnv with the same seed: the same observations and fitness, both backends.
import { describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import { generateMazeSet, resolveTaskOptions, VectorEnv, type VectorEnvBackend } from '../src/index.js';

function run(backend: VectorEnvBackend, copy: 'none' | 'one' | 'block'): { obs: Float32Array[]; fitness: Float32Array[]; seeds: number[] } {
  const task = resolveTaskOptions('general', {});
  const set = generateMazeSet(task, { count: 5, seed: 3 });
  const M = 5;
  const levels = [0, 0.05, 0.4];
  const N = M * levels.length;
  const env = new VectorEnv({ numEnvs: N, seeds: new Float64Array(N), reward: 'goal', autoreset: 'none', backend });
  for (let i = 0; i < N; i++) env.setSensorNoise(i, levels[Math.floor(i / M)]);
  const mazes = Int32Array.from({ length: N }, (_, i) => i % M);
  const obs: Float32Array[] = [];
  const fitness: Float32Array[] = [];
  for (let round = 0; round < 2; round++) {
    for (let m = 0; m < M; m++) {
      const seed = Rng.derive(round, 7, m).nextUint32();
      env.seedEnv(m, seed);
      for (let level = 1; level < levels.length; level++) {
        if (copy === 'one') env.copyNoiseStream(level * M + m, m);
        else if (copy === 'none') env.seedEnv(level * M + m, seed);
      }
    }
    if (copy === 'block') for (let level = 1; level < levels.length; level++) env.copyNoiseStream(level * M, 0, M);
    env.resetAll(set, mazes);
    const actions = new Int32Array(N);
    for (let t = 0; t < 8; t++) {
      obs.push(env.observations.slice());
      for (let i = 0; i < N; i++) actions[i] = (i + t * 3 + round) % 5;
      env.step(actions);
      fitness.push(env.fitness.slice());
    }
  }
  return { obs, fitness, seeds: Array.from({ length: N }, (_, i) => env.envSeed(i)) };
}

describe('VectorEnv.copyNoiseStream', () => {
  for (const backend of ['wasm', 'js'] as const) {
    test(`equals seeding with the same seed (${backend})`, () => {
      const a = run(backend, 'none');
      for (const copy of ['one', 'block'] as const) {
        const b = run(backend, copy);
        expect(b.seeds).toEqual(a.seeds);
        expect(b.obs).toEqual(a.obs);
        expect(b.fitness).toEqual(a.fitness);
      }
      // the noisy levels draw: their observations are not those of σ = 0
      expect(a.obs[0].subarray(5 * 8 * 2, 5 * 8 * 3)).not.toEqual(a.obs[0].subarray(0, 5 * 8));
    });
  }

  test('a stream held in JavaScript (after noiseRng) is copied too', () => {
    const env = new VectorEnv({ numEnvs: 2, seeds: [1, 2], sensorNoise: 0.3 });
    env.seedEnv(0, 99);
    env.noiseRng(0); // takes env 0's stream out of the module
    env.copyNoiseStream(1, 0);
    expect(env.envSeed(1)).toBe(99);
    expect(env.noiseRng(1).state()).toEqual(env.noiseRng(0).state());
    expect(env.noiseRng(1)).not.toBe(env.noiseRng(0));
  });

  test('ranges: inside the batch and not overlapping', () => {
    const env = new VectorEnv({ numEnvs: 6, seeds: [1, 2, 3, 4, 5, 6] });
    expect(() => env.copyNoiseStream(4, 0, 3)).toThrow(/env index must be an integer in \[0, 5\] \(got 6\)/);
    expect(() => env.copyNoiseStream(1, 0, 2)).toThrow(/must not overlap/);
    expect(() => env.copyNoiseStream(3, 0, 0)).toThrow(/count must be an integer ≥ 1/);
    env.copyNoiseStream(3, 0, 3);
    expect([3, 4, 5].map((i) => env.envSeed(i))).toEqual([1, 2, 3]);
  });
});

/** Maze-major envs (env m·L + level): each maze's first env seeded, then spread over its other levels (or every env seeded). */
function runMazeMajor(backend: VectorEnvBackend, spread: boolean, holdInJs: boolean): { obs: Float32Array[]; seeds: number[] } {
  const task = resolveTaskOptions('track', {});
  const set = generateMazeSet(task, { count: 4, seed: 9 });
  const M = 4;
  const levels = [0.02, 0.1, 0.3, 0.6];
  const L = levels.length;
  const N = M * L;
  const env = new VectorEnv({ numEnvs: N, seeds: new Float64Array(N), reward: 'goal', autoreset: 'none', backend });
  for (let i = 0; i < N; i++) env.setSensorNoise(i, levels[i % L]);
  const mazes = Int32Array.from({ length: N }, (_, i) => Math.floor(i / L));
  const obs: Float32Array[] = [];
  for (let round = 0; round < 2; round++) {
    for (let m = 0; m < M; m++) {
      const seed = Rng.derive(round, 5, m).nextUint32();
      env.seedEnv(m * L, seed);
      if (holdInJs) env.noiseRng(m * L); // the stream taken out of the module: the per-env path
      if (spread) env.spreadNoiseStream(m * L, m * L + 1, L - 1);
      else for (let level = 1; level < L; level++) env.seedEnv(m * L + level, seed);
    }
    env.resetAll(set, mazes);
    const actions = new Int32Array(N);
    for (let t = 0; t < 5; t++) {
      obs.push(env.observations.slice());
      for (let i = 0; i < N; i++) actions[i] = (i * 7 + t + round) % 5;
      env.step(actions);
    }
  }
  return { obs, seeds: Array.from({ length: N }, (_, i) => env.envSeed(i)) };
}

describe('VectorEnv.spreadNoiseStream', () => {
  for (const backend of ['wasm', 'js'] as const) {
    for (const holdInJs of [false, true]) {
      test(`equals seeding every env of the range alike (${backend}${holdInJs ? ', stream held in JavaScript' : ''})`, () => {
        const a = runMazeMajor(backend, false, holdInJs);
        const b = runMazeMajor(backend, true, holdInJs);
        expect(b.seeds).toEqual(a.seeds);
        expect(b.obs).toEqual(a.obs);
        // the copies are not all one stream's state by accident: two mazes' first observations differ
        expect(a.obs[0].subarray(0, 8)).not.toEqual(a.obs[0].subarray(4 * 8, 5 * 8));
      });
    }
  }

  test('every env of the range gets the stream, none outside it', () => {
    const env = new VectorEnv({ numEnvs: 6, seeds: [1, 2, 3, 4, 5, 6], sensorNoise: 0.2 });
    env.spreadNoiseStream(5, 1, 3);
    expect(Array.from({ length: 6 }, (_, i) => env.envSeed(i))).toEqual([1, 6, 6, 6, 5, 6]);
    for (const i of [1, 2, 3]) expect(env.noiseRng(i).state()).toEqual(env.noiseRng(5).state());
    expect(env.noiseRng(4).state()).not.toEqual(env.noiseRng(5).state());
  });

  test('ranges: inside the batch, the source outside the range', () => {
    const env = new VectorEnv({ numEnvs: 6, seeds: [1, 2, 3, 4, 5, 6] });
    expect(() => env.spreadNoiseStream(0, 4, 3)).toThrow(/env index must be an integer in \[0, 5\] \(got 6\)/);
    expect(() => env.spreadNoiseStream(2, 1, 3)).toThrow(/must lie outside the envs copied to \(1…3\)/);
    expect(() => env.spreadNoiseStream(0, 1, 0)).toThrow(/count must be an integer ≥ 1/);
  });
});
