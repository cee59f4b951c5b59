import { Rng } from '@prnn/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { dqnLearner } from '../src/learners/dqn.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { COMPILE_PARAMETER_LIMIT, CompiledPopulation, compiledMemoryEstimate } from '../src/compiler/compiled-population.js';
import { compiledMemoryBytes } from '../src/compiler/kernel.js';
import { HEAP_OVERHEAD, TEST_RUNTIME_BYTES, WORKER_THREAD_BYTES, estimateTrainMemory, mazeSetBytes } from '../src/training/memory-estimate.js';
import { buildRunManifest } from '../src/training/train-run.js';
import type { Architecture, PopulationMember } from '../src/sdk/architecture.js';
import { lossAndGradients, randomRecords } from './learning-helpers.js';
import { architecture, cpuBackend, kernels, members, smallConfig, track } from './training-helpers.js';

// lowering a step traces it with tfjs
beforeAll(cpuBackend);

/**
 * The WebAssembly memory a compiled population really holds after what a training run does to it: training
 * episodes of `lengths` steps at batch 1 (each rollout, then its learning pass), then a greedy test of
 * `testBatch` environments per network.
 */
function builtMemory(ms: readonly PopulationMember[], lengths: readonly number[], testBatch: number): number {
  const model = new CompiledPopulation(ninePathwayDefinition, ms, 2);
  try {
    const P = ms.length;
    const rng = Rng.derive(3, 1);
    const q = new Float32Array(P * 5);
    for (const steps of lengths) {
      const records = randomRecords(steps, P, 8, 5, rng, ms.map(() => steps));
      model.resetState(1);
      for (let t = 0; t < steps; t++) {
        model.forward(records.obs.subarray(t * P * 8, (t + 1) * P * 8), records.tieNoise.subarray(t * P * 5, (t + 1) * P * 5), q, true);
      }
      lossAndGradients(model, records, kernels);
    }
    model.resetState(testBatch);
    model.forward(new Float32Array(P * testBatch * 8), null, new Float32Array(P * testBatch * 5), true);
    return model.wasmMemoryBytes();
  } finally {
    model.dispose();
  }
}

describe('compiledMemoryEstimate', () => {
  test.each([
    // the 128's layout: networks embedded into fc's lanes, ff-large apart; Track's 6 steps, a test set that grows the memory
    ['mixed, 6 steps', members([['fc', 1], ['ff', 2], ['hh+oh', 3], ['ff-large', 4], ['oi+hi', 5], ['fc', 6]]), 6, [5, 6], 300],
    // the worst case past 32 steps: a first episode of 39 steps lays out 39, one of 40 outgrows it and doubles it to 78
    ['fc × 9, 40 steps', members(Array.from({ length: 9 }, (_, n): [string, number] => ['fc', n])), 40, [39, 40], 50],
    // one network, batch 1 only
    ['one ff, 20 steps', members([['ff', 7]]), 20, [20], 1],
  ] as const)('%s: its WebAssembly part is the memory a built population holds at the worst case, page for page', (_, ms, steps, lengths, testBatch) => {
    const estimate = compiledMemoryEstimate(ninePathwayDefinition, ms, { channels: 2, steps, testBatch });
    expect(estimate.wasm % 65536).toBe(0);
    expect(estimate.wasm).toBe(builtMemory(ms, lengths, testBatch));
    // the JavaScript arrays: at least the generic population's copy of the parameters
    const params = ms.reduce((s, m) => s + m.arch.parameters, 0);
    expect(estimate.js).toBeGreaterThan(4 * params);
    expect(estimate.total).toBe(estimate.wasm + estimate.js);
  });

  test('a run whose episodes never outgrow the capacity holds less than the worst case', () => {
    const ms = members(Array.from({ length: 9 }, (_, n): [string, number] => ['fc', n]));
    expect(builtMemory(ms, [40, 40], 50)).toBeLessThan(compiledMemoryEstimate(ninePathwayDefinition, ms, { channels: 2, steps: 40, testBatch: 50 }).wasm);
  });

  test('more test mazes or longer episodes, more memory; bad input is named', () => {
    const ms = members([['fc', 1], ['ff', 2], ['hh', 3], ['fc', 4]]);
    const base = compiledMemoryEstimate(ninePathwayDefinition, ms, { channels: 2, steps: 20, testBatch: 1000 });
    expect(compiledMemoryEstimate(ninePathwayDefinition, ms, { channels: 2, steps: 20, testBatch: 4000 }).total).toBeGreaterThan(base.total);
    expect(compiledMemoryEstimate(ninePathwayDefinition, ms, { channels: 2, steps: 200, testBatch: 1000 }).total).toBeGreaterThan(base.total);
    expect(() => compiledMemoryEstimate(ninePathwayDefinition, [], { channels: 2, steps: 20, testBatch: 1 })).toThrow(/^members must name at least 1 network \(got 0\)$/);
    expect(() => compiledMemoryEstimate(ninePathwayDefinition, ms, { channels: 2, steps: 0, testBatch: 1 })).toThrow(/^steps must be an integer ≥ 1 \(got 0\)$/);
  });
});

