import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { VectorEnv, generateMazeSet, resolveTaskOptions, type AutoresetMode, type MazeKind, type RewardMode } from '../src/index.js';
import { PrnnError, Rng } from '@prnn/core';
import { instantiateVectorEnv, vectorEnvWasmAvailable } from '../src/vector-env-wasm.js';

/** The bits of a float32 array (so −0 and NaN patterns count too). */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Every observable of a VectorEnv, bit for bit, and its noise streams unless told not to look at them. */
function snapshot(vec: VectorEnv, streams = true) {
  return {
    observations: bits(vec.observations),
    rewards: bits(vec.rewards),
    fitness: bits(vec.fitness),
    terminated: Array.from(vec.terminated),
    truncated: Array.from(vec.truncated),
    done: Array.from(vec.done),
    position: Array.from(vec.position),
    stepIndex: Array.from(vec.stepIndex),
    mazeIndex: Array.from(vec.mazeIndex),
    streams: streams ? Array.from({ length: vec.numEnvs }, (_, i) => vec.noiseRng(i).state()) : [],
  };
}

describe('VectorEnv WebAssembly path', () => {
  test('WebAssembly is available in Node, and the JavaScript path can be asked for', () => {
    expect(vectorEnvWasmAvailable()).toBe(true);
    expect(new VectorEnv({ numEnvs: 3 }).backend).toBe('wasm');
    expect(new VectorEnv({ numEnvs: 3, backend: 'js' }).backend).toBe('js');
    expect(() => new VectorEnv({ numEnvs: 3, backend: 'gpu' as never })).toThrow(/backend must be one of wasm, js \(got "gpu"\)/);
  });

  test('gives the same bits as the JavaScript path: observations, rewards, flags, fitness and noise streams', () => {
    const arb = fc.record({
      kind: fc.constantFrom<MazeKind>('general', 'track', 'h'),
      n: fc.integer({ min: 1, max: 9 }),
      seed: fc.nat(),
      channels: fc.integer({ min: 2, max: 4 }),
      maskBits: fc.nat(15),
      reward: fc.constantFrom<RewardMode>('goal', 'progress'),
      autoreset: fc.constantFrom<AutoresetMode>('none', 'next-step'),
      sigmas: fc.array(fc.constantFrom(0, 0.05, 0.3, 2.5, 1e-300), { minLength: 9, maxLength: 9 }),
      steps: fc.integer({ min: 1, max: 30 }),
      ops: fc.array(fc.nat(99), { minLength: 40, maxLength: 40 }),
    });
    fc.assert(
      fc.property(arb, ({ kind, n, seed, channels, maskBits, reward, autoreset, sigmas, steps, ops }) => {
        const activeChannels = Array.from({ length: channels }, (_, c) => (c === 0 || ((maskBits >> c) & 1) === 1 ? 1 : 0));
        const task = resolveTaskOptions(kind, { channels, activeChannels, mazeNoise: 0.2, steps });
        const set = generateMazeSet(task, { count: 5, seed });
        const make = (backend: 'wasm' | 'js') => new VectorEnv({ numEnvs: n, channels, seed, reward, autoreset, backend });
        const wasm = make('wasm');
        const js = make('js');
        expect(wasm.backend).toBe('wasm');
        // the streams are looked at now and then only: between looks the module keeps them
        let calls = 0;
        const both = (f: (v: VectorEnv) => void): void => {
          f(wasm);
          f(js);
          const streams = ++calls % 7 === 0;
          expect(snapshot(wasm, streams)).toEqual(snapshot(js, streams));
        };
        both((v) => {
          for (let i = 0; i < n; i++) v.setSensorNoise(i, sigmas[i]);
          v.resetAll(set, Array.from({ length: n }, (_, i) => (i + seed) % set.count));
        });
        const rng = new Rng(seed);
        const actions = new Int32Array(n);
        const which = new Uint8Array(n);
        for (const op of ops) {
          if (op < 70) {
            for (let i = 0; i < n; i++) actions[i] = rng.int(5);
            both((v) => v.step(actions));
          } else if (op < 80) {
            for (let i = 0; i < n; i++) which[i] = rng.int(2);
            both((v) => v.senseWhere(which));
          } else if (op < 85) {
            both((v) => v.sense());
          } else if (op < 90) {
            const i = rng.int(n);
            both((v) => v.sense(i));
          } else if (op < 95) {
            const i = rng.int(n);
            const m = rng.int(set.count);
            both((v) => v.resetEnv(i, set, m));
          } else {
            // a checkpoint's restore of one stream, and a re-seed, between calls
            const i = rng.int(n);
            const state = new Rng(op).state();
            const s = rng.nextUint32();
            both((v) => {
              v.noiseRng(i).setState(state);
              v.seedEnv((i + 1) % n, s);
            });
          }
        }
        expect(snapshot(wasm)).toEqual(snapshot(js));
      }),
      { numRuns: 150 },
    );
  });

  test('draws the ziggurat slow path and tail exactly as Rng.normal (many draws, one env)', () => {
    const set = generateMazeSet(resolveTaskOptions('general', {}), { count: 1, seed: 3 });
    const vec = new VectorEnv({ numEnvs: 1, seeds: [77], sensorNoise: 1e-300 });
    vec.resetAll(set, [0]);
    const oracle = vec.noiseRng(0).clone();
    // σ so small that the clamp never bites: each observation is the cue plus σ·z, so the stream's count shows in the state
    for (let k = 0; k < 20000; k++) vec.sense(0);
    for (let k = 0; k < 20000 * 8; k++) oracle.normal();
    expect(vec.noiseRng(0).state()).toEqual(oracle.state());
  });

  test("the wedge test's own exp lies within 1e-15 (relative) of JavaScript's Math.exp over the wedges' range, far inside its 1e-13 band", () => {
    const wasm = instantiateVectorEnv(1024);
    expect(wasm).not.toBeNull();
    const rng = new Rng(5);
    let worst = 0;
    // t = −x²/2 for x up to the ziggurat's right edge 3.654…: t in [−6.68, 0]
    for (let k = 0; k < 200000; k++) {
      const t = -6.68 * rng.float();
      const js = Math.exp(t);
      worst = Math.max(worst, Math.abs(wasm!.moduleExp(t) - js) / js);
    }
    for (const t of [0, -0, -1e-300, -6.68, -0.5, -Math.LN2]) worst = Math.max(worst, Math.abs(wasm!.moduleExp(t) - Math.exp(t)) / Math.exp(t));
    expect(worst).toBeLessThan(1e-15);
  });

  test('draws four envs side by side as each env\'s own stream would, slow path and tail included, beside envs that draw nothing', () => {
    // 7 envs: one group of four lanes and a remainder of three drawn one by one; σ = 0 envs draw nothing and
    // are skipped in the lanes; 1e-300 keeps every value unclamped, so each observation shows its draw
    const sigmas = [0.3, 1e-300, 0, 2.5, 1e-300, 0.05, 1e-300];
    const n = sigmas.length;
    const seeds = sigmas.map((_, i) => 40 + i);
    const set = generateMazeSet(resolveTaskOptions('general', { channels: 3 }), { count: 3, seed: 5 });
    const make = (backend: 'wasm' | 'js') => {
      const v = new VectorEnv({ numEnvs: n, channels: 3, seeds, backend });
      for (let i = 0; i < n; i++) v.setSensorNoise(i, sigmas[i]);
      v.resetAll(set, Array.from({ length: n }, (_, i) => i % set.count));
      return v;
    };
    const wasm = make('wasm');
    const js = make('js');
    const oracles = Array.from({ length: n }, (_, i) => wasm.noiseRng(i).clone());
    const all = new Uint8Array(n).fill(1);
    const some = Uint8Array.of(1, 1, 0, 1, 0, 1, 1);
    let mismatches = 0;
    for (let k = 0; k < 4000; k++) {
      const which = k % 3 === 0 ? some : all;
      for (const v of [wasm, js]) v.senseWhere(which);
      for (let i = 0; i < n; i++) if (which[i] === 1 && sigmas[i] > 0) for (let d = 0; d < 12; d++) oracles[i].normal();
      for (let j = 0; j < n * 12; j++) if (!Object.is(wasm.observations[j], js.observations[j])) mismatches++;
    }
    expect(mismatches).toBe(0);
    for (let i = 0; i < n; i++) expect(wasm.noiseRng(i).state()).toEqual(oracles[i].state());
    // the σ = 0 env drew nothing: its stream is where a fresh env's starts
    expect(wasm.noiseRng(2).state()).toEqual(new VectorEnv({ numEnvs: n, channels: 3, seeds }).noiseRng(2).state());
  });

  test('a maze larger than the module\'s slots moves the env to the JavaScript path, with the same numbers', () => {
    const task = resolveTaskOptions('general', { size: 13 });
    const set = generateMazeSet(task, { count: 3, seed: 5 });
    const wasm = new VectorEnv({ numEnvs: 3, seed: 1, sensorNoise: 0.1, autoreset: 'next-step' });
    const js = new VectorEnv({ numEnvs: 3, seed: 1, sensorNoise: 0.1, autoreset: 'next-step', backend: 'js' });
    const rng = new Rng(2);
    const actions = new Int32Array(3);
    for (const v of [wasm, js]) v.resetAll(set, [0, 1, 2]);
    expect(wasm.backend).toBe('js');
    for (let t = 0; t < 50; t++) {
      for (let i = 0; i < 3; i++) actions[i] = rng.int(5);
      wasm.step(actions);
      js.step(actions);
      expect(snapshot(wasm)).toEqual(snapshot(js));
    }
  });

  test('bad input to senseWhere and step is refused before anything moves, naming what is allowed', () => {
    const set = generateMazeSet(resolveTaskOptions('general', {}), { count: 2, seed: 1 });
    const vec = new VectorEnv({ numEnvs: 2, seed: 4 });
    expect(() => vec.senseWhere(new Uint8Array(3))).toThrow(/senseWhere needs numEnvs = 2 flags \(got 3\)/);
    vec.resetEnv(0, set, 0);
    expect(() => vec.senseWhere(Uint8Array.of(1, 1))).toThrow(/env 1 must be reset/);
    vec.resetEnv(1, set, 1);
    const before = snapshot(vec);
    expect(() => vec.step(Int32Array.of(0, -1))).toThrow(PrnnError);
    expect(() => vec.step(Int32Array.of(5, 0))).toThrow(/actions\[0\] must be an integer in \[0, 4\]/);
    expect(snapshot(vec)).toEqual(before);
  });
  test('rounds of seedEnv + resetAll with many envs per maze (as the greedy test runs them) give the JavaScript path\'s numbers, and a maze changed between rounds is seen', () => {
    const task = resolveTaskOptions('general', {});
    const set = generateMazeSet(task, { count: 3, seed: 8 });
    const n = 12;
    const wasm = new VectorEnv({ numEnvs: n, channels: task.channels, sensorNoise: 0.2, seeds: new Float64Array(n) });
    const js = new VectorEnv({ numEnvs: n, channels: task.channels, sensorNoise: 0.2, seeds: new Float64Array(n), backend: 'js' });
    const mazeOf = Int32Array.from({ length: n }, (_, i) => (i * 7) % 3);
    const rng = new Rng(6);
    const actions = new Int32Array(n);
    for (let round = 0; round < 3; round++) {
      if (round === 2) {
        // the set changes between rounds (maze 1's cues): the next resetAll must copy it again
        const cells = set.cellCount * task.channels;
        set.cues.fill(0.25, cells, 2 * cells);
      }
      for (const v of [wasm, js]) {
        // from round 1 on the wasm streams live in the module: seedEnv writes their words there
        for (let i = 0; i < n; i++) v.seedEnv(i, 1000 * round + i);
        v.resetAll(set, mazeOf);
      }
      expect(snapshot(wasm)).toEqual(snapshot(js));
      for (let t = 0; t < 5; t++) {
        for (let i = 0; i < n; i++) actions[i] = rng.int(5);
        wasm.step(actions);
        js.step(actions);
        expect(snapshot(wasm)).toEqual(snapshot(js));
      }
    }
    // on the changed maze, a noiseless sense sees cue 0.25 wherever the cell is open
    const quiet = new VectorEnv({ numEnvs: 1, channels: task.channels, sensorNoise: 0 });
    quiet.resetEnv(0, set, 0);
    quiet.resetEnv(0, set, 1);
    expect([...quiet.observations].filter((x) => x !== 0).every((x) => x === 0.25)).toBe(true);
    expect([...quiet.observations].some((x) => x === 0.25)).toBe(true);
  });
});
