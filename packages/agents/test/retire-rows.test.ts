import { Rng } from '@prnn/core';
import { generateMazeSet, resolveTaskOptions } from '@prnn/env';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { parseArch } from '../src/architectures/nine-pathway/family.js';
import { archInfo } from '../src/architectures/nine-pathway/arch-info.js';
import type { PopulationMember } from '../src/sdk/architecture.js';
import { CompiledPopulation } from '../src/compiler/compiled-population.js';
import { GreedyEvaluator, populationPolicy, type GreedyPolicy } from '../src/training/evaluate-greedy.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const membersOf = (specs: readonly string[]): PopulationMember[] => specs.map((s, n) => ({ arch: archInfo(parseArch(s)), seed: 40 + n }));

/** Two populations of `members` with the same random weights. */
function twins(members: PopulationMember[], seed: number): [CompiledPopulation, CompiledPopulation] {
  const a = new CompiledPopulation(ninePathwayDefinition, members, 2);
  const b = new CompiledPopulation(ninePathwayDefinition, members, 2);
  const rng = Rng.derive(seed, 3);
  for (let n = 0; n < members.length; n++) {
    const w = a.exportWeights(n);
    for (const k of Object.keys(w)) w[k] = w[k].map(() => (2 * rng.float() - 1) * 1.2);
    a.importWeights(n, w);
    b.importWeights(n, w);
  }
  return [a, b];
}

// retireRows lets the compiled forward drop finished rows. The oracle: the same population never told, whose
// forward over every row is checked against each row run alone (many-row-forward.test.ts).
describe('retireRows: the compiled forward drops finished rows, the running rows keep their bits', () => {
  for (const withNoise of [false, true]) {
    it(`gives every running row the bits of the full forward, over steps that retire rows (${withNoise ? 'with' : 'without'} tie noise)`, () => {
      // 8 networks of one layout: one group of 2 whole chunks
      const members = membersOf(['hh+oh', 'hh+oh', 'fc', 'hh+oh', 'ii+oo', 'hh+oh', 'fc', 'hh+oh']);
      const P = members.length;
      const [retiring, full] = twins(members, withNoise ? 1 : 2);
      try {
        expect(retiring.groupCount).toBe(1);
        const { inputs: I, outputs: O } = retiring;
        const B = 12;
        const T = 6;
        const rng = Rng.derive(9, withNoise ? 1 : 2);
        retiring.resetState(B);
        full.resetState(B);
        const done = new Uint8Array(P * B);
        const got = new Float32Array(P * B * O);
        const want = new Float32Array(P * B * O);
        const areas: number[] = [];
        let compared = 0;
        for (let t = 0; t < T; t++) {
          const obs = Float32Array.from({ length: P * B * I }, () => 2 * rng.float() - 1);
          const noise = withNoise ? Float32Array.from({ length: P * B * O }, () => 0.01 * rng.float()) : null;
          // a look without advancing first (the DQN's Q′), then the step
          for (const advance of [false, true]) {
            retiring.forward(obs, noise, got, advance);
            full.forward(obs, noise, want, advance);
            for (let r = 0; r < P * B; r++) {
              if (done[r] === 1) continue;
              for (let k = 0; k < O; k++) expect(Object.is(got[r * O + k], want[r * O + k])).toBe(true);
              compared++;
            }
          }
          // rows finish at random, more of them later; row 0 of networks 0 and 5 never does (lanes keep running,
          // and the first row is where a spare area pointed at the wrong row would write)
          for (let r = 0; r < P * B; r++) if (r !== 0 && r !== 5 * B && rng.float() < 0.2 + 0.15 * t) done[r] = 1;
          retiring.retireRows(done);
          areas.push(retiring.inferenceAreas);
        }
        // the compaction ran: fewer areas, down to the busiest lane's running rows, never below one
        expect(areas[0]).toBe(B);
        expect(Math.min(...areas)).toBeLessThan(B / 2);
        expect(areas[T - 1]).toBeGreaterThanOrEqual(1);
        expect(compared).toBeGreaterThan(P * B);
        // a reset runs every row again, as a fresh population does
        retiring.resetState(B);
        full.resetState(B);
        const obs = Float32Array.from({ length: P * B * I }, () => rng.float());
        retiring.forward(obs, null, got, true);
        full.forward(obs, null, want, true);
        expect(retiring.inferenceAreas).toBe(B);
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      } finally {
        retiring.dispose();
        full.dispose();
      }
    });
  }

  it('does nothing where the layout does not run through the row table (networks in two groups), and refuses a wrong length', () => {
    const members = membersOf(['fc', 'fc', 'ff-large', 'fc']);
    const [retiring, full] = twins(members, 4);
    try {
      expect(retiring.groupCount).toBe(2);
      const B = 5;
      const P = members.length;
      retiring.resetState(B);
      full.resetState(B);
      const done = new Uint8Array(P * B).fill(1);
      done[0] = 0;
      retiring.retireRows(done);
      expect(retiring.inferenceAreas).toBe(B);
      const obs = Float32Array.from({ length: P * B * retiring.inputs }, (_, i) => Math.sin(i));
      const got = new Float32Array(P * B * retiring.outputs);
      const want = new Float32Array(P * B * retiring.outputs);
      retiring.forward(obs, null, got, true);
      full.forward(obs, null, want, true);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      expect(() => retiring.retireRows(new Uint8Array(3))).toThrow(/done must have 20 flags \(got 3\)/);
    } finally {
      retiring.dispose();
      full.dispose();
    }
  });

  it('keeps all rows while more than 3/4 of a lane still runs, and compactRows refuses to follow it', () => {
    const members = membersOf(['fc', 'fc', 'fc', 'fc']);
    const [model] = twins(members, 5);
    try {
      const B = 8;
      model.resetState(B);
      const done = new Uint8Array(4 * B);
      done[0] = 1;
      done[B + 1] = 1;
      model.retireRows(done);
      expect(model.inferenceAreas).toBe(B);
      for (let b = 0; b < 6; b++) done[b] = 1;
      model.retireRows(done);
      // lane 0 runs 2 rows, the others 7 or 8: 8 > 3/4·8, no move
      expect(model.inferenceAreas).toBe(B);
      for (let r = 0; r < 4 * B; r++) done[r] = r % B < 5 ? 1 : 0;
      model.retireRows(done);
      expect(model.inferenceAreas).toBe(3);
      expect(() => model.compactRows(Int32Array.of(0, 1), 2)).toThrow(/compactRows cannot follow retireRows/);
    } finally {
      model.dispose();
    }
  });
});