describe('compiled networks past COMPILE_PARAMETER_LIMIT', () => {
  test('are not lowered: the estimate counts their parameters, the kernel gives the generic estimate (their path)', () => {
    // fc and hh at H = 2000: about 4 million parameters each, embedded into fc's lanes
    const ms = members([['fc', 1], ['hh', 2]], 2, 2000);
    expect(ms[0].arch.parameters).toBeGreaterThan(COMPILE_PARAMETER_LIMIT);
    const opts = { channels: 2, steps: 6, testBatch: 10 };
    const estimate = compiledMemoryEstimate(ninePathwayDefinition, ms, opts);
    // values, gradients and both Adam moments of the padded parameters, at least
    expect(estimate.wasm).toBeGreaterThan(16 * 2 * ms[0].arch.parameters);
    expect(compiledMemoryBytes(ninePathwayDefinition, ms, opts)).toBe(ninePathwayDefinition.populationMemoryBytes!(ms, opts));
  });
});

describe('estimateTrainMemory', () => {
  const task = track();
  const config = smallConfig(task, { testMazes: 100 });
  const all = members([['fc', 1], ['ff', 2], ['hh+oh', 3], ['fc', 4]]);

  test('the compiled path (the default): the kernel estimate for training and tests, environments, heap slack; workers add threads', () => {
    const one = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 1 });
    expect(one.path).toBe('compiled');
    const model = compiledMemoryEstimate(ninePathwayDefinition, all, { channels: 2, steps: task.steps, testBatch: 100 }).total;
    expect(one.bytes!).toBeGreaterThan(HEAP_OVERHEAD * model);
    expect(one.workerBytes).toBe(0);
    expect(one.perNetwork).toBeCloseTo(one.bytes! / 4, 6);
    const two = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 2 });
    expect(two.workerBytes).toBe(2 * WORKER_THREAD_BYTES);
    // two slices of 2 hold more than one population of 4 (each its own test set, scratch and WebAssembly memories), plus the threads
    const slices = two.bytes! - two.workerBytes!;
    expect(slices).toBeGreaterThan(one.bytes!);
    // … the extra being the second slice's copy of the test set and its memories' pages
    expect(slices - one.bytes!).toBeLessThan(HEAP_OVERHEAD * (mazeSetBytes(task, 100) + model));
    expect(two.perNetwork).toBeCloseTo(slices / 4, 6);
  });

  test('the curve tests keep one chunk model per distinct list of architectures among the chunks', () => {
    // 2 048 test mazes: chunks of 2 networks; [fc, ff] twice keeps one model, [fc, ff] then [ff, fc] keeps two
    const big = smallConfig(task, { testMazes: 2048 });
    const repeated = members([['fc', 1], ['ff', 2], ['fc', 3], ['ff', 4]]);
    const distinct = members([['fc', 1], ['ff', 2], ['ff', 3], ['fc', 4]]);
    const one = estimateTrainMemory({ task, architecture, kernels, members: repeated, config: big, population: 4, workers: 1 });
    const two = estimateTrainMemory({ task, architecture, kernels, members: distinct, config: big, population: 4, workers: 1 });
    const chunkModel = compiledMemoryEstimate(ninePathwayDefinition, distinct.slice(2), { channels: 2, steps: task.steps, testBatch: 2048 }).total;
    expect(chunkModel).toBeGreaterThan(0);
    expect(two.bytes! - one.bytes!).toBeCloseTo(HEAP_OVERHEAD * chunkModel, 0);
  });

  test('the peak is the largest population; more test mazes, more memory; the generic path is estimated too', () => {
    const compiled = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 1 });
    const generic = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 1, path: 'generic' });
    expect(generic.path).toBe('generic');
    expect(generic.bytes!).toBeGreaterThan(0);
    const halves = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 2, workers: 1 });
    expect(halves.bytes!).toBeLessThan(compiled.bytes!);
    const more = estimateTrainMemory({ task, architecture, kernels, members: all, config: smallConfig(task, { testMazes: 400 }), population: 4, workers: 1 });
    // the test's share grows with the mazes; the tests' runtime allowance (4 networks) does not
    const sessions = (TEST_RUNTIME_BYTES * 4) / 64;
    expect(more.bytes! - sessions).toBeGreaterThan(2 * (compiled.bytes! - sessions));
  });

  test('an architecture without an estimate or a population kernel: no bytes, the generic path recorded', () => {
    const plugin: Architecture = {
      family: 'toy',
      description: 'no population kernel, no estimate',
      list: () => [],
      resolve: () => undefined,
      createPopulation: () => {
        throw new Error('not used');
      },
    };
    const toy = [{ arch: { family: 'toy', name: 'a', hidden: 1, parameters: 1 }, seed: 0 }];
    expect(estimateTrainMemory({ task, architecture: plugin, members: toy, config, population: 4, workers: 2 })).toEqual({ path: 'generic', unestimated: 'toy' });
    const manifest = buildRunManifest({ task, architecture: plugin, members: toy, learner: dqnLearner, config, backend: 'cpu' });
    expect(manifest.path).toBe('generic');
    expect(buildRunManifest({ task, architecture, kernels, members: all, learner: dqnLearner, config, backend: 'cpu' }).path).toBe('compiled');
    expect(buildRunManifest({ task, architecture, kernels, members: all, learner: dqnLearner, config, backend: 'cpu', path: 'generic' }).path).toBe('generic');
  });
});
