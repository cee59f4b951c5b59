// PopulationDraws against plain Rng calls (the oracle: rng.fillFloat per active agent, rng.float() < ε ?
// rng.int(O) : the first largest q): the same noise, actions and final stream states, both backends.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Rng } from '@prnn/core';
import { PopulationDraws } from '../src/index.js';

interface Case {
  agents: number;
  outputs: number;
  steps: { active: boolean[]; amplitude: number; epsilon: number; q: number[] }[];
}

/** Runs a case through PopulationDraws and through the Rngs; returns both sides' noise, actions and states. */
function run(c: Case, backend: 'wasm' | 'js', seed: number): { mine: unknown[]; oracle: unknown[] } {
  const { agents: P, outputs: O } = c;
  const streams = () => ({
    tie: Array.from({ length: P }, (_, n) => Rng.derive(seed, 1, n)),
    explore: Array.from({ length: P }, (_, n) => Rng.derive(seed, 2, n)),
  });
  const a = streams();
  const b = streams();
  const draws = new PopulationDraws(P, O, { backend });
  expect(draws.backend).toBe(backend);
  const mine: unknown[] = [];
  const oracle: unknown[] = [];
  const actions = new Int32Array(P).fill(-1);
  draws.actions.fill(-1);
  draws.load(a.tie, a.explore);
  for (const s of c.steps) {
    for (let n = 0; n < P; n++) draws.active[n] = s.active[n] ? 1 : 0;
    draws.fillTie(s.amplitude);
    mine.push(Array.from(draws.tie));
    for (let k = 0; k < P * O; k++) draws.q[k] = s.q[k];
    draws.epsilonGreedy(s.epsilon);
    mine.push(Array.from(draws.actions));
    // the oracle
    const tie = new Float32Array(P * O);
    for (let n = 0; n < P; n++) {
      if (!s.active[n]) continue;
      for (let k = 0; k < O; k++) tie[n * O + k] = b.tie[n].float() * s.amplitude;
    }
    oracle.push(Array.from(tie));
    for (let n = 0; n < P; n++) {
      if (!s.active[n]) continue;
      const rng = b.explore[n];
      if (rng.float() < s.epsilon) {
        actions[n] = rng.int(O);
      } else {
        let best = 0;
        for (let k = 1; k < O; k++) if (s.q[n * O + k] > s.q[n * O + best]) best = k;
        actions[n] = best;
      }
    }
    oracle.push(Array.from(actions));
  }
  draws.save(a.tie, a.explore);
  mine.push(a.tie.map((r) => r.state()), a.explore.map((r) => r.state()));
  oracle.push(b.tie.map((r) => r.state()), b.explore.map((r) => r.state()));
  return { mine, oracle };
}

const caseArb = fc
  .record({ agents: fc.integer({ min: 1, max: 13 }), outputs: fc.integer({ min: 1, max: 7 }), steps: fc.integer({ min: 1, max: 5 }) })
  .chain(({ agents, outputs, steps }) =>
    fc.record({
      agents: fc.constant(agents),
      outputs: fc.constant(outputs),
      steps: fc.array(
        fc.record({
          active: fc.array(fc.boolean(), { minLength: agents, maxLength: agents }),
          amplitude: fc.constantFrom(0.001, 1, 3.7e5, 1e-30, 0),
          epsilon: fc.constantFrom(0, 0.25, 0.6, 1),
          // small integers and halves: ties between q-values are common
          q: fc.array(fc.integer({ min: -3, max: 3 }).map((v) => v / 2), { minLength: agents * outputs, maxLength: agents * outputs }),
        }),
        { minLength: steps, maxLength: steps },
      ),
    }),
  );

describe('PopulationDraws', () => {
  for (const backend of ['wasm', 'js'] as const) {
    test(`the Rngs' own draws: noise, ε-greedy actions and final states (${backend})`, () => {
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), (c, seed) => {
          const { mine, oracle } = run(c, backend, seed);
          expect(mine).toEqual(oracle);
        }),
        { numRuns: 150, seed: 7 },
      );
    });
  }

  test('a long run: 128 agents × 5 outputs, the training’s sizes, 200 steps with agents dropping out', () => {
    const steps: Case['steps'] = [];
    const pick = new Rng(3);
    for (let t = 0; t < 200; t++) {
      steps.push({
        active: Array.from({ length: 128 }, (_, n) => (n + t) % 7 !== 0),
        amplitude: 0.001,
        epsilon: 0.25 + 0.7 * pick.float(),
        q: Array.from({ length: 640 }, () => pick.float()),
      });
    }
    const { mine, oracle } = run({ agents: 128, outputs: 5, steps }, 'wasm', 11);
    expect(mine).toEqual(oracle);
    // the noise is not all zeros and the actions vary (the comparison can fail)
    expect((mine[0] as number[]).filter((v) => v > 0).length).toBeGreaterThan(500);
    for (const a of [0, 1, 2, 3, 4]) expect(mine[1] as number[]).toContain(a);
  });

  test("Lemire's rejection: a stream whose next word is 0 redraws for int(3), as Rng.int does", () => {
    // words (1, 2, 3, ·): the first draw (the ε test) leaves s1 = 1 ^ 2 ^ 3 = 0, so the second word is 0,
    // whose product with 3 has low word 0 < (2^32 − 3) mod 3 = 1: rejected
    for (const backend of ['wasm', 'js'] as const) {
      const tie = [new Rng(0)];
      const explore = [Rng.fromState([1, 2, 3, 7])];
      const oracle = Rng.fromState([1, 2, 3, 7]);
      expect(oracle.float()).toBeLessThan(0.5);
      const second = oracle.clone();
      expect(second.nextUint32()).toBe(0);
      const expected = oracle.int(3);
      const draws = new PopulationDraws(1, 3, { backend });
      draws.load(tie, explore);
      draws.active[0] = 1;
      draws.epsilonGreedy(0.5);
      draws.save(tie, explore);
      expect(draws.actions[0]).toBe(expected);
      expect(explore[0].state()).toEqual(oracle.state());
      // three words were drawn: the ε test, the rejected 0 and the accepted one
      const count = Rng.fromState([1, 2, 3, 7]);
      for (let k = 0; k < 3; k++) count.nextUint32();
      expect(explore[0].state()).toEqual(count.state());
    }
  });

  test('bad sizes and mismatched streams are PrnnErrors naming them', () => {
    expect(() => new PopulationDraws(0, 5)).toThrow(/agents must be an integer in \[1, 1000000\] \(got 0\)/);
    expect(() => new PopulationDraws(4, 0)).toThrow(/outputs must be an integer in \[1, 4096\] \(got 0\)/);
    const draws = new PopulationDraws(3, 5);
    expect(() => draws.load([new Rng(1)], [new Rng(2)])).toThrow(/load needs one tie-noise and one exploration Rng per agent \(3; got 1 and 1\)/);
  });
});
