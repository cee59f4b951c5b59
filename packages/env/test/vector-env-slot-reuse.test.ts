import { describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import { VectorEnv, generateMazeSet, resolveTaskOptions, type AutoresetMode, type MazeSet } from '../src/index.js';

/** The bits of a float32 array (so −0 and NaN patterns count too). */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function snapshot(vec: VectorEnv) {
  return {
    observations: bits(vec.observations),
    rewards: bits(vec.rewards),
    fitness: bits(vec.fitness),
    done: Array.from(vec.done),
    position: Array.from(vec.position),
    mazeIndex: Array.from(vec.mazeIndex),
  };
}

// A VectorEnv that lives through many resets (with fixedMazes, its maze copies kept where a slot holds the maze already)
// against fresh VectorEnvs reset once onto the same mazes with the same seeds: the WebAssembly path, and the
// JavaScript path, which reads the sets themselves and so is blind to any stale copy.
describe('VectorEnv resets onto the same and onto other mazes', () => {
  test('fixedMazes must be a boolean', () => {
    expect(() => new VectorEnv({ numEnvs: 2, fixedMazes: 1 as never })).toThrow(/fixedMazes must be true or false \(got 1\)/);
  });

  for (const [autoreset, fixedMazes] of [['none', true], ['next-step', true], ['none', false]] as [AutoresetMode, boolean][]) {
    test(`a long-lived env equals fresh ones after every reset (autoreset ${autoreset}, fixedMazes ${fixedMazes})`, () => {
      const n = 10;
      const track = generateMazeSet(resolveTaskOptions('track', { channels: 2, steps: 6 }), { count: 6, seed: 3 });
      const other = generateMazeSet(resolveTaskOptions('track', { channels: 2, steps: 6 }), { count: 6, seed: 4 });
      const general = generateMazeSet(resolveTaskOptions('general', { channels: 2, steps: 6 }), { count: 4, seed: 5 });
      const sets: MazeSet[] = [track, other, general];
      const rng = new Rng(11);
      const env = new VectorEnv({ numEnvs: n, channels: 2, sensorNoise: 0.1, autoreset, fixedMazes });
      expect(env.backend).toBe('wasm');
      let setOf: MazeSet[] = new Array<MazeSet>(n).fill(track);
      let mazeOf = Int32Array.from({ length: n }, (_, i) => i % track.count);
      const actions = new Int32Array(n);
      for (let round = 0; round < 24; round++) {
        const kind = round % 4;
        if (kind === 1) {
          // other mazes of one set, several envs per maze
          const set = sets[rng.int(3)];
          setOf = new Array<MazeSet>(n).fill(set);
          mazeOf = Int32Array.from({ length: n }, () => rng.int(set.count));
        } else if (kind === 3) {
          // a few envs moved onto another set's mazes
          for (let k = 0; k < 3; k++) {
            const i = rng.int(n);
            setOf[i] = sets[rng.int(3)];
            mazeOf[i] = rng.int(setOf[i].count);
          }
        } // kinds 0 and 2: the same mazes again
        const seeds = Float64Array.from({ length: n }, () => rng.nextUint32());
        const base = setOf[0];
        const mixed = setOf.some((s) => s !== base);
        const baseMazes = Int32Array.from(mazeOf, (m, i) => (setOf[i] === base ? m : 0));
        for (let i = 0; i < n; i++) env.seedEnv(i, seeds[i]);
        env.resetAll(base, baseMazes);
        for (let i = 0; i < n; i++) {
          if (setOf[i] === base) continue;
          env.seedEnv(i, seeds[i]);
          env.resetEnv(i, setOf[i], mazeOf[i]);
        }
        for (const backend of ['wasm', 'js'] as const) {
          const fresh = new VectorEnv({ numEnvs: n, channels: 2, sensorNoise: 0.1, autoreset, seeds, backend });
          if (mixed) for (let i = 0; i < n; i++) fresh.resetEnv(i, setOf[i], mazeOf[i]);
          else fresh.resetAll(base, mazeOf);
          expect(snapshot(env), `round ${round}, ${backend}, after the reset`).toEqual(snapshot(fresh));
        }
        // a few steps of both, the same actions
        const fresh = new VectorEnv({ numEnvs: n, channels: 2, sensorNoise: 0.1, autoreset, seeds, backend: 'js' });
        for (let i = 0; i < n; i++) fresh.resetEnv(i, setOf[i], mazeOf[i]);
        for (let t = 0; t < 9; t++) {
          for (let i = 0; i < n; i++) actions[i] = rng.int(5);
          env.step(actions);
          fresh.step(actions);
          expect(snapshot(env), `round ${round}, step ${t}`).toEqual(snapshot(fresh));
        }
      }
    });
  }
});
