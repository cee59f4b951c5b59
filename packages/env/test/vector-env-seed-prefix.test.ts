// VectorEnv.seedEnvsAfterPrefix against Rng.derive: each env's seed is the first output of the trial's own
// stream Rng.derive(seed, ...ids, last + k), and its sensor-noise stream is Rng.derive(that seed, SENSOR_NOISE_STREAM).
import { describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import { generateMazeSet, resolveTaskOptions, SENSOR_NOISE_STREAM, VectorEnv, type VectorEnvBackend } from '../src/index.js';

describe('VectorEnv.seedEnvsAfterPrefix', () => {
  for (const backend of ['wasm', 'js'] as const satisfies readonly VectorEnvBackend[]) {
    test(`each env's seed and stream are those Rng.derive gives (${backend})`, () => {
      const N = 23;
      const env = new VectorEnv({ numEnvs: N, seeds: new Float64Array(N), sensorNoise: 0.2, backend });
      expect(env.backend).toBe(backend);
      // one stream held in JavaScript before the call: it must be seeded too, not written back over later
      env.noiseRng(5);
      // (first, count, last): a tail that is not a multiple of 4, a block from the start, one env, and ids past 2^31
      for (const [first, count, last, seed] of [[2, 13, 1, 41], [0, 8, 1000, 7], [22, 1, 3, 9], [15, 6, 2 ** 31 - 3, 12]]) {
        const ids = [0x45564e53, 3];
        env.seedEnvsAfterPrefix(first, count, Rng.derivePrefix(seed, ids), last);
        for (let k = 0; k < count; k++) {
          const s = Rng.derive(seed, ...ids, last + k).nextUint32();
          expect(env.envSeed(first + k)).toBe(s);
          expect(env.noiseRng(first + k).state()).toEqual(Rng.derive(s, SENSOR_NOISE_STREAM).state());
        }
      }
    });
  }

  test('the observations are those of seedEnv with the same seeds, on both backends', () => {
    const task = resolveTaskOptions('track', {});
    const set = generateMazeSet(task, { count: 6, seed: 2 });
    const N = 18;
    const mazes = Int32Array.from({ length: N }, (_, i) => i % 6);
    const runs = (['wasm', 'js'] as const).flatMap((backend) =>
      [true, false].map((batched) => {
        const env = new VectorEnv({ numEnvs: N, seeds: new Float64Array(N), sensorNoise: 0.3, reward: 'goal', autoreset: 'none', backend });
        const obs: Float32Array[] = [];
        for (let round = 0; round < 3; round++) {
          const prefix = Rng.derivePrefix(round + 50, [8]);
          if (batched) env.seedEnvsAfterPrefix(1, N - 1, prefix, 1);
          else for (let i = 1; i < N; i++) env.seedEnv(i, Rng.firstUint32AfterPrefix(prefix, i));
          env.resetAll(set, mazes);
          for (let t = 0; t < 4; t++) {
            obs.push(env.observations.slice());
            env.step(new Int32Array(N).fill((t + round) % 5));
          }
        }
        return obs;
      }),
    );
    for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
    // the noise is there: env 1 and env 7 share maze 1 but not their draws
    expect(runs[0][0].subarray(8, 16)).not.toEqual(runs[0][0].subarray(7 * 8, 8 * 8));
  });

  test('bad arguments name the parameter', () => {
    const env = new VectorEnv({ numEnvs: 4, seeds: [1, 2, 3, 4] });
    expect(() => env.seedEnvsAfterPrefix(0, 5, 1, 1)).toThrow(/^env index must be an integer in \[0, 3\] \(got 4\)/);
    expect(() => env.seedEnvsAfterPrefix(0, 0, 1, 1)).toThrow(/^count must be an integer ≥ 1/);
    expect(() => env.seedEnvsAfterPrefix(0, 2, 2 ** 32, 1)).toThrow(/^prefix must be a 32-bit integer/);
    expect(() => env.seedEnvsAfterPrefix(0, 2, 1, -1)).toThrow(/^last must be an integer ≥ 0/);
  });
});
