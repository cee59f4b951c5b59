import { describe, expect, it } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { initBackend, loadPlugins } from '../src/index.js';
import { createBenchPopulation } from '../src/training/bench-episode.js';

// The bench population's episode at a chosen ε, and the steps each network took. On Track (6 steps, the goal 4
// moves away) a network acting at random almost never arrives, so at ε = 1 nearly every episode runs all 6 steps.
describe('createBenchPopulation', () => {
  it('episode(ε) acts at that ε (default 0.5), and lengths are the steps of the last episode', async () => {
    await initBackend('cpu');
    const registry = await loadPlugins({ cwd: process.cwd() });
    const architecture = registry.architecture('nine-pathway');
    const task = resolveTaskOptions('track', {});
    const fc = architecture.resolve('fc', { channels: task.channels, hidden: 8 });
    const members = Array.from({ length: 16 }, (_, seed) => ({ arch: fc, seed }));
    const create = () => createBenchPopulation(architecture, registry.kernels('nine-pathway'), members, task, 'compiled');
    const [byDefault, half, greedy, random] = [create(), create(), create(), create()];
    try {
      const total = { greedy: 0, random: 0 };
      for (let e = 0; e < 20; e++) {
        byDefault.episode();
        half.episode(0.5);
        greedy.episode(0);
        random.episode(1);
        // the same seeds at the same ε: the same episodes
        expect(Array.from(half.lengths)).toEqual(Array.from(byDefault.lengths));
        for (const l of [...greedy.lengths, ...random.lengths]) {
          expect(l).toBeGreaterThanOrEqual(1);
          expect(l).toBeLessThanOrEqual(task.steps);
        }
        for (let n = 0; n < members.length; n++) {
          total.greedy += greedy.lengths[n];
          total.random += random.lengths[n];
        }
      }
      expect(half.model.exportWeights(3)).toEqual(byDefault.model.exportWeights(3));
      const episodes = 20 * members.length;
      expect(total.random / episodes).toBeGreaterThan(5.9);
      expect(total.greedy / episodes).toBeLessThan(total.random / episodes);
    } finally {
      for (const b of [byDefault, half, greedy, random]) b.dispose();
    }
  });
});
