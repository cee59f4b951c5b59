import { describe, expect, test } from 'vitest';
import { generateMazeSet } from '@prnn/env';
import { ChunkedGreedyTest, GREEDY_TEST_ROWS, greedyTestChunk } from '../src/training/chunked-greedy-test.js';
import { GreedyEvaluator, populationPolicy } from '../src/training/evaluate-greedy.js';
import { createPopulationModel } from '../src/training/create-population.js';
import { architecture, cpuBackend, kernels, members, track } from './training-helpers.js';

describe('ChunkedGreedyTest', () => {
  const task = track();
  const set = generateMazeSet(task, { count: 7, seed: 11 });
  // mixed architectures, ff-large padding the whole population to H = 34 but not every chunk; the zero-weight
  // network ties all five Q-values at every step (its tie stream matters)
  const population = members([['fc', 3], ['ff', 8], ['hh+oh', 5], ['fc', 21], ['ff-large', 2]]);
  const seeds = population.map((m) => m.seed);

  for (const path of ['compiled', 'generic']) {
    test(`${path}: chunks of 2 networks give every trial exactly what the whole population gives at once`, async () => {
      await cpuBackend();
      const create = (m: typeof population) => createPopulationModel({ architecture, kernels, members: m, task, path });
      const model = create(population);
      try {
        const zero = Object.fromEntries(Object.entries(model.exportWeights(3)).map(([k, w]) => [k, new Float32Array(w.length)]));
        model.importWeights(3, zero);
        const chunked = new ChunkedGreedyTest(set, population, create, 14);
        expect(chunked.chunk).toBe(2); // chunks [0, 2), [2, 4), [4, 5)
        for (const streamId of [0, 5]) {
          const got = await chunked.evaluate(model, seeds, { sensorNoise: 0.1, streamId });
          // the oracle: today's one-batch test of the whole population
          const want = await new GreedyEvaluator(set, population.length).evaluate(populationPolicy(model), seeds, { sensorNoise: 0.1, streamId });
          expect(Array.from(got.trials)).toEqual(Array.from(want.trials));
          expect(Array.from(got.fitness)).toEqual(Array.from(want.fitness));
          expect(got.trials.some((v) => v === v)).toBe(true);
        }
      } finally {
        model.dispose();
      }
    });
  }

  test('keepModels: each chunk model is made once for all the tests, the trained weights of the moment are tested, dispose frees them', async () => {
    await cpuBackend();
    const create = (m: typeof population) => createPopulationModel({ architecture, kernels, members: m, task, path: 'compiled' });
    const model = create(population);
    const made: ReturnType<typeof create>[] = [];
    let disposed = 0;
    const counting = (m: typeof population) => {
      const part = create(m);
      const dispose = part.dispose.bind(part);
      part.dispose = () => {
        disposed++;
        dispose();
      };
      made.push(part);
      return part;
    };
    try {
      const kept = new ChunkedGreedyTest(set, population, counting, 14, true);
      for (const [k, streamId] of [0, 3, 3].entries()) {
        if (k === 2) {
          // the trained weights change between curve points: the kept models must test the new ones
          const w = model.exportWeights(1);
          for (const v of Object.values(w)) for (let i = 0; i < v.length; i++) v[i] = v[i] * -2 + 0.01 * (i % 5);
          model.importWeights(1, w);
        }
        const got = await kept.evaluate(model, seeds, { sensorNoise: 0.1, streamId });
        // the oracle: the one-batch test of the whole population, as it is now
        const want = await new GreedyEvaluator(set, population.length).evaluate(populationPolicy(model), seeds, { sensorNoise: 0.1, streamId });
        expect(Array.from(got.trials)).toEqual(Array.from(want.trials));
      }
      // chunks [0, 2), [2, 4), [4, 5) hold three distinct architecture lists: three models over three tests
      expect(made.length).toBe(3);
      expect(disposed).toBe(0);
      kept.dispose();
      expect(disposed).toBe(3);
    } finally {
      model.dispose();
    }
  });

  test('an evaluator reused at another sensor noise gives what a new one gives; a bad noise is refused at every call', async () => {
    await cpuBackend();
    const model = createPopulationModel({ architecture, kernels, members: population, task, path: 'compiled' });
    try {
      const reused = new GreedyEvaluator(set, population.length);
      const first = await reused.evaluate(populationPolicy(model), seeds, { sensorNoise: 0.1, streamId: 2 });
      const again = await reused.evaluate(populationPolicy(model), seeds, { sensorNoise: 0.4, streamId: 2 });
      const fresh = await new GreedyEvaluator(set, population.length).evaluate(populationPolicy(model), seeds, { sensorNoise: 0.4, streamId: 2 });
      expect(Array.from(again.trials)).toEqual(Array.from(fresh.trials));
      expect(Array.from(again.trials)).not.toEqual(Array.from(first.trials));
      for (let k = 0; k < 2; k++) {
        await expect(reused.evaluate(populationPolicy(model), seeds, { sensorNoise: Number.NaN })).rejects.toThrow(/sensorNoise must be a finite number/);
      }
    } finally {
      model.dispose();
    }
  });

  test('chunk sizes: bounded by the rows, at least 1 network, at most the population; bad input is named', () => {
    expect(greedyTestChunk(256, 1000)).toBe(Math.floor(GREEDY_TEST_ROWS / 1000));
    expect(greedyTestChunk(4, 1000)).toBe(4);
    expect(greedyTestChunk(256, 100_000)).toBe(1);
    expect(() => greedyTestChunk(4, 10, 0)).toThrow(/rows must be an integer ≥ 1/);
    const create = () => {
      throw new Error('not called');
    };
    expect(() => new ChunkedGreedyTest(set, [], create)).toThrow(/members must name at least one network/);
  });
});