// The greedy test tells its policy which trials ended. Networks that always walk one
// way end half their Track trials early, so the forward drops rows; the oracle is the same test through a
// policy that hides retire (every row computed).
describe('the greedy test retires ended trials', () => {
  it('gives the same trials bit for bit, with fewer rows computed', async () => {
    const task = resolveTaskOptions('track', {});
    const set = generateMazeSet(task, { count: 40, seed: 3 });
    const members = membersOf(['fc', 'fc', 'fc', 'fc', 'hh+oh', 'hh+oh', 'hh+oh', 'hh+oh']);
    const [model, twin] = twins(members, 6);
    try {
      // networks that walk one way (left or right, by network) wherever they sense a cue, a little apart:
      // half their trials reach the goal after 2 moves, the other half run to the end
      const rng = Rng.derive(6, 4);
      for (let n = 0; n < members.length; n++) {
        const w = model.exportWeights(n);
        for (const k of Object.keys(w)) w[k] = w[k].map(() => 0.05 * (2 * rng.float() - 1));
        w.ih.fill(1);
        for (let j = 0; j < w.ho.length; j++) if (j % model.outputs === n % 2) w.ho[j] = 4;
        model.importWeights(n, w);
        twin.importWeights(n, w);
      }
      const seeds = members.map((m) => m.seed);
      const evaluator = new GreedyEvaluator(set, members.length);
      const plain = populationPolicy(twin);
      const hiding: GreedyPolicy = { reset: plain.reset, step: plain.step };
      const got = await evaluator.evaluate(populationPolicy(model), seeds, { sensorNoise: 0.05, streamId: 1 });
      const areas = model.inferenceAreas;
      const want = await evaluator.evaluate(hiding, seeds, { sensorNoise: 0.05, streamId: 1 });
      expect(Buffer.from(got.trials.buffer).equals(Buffer.from(want.trials.buffer))).toBe(true);
      expect(Array.from(got.fitness)).toEqual(Array.from(want.fitness));
      // trials did end early, and the forward ran fewer rows by the end
      const early = Array.from(got.trials).filter((f) => f === 1).length;
      expect(early).toBe((members.length * set.count) / 2);
      expect(areas).toBe(set.count / 2);
      expect(twin.inferenceAreas).toBe(set.count);
    } finally {
      model.dispose();
      twin.dispose();
    }
  });
});
