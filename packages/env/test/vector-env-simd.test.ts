// The WebAssembly path's noisy sensing takes two channels at a time in f64x2 lanes, with one scalar channel
// left when C is odd and a per-lane fallback for masked channels; the JavaScript path (one channel at a time, in
// float64) is the oracle: observations bit for bit at every step, for channel counts the property test in
// vector-env-wasm.test.ts does not draw (1, 5, 8), every mask pattern of the first channels, and noise levels
// that clamp on both sides.
import { describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import { VectorEnv, generateMazeSet, resolveTaskOptions } from '../src/index.js';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('VectorEnv SIMD sensing', () => {
  test.each([1, 5, 8])('%i channels: the same observation bits as the JavaScript path, masked and clamped', (channels) => {
    for (const kind of ['track', 'general'] as const) {
      for (let maskBits = 0; maskBits < 8; maskBits++) {
        const activeChannels = Array.from({ length: channels }, (_, c) => (c === 0 || ((maskBits >> c) & 1) === 1 ? 1 : 0));
        const task = resolveTaskOptions(kind, { channels, activeChannels, mazeNoise: 0.3 });
        const set = generateMazeSet(task, { count: 4, seed: 20 + maskBits });
        const n = 12;
        const make = (backend: 'wasm' | 'js') => new VectorEnv({ numEnvs: n, channels, seed: maskBits, backend });
        const wasm = make('wasm');
        const js = make('js');
        expect(wasm.backend).toBe('wasm');
        const sigmas = [0, 0.05, 0.3, 1, 2.5, 0.5];
        for (const v of [wasm, js]) {
          for (let i = 0; i < n; i++) v.setSensorNoise(i, sigmas[i % sigmas.length]);
          v.resetAll(set, Array.from({ length: n }, (_, i) => i % set.count));
        }
        expect(bits(wasm.observations)).toEqual(bits(js.observations));
        const rng = new Rng(channels * 100 + maskBits);
        const actions = new Int32Array(n);
        for (let t = 0; t < 12; t++) {
          for (let i = 0; i < n; i++) actions[i] = rng.int(5);
          wasm.step(actions);
          js.step(actions);
          expect(bits(wasm.observations)).toEqual(bits(js.observations));
        }
        // the clamps were hit: observations of exactly 0 and 1 on active channels, and values between
        const values = new Set(Array.from(wasm.observations));
        expect(values.has(0) && values.has(1) && values.size > 10).toBe(true);
      }
    }
  });
});
