import { describe, expect, test } from 'vitest';
import { dqnLearner } from '../src/learners/dqn.js';
import { parseArch } from '../src/architectures/nine-pathway/family.js';
import { fusedMemoryBytes, fusedTrainingMemoryBytes } from '../src/architectures/nine-pathway/fused/memory.js';
import { simdMemoryBytes } from '../src/architectures/nine-pathway/wasm/simd-memory.js';
import { HEAP_OVERHEAD, TEST_RUNTIME_BYTES, WORKER_THREAD_BYTES, estimateTrainMemory, mazeSetBytes } from '../src/training/memory-estimate.js';
import { buildRunManifest } from '../src/training/train-run.js';
import type { Architecture } from '../src/sdk/architecture.js';
import { architecture, kernels, members, smallConfig, track } from './training-helpers.js';

describe('estimateTrainMemory', () => {
  const task = track();
  const config = smallConfig(task, { testMazes: 100 });
  const all = members([['fc', 1], ['ff', 2], ['hh+oh', 3], ['fc', 4]]);

  test('the fused path: the kernel estimate for training and tests, environments, heap slack; workers add threads', () => {
    const one = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 1, path: 'fused' });
    expect(one.path).toBe('fused');
    const archs = all.map((m) => parseArch(m.arch.name));
    const model = fusedTrainingMemoryBytes(archs, task.steps, 100).total;
    // the test batch's rollout state and the training activations are both counted
    expect(model).toBeGreaterThan(fusedMemoryBytes(archs, task.steps, 100).total);
    expect(model).toBeGreaterThan(fusedMemoryBytes(archs, task.steps, 1).total);
    expect(one.bytes!).toBeGreaterThan(HEAP_OVERHEAD * model);
    expect(one.workerBytes).toBe(0);
    expect(one.perNetwork).toBeCloseTo(one.bytes! / 4, 6);
    const two = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 2, path: 'fused' });
    expect(two.workerBytes).toBe(2 * WORKER_THREAD_BYTES);
    // two slices of 2 hold about what one population of 4 holds (each its own test set and scratch), plus the threads
    const slices = two.bytes! - two.workerBytes!;
    expect(slices).toBeGreaterThan(one.bytes!);
    // … the extra being mostly the second slice's copy of the test set
    expect(slices - one.bytes!).toBeLessThan(HEAP_OVERHEAD * (mazeSetBytes(task, 100) + 50_000));
    expect(two.perNetwork).toBeCloseTo(slices / 4, 6);
  });

  test('the wasm-simd path (the hand kernel): its kernel estimate; for 256 FC networks less than the fused one', () => {
    expect(estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 1 }).path).toBe('compiled');
    const simd = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 1, path: 'wasm-simd' });
    expect(simd.path).toBe('wasm-simd');
    const archs = all.map((m) => parseArch(m.arch.name));
    const model = simdMemoryBytes(archs, task.steps, 100).total;
    expect(simd.bytes!).toBeGreaterThan(HEAP_OVERHEAD * model);
    // 256 FC networks, 1 000 test mazes, General (20 steps)
    const fc = Array.from({ length: 256 }, () => parseArch('fc'));
    expect(simdMemoryBytes(fc, 20, 1000).total).toBeLessThan(fusedTrainingMemoryBytes(fc, 20, 1000).total);
  });

  test('the generic path needs more; the peak is the largest population; more test mazes, more memory', () => {
    const fused = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 1, path: 'fused' });
    const generic = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 4, workers: 1, path: 'generic' });
    expect(generic.path).toBe('generic');
    expect(generic.bytes!).toBeGreaterThan(fused.bytes!);
    const halves = estimateTrainMemory({ task, architecture, kernels, members: all, config, population: 2, workers: 1, path: 'fused' });
    expect(halves.bytes!).toBeLessThan(fused.bytes!);
    const more = estimateTrainMemory({ task, architecture, kernels, members: all, config: smallConfig(task, { testMazes: 400 }), population: 4, workers: 1, path: 'fused' });
    // the test's share grows with the mazes; the tests' runtime allowance (4 networks) does not
    const sessions = (TEST_RUNTIME_BYTES * 4) / 64;
    expect(more.bytes! - sessions).toBeGreaterThan(3 * (fused.bytes! - sessions) * 0.9);
  });

  test('an architecture without an estimate or a fused kernel: no bytes, the generic path recorded', () => {
    const plugin: Architecture = {
      family: 'toy',
      description: 'no fused kernel, no estimate',
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
