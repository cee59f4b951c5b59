import { describe, expect, it } from 'vitest';
import { initBackend, loadPlugins } from '@prnn/agents';
import { benchSweepTask } from '../src/index.js';

// benchSweepTask measures one maze kind (the per-phase calibration of `reproduce` needs only its plan's task):
// the projection is that task's, at its own episode count and steps, made from the rates it reports.
describe('benchSweepTask', () => {
  it('measures and projects the one task it is asked for', { timeout: 300_000 }, async () => {
    await initBackend('cpu');
    const registry = await loadPlugins({ cwd: process.cwd() });
    const out = await benchSweepTask(
      { architecture: registry.architecture('nine-pathway'), kernels: registry.kernels('nine-pathway'), population: 6, seconds: 0.2, warmupSeconds: 0, testMazes: 4, testNetworks: 2 },
      'general',
    );
    expect(out).not.toHaveProperty('track');
    expect(out).not.toHaveProperty('general');
    expect(out).toMatchObject({ workers: 1, population: 6, slice: 6, path: 'compiled' });
    const t = out.projection;
    // the paper's General sweep (docs/spec.md): 20 steps, 400 000 episodes, 101 tests of 1 000 mazes per network
    expect(t).toMatchObject({ task: 'general', steps: 20, networks: 6450, episodesPerNetwork: 400_000, curvePoints: 100, testMazes: 1000 });
    // one thread in populations of 6: the 6 396 networks before the population holding ff-large at the mixed rate, 54 at ff-large's
    expect(t.trainHours).toBeCloseTo(((6396 * 400_000) / t.trainNetEpisodesPerSecond + (54 * 400_000) / t.largeTrainNetEpisodesPerSecond) / 3600, 6);
    expect(t.evalHours).toBeCloseTo((6450 * 101 * 1000) / t.evalTrialsPerSecond / 3600, 6);
  });
});
