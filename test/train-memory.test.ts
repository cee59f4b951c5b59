import { resolveTaskOptions } from '@prnn/env';
import { estimateTrainMemory, initBackend, loadPlugins, parameterCount, parseArch } from '@prnn/agents';
import { describe, expect, test } from 'vitest';

/*
 * The memory estimate `prnn train` prints, checked without measuring the process: a peak resident set depends
 * on the machine, its load and the garbage collector, so the measured check (the estimate against the peak
 * RSS of a real run) is a benchmark: scripts/bench-train-memory.mjs, run by `npm run bench`.
 */
describe('prnn train memory estimate', () => {
  test('256 FC networks with the 1 000-maze tests: within the 64 MB target, above what their weights and Adam moments alone take, growing with the test set', async () => {
    // the compiled path's estimate lowers the step (a tfjs trace), as training does after choosing the backend
    await initBackend('cpu');
    const registry = await loadPlugins({ cwd: process.cwd() });
    const task = resolveTaskOptions('track');
    const learner = registry.learner('dqn');
    const architecture = registry.architecture('nine-pathway');
    const kernels = registry.kernels('nine-pathway');
    const fc = registry.resolveArch('fc', { channels: 2, hidden: 8 });
    const estimate = (networks: number, testMazes: number) =>
      estimateTrainMemory({
        task,
        architecture,
        kernels,
        families: registry,
        members: Array.from({ length: networks }, (_, seed) => ({ arch: fc, seed })),
        config: learner.configure(task, { episodes: 10, testMazes, curvePoints: 1 }),
        population: 256,
        workers: 1,
      });
    const full = estimate(256, 1000);
    expect(full.bytes).toBeDefined();
    // the memory target: 256 FC networks in ≤ 64 MB
    expect(full.bytes!).toBeLessThanOrEqual(64 * 1024 * 1024);
    // an independent floor: every network holds its float32 weights and two Adam moments of the same size
    const weights = parameterCount(parseArch('fc'));
    expect(weights).toBe(441);
    expect(full.perNetwork!).toBeGreaterThan(3 * 4 * weights);
    expect(full.bytes!).toBeGreaterThan(256 * 3 * 4 * weights);
    // more test mazes and more networks cost more
    expect(estimate(256, 10).bytes!).toBeLessThan(full.bytes!);
    expect(estimate(16, 1000).bytes!).toBeLessThan(full.bytes!);
  });
});
