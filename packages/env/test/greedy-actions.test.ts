import { describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import { GreedyActions } from '../src/index.js';

/**
 * The oracle: the textbook first-index argmax over float64 values, and whether any later value equals the
 * largest before it (the rows a tie-breaking scan would draw on), written without the kernels' tricks.
 */
function expected(q: ArrayLike<number>, k: number): { index: number; tie: boolean } {
  let best = 0;
  let tie = false;
  for (let a = 1; a < 5; a++) {
    const v = q[5 * k + a];
    const b = q[5 * k + best];
    if (v === b) tie = true;
    else if (v > b) best = a;
  }
  return { index: best, tie };
}

/** q-values with ties, NaN, ±0, ±∞ and denormals mixed into random rows. */
function awkwardQ(rows: number, rng: Rng): Float32Array {
  const specials = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45, 0.5, 1];
  const q = new Float32Array(rows * 5);
  for (let j = 0; j < q.length; j++) {
    const u = rng.float();
    q[j] = u < 0.15 ? specials[Math.floor(rng.float() * specials.length)] : u < 0.3 ? q[Math.max(0, j - 1)] : 2 * rng.float() - 1;
  }
  return q;
}

describe('GreedyActions', () => {
  test('runs on WebAssembly in Node, and on JavaScript when asked', () => {
    expect(new GreedyActions(3).backend).toBe('wasm');
    expect(new GreedyActions(3, { backend: 'js' }).backend).toBe('js');
    expect(() => new GreedyActions(0)).toThrow(/numEnvs must be an integer in \[1, 10000000\] \(got 0\)/);
    expect(() => new GreedyActions(4).choose(5, false)).toThrow(/rows must be an integer in \[0, 4\] \(got 5\)/);
  });

  for (const backend of ['wasm', 'js'] as const) {
    test(`${backend}: decides the rows without a tie as the first-index argmax, lists the others in row order`, () => {
      const rng = new Rng(7);
      const n = 3000;
      const g = new GreedyActions(n, { backend });
      g.q.set(awkwardQ(n, rng));
      for (let i = 0; i < n; i++) g.finished[i] = rng.float() < 0.2 ? 1 : 0;
      g.actions.fill(-1);
      const count = g.choose(n, false);
      const ties: number[] = [];
      let decided = 0;
      for (let k = 0; k < n; k++) {
        if (g.finished[k] === 1) {
          expect(g.actions[k]).toBe(-1);
          continue;
        }
        const e = expected(g.q, k);
        if (e.tie) {
          ties.push(k);
          expect(g.actions[k]).toBe(-1);
        } else {
          expect(g.actions[k]).toBe(e.index);
          decided++;
        }
      }
      expect(Array.from(g.tieRows.subarray(0, count))).toEqual(ties);
      // the mix has rows of both kinds
      expect(ties.length).toBeGreaterThan(100);
      expect(decided).toBeGreaterThan(1000);
    });

    test(`${backend}: a compacted table's row k chooses for env rowEnv[k]`, () => {
      const rng = new Rng(11);
      const n = 500;
      const rows = 200;
      const g = new GreedyActions(n, { backend });
      let at = 0;
      for (let i = 0; i < n && at < rows; i++) if (rng.float() < 0.5 || n - i <= rows - at) g.rowEnv[at++] = i;
      g.q.set(awkwardQ(rows, rng));
      g.actions.fill(-1);
      const count = g.choose(rows, true);
      const ties: number[] = [];
      for (let k = 0; k < rows; k++) {
        const e = expected(g.q, k);
        if (e.tie) ties.push(k);
        else expect(g.actions[g.rowEnv[k]]).toBe(e.index);
      }
      expect(Array.from(g.tieRows.subarray(0, count))).toEqual(ties);
      // envs without a row keep their action
      const withRow = new Set(g.rowEnv.subarray(0, rows));
      for (let i = 0; i < n; i++) if (!withRow.has(i)) expect(g.actions[i]).toBe(-1);
    });
  }
});
