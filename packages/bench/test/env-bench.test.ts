import { describe, expect, test } from 'vitest';
import { benchEnv } from '../src/index.js';
import { PrnnError } from '@prnn/core';

// Speed itself is checked by `prnn env bench`, never by a timed test; this only checks that the bench runs.
describe('benchEnv', () => {
  test('reports positive rates with their repeats', () => {
    const r = benchEnv({ seconds: 0.1, repeats: 3, numEnvs: 8 });
    expect(r.mazesPerSecond).toBeGreaterThan(0);
    expect(r.stepsPerSecond).toBeGreaterThan(0);
    expect(r.mazeRepeats.length).toBe(3);
    expect(r.stepRepeats.length).toBe(3);
    expect(r.mazesPerSecond).toBe([...r.mazeRepeats].sort((a, b) => a - b)[1]);
    expect(r.numEnvs).toBe(8);
  });

  test('rejects bad options', () => {
    expect(() => benchEnv({ seconds: 0 })).toThrow(PrnnError);
    expect(() => benchEnv({ seconds: 0.1, numEnvs: 0 })).toThrow(/numEnvs must be an integer in \[1, 1000000\] \(got 0\)/);
    expect(() => benchEnv({ seconds: 0.1, repeats: 0 })).toThrow(/repeats must be an integer/);
  });
});
