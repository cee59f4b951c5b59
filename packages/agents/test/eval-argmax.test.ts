// argmaxWithTies (selects for rows without ties, the reservoir scan otherwise) against a plain reservoir scan
// written here: the same actions and the same draws, on rows with every kind of exact tie, ±0 and NaN.
import { describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import { argmaxWithTies } from '../src/training/evaluate-greedy.js';

/** The reservoir rule for exact ties, one value at a time. */
function oracle(q: Float32Array, base: number, rng: Rng): number {
  let best = 0;
  let ties = 1;
  for (let a = 1; a < 5; a++) {
    if (q[base + a] > q[base + best]) {
      best = a;
      ties = 1;
    } else if (q[base + a] === q[base + best]) {
      ties++;
      if (rng.int(ties) === 0) best = a;
    }
  }
  return best;
}

describe('argmaxWithTies', () => {
  test('same actions and same tie draws as the plain reservoir scan', () => {
    const rows = 20000;
    const make = new Rng(12);
    const palette = [0, -0, 0.25, 0.5, 1, Number.NaN, 0.75];
    const q = new Float32Array(rows * 5);
    for (let r = 0; r < rows; r++) {
      const kind = r % 4;
      for (let a = 0; a < 5; a++) {
        // kind 0: distinct random values; 1: few distinct values (many ties); 2: all equal; 3: with NaN and ±0
        q[r * 5 + a] = kind === 0 ? make.float() : kind === 1 ? make.int(3) / 2 : kind === 2 ? 0.2 : palette[make.int(palette.length)];
      }
    }
    const a = new Rng(5);
    const b = new Rng(5);
    let ties = 0;
    for (let r = 0; r < rows; r++) {
      const before = b.state().join();
      expect(argmaxWithTies(q, r * 5, a)).toBe(oracle(q, r * 5, b));
      if (b.state().join() !== before) ties++;
    }
    expect(a.state()).toEqual(b.state());
    expect(ties).toBeGreaterThan(rows / 4);
  });
});
