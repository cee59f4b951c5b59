import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forestSeconds, initBackend, loadPlugins, projectPhases } from '@prnn/agents';
import { CALIBRATION_FILE, calibrationKey, projectionShape, readCalibration, reproduce, writeCalibration } from '../src/index.js';
import { tempDirs, testPlan } from './helpers.js';

const tmp = tempDirs('prnn-reproduce-projection-');

// The paper scale without --yes: a short calibration, the per-phase projection, nothing started. The calibration is
// kept small here (populations of 8, one network on 8 mazes, 4 rows of the forest study); `prnn reproduce --scale paper` runs it at
// its full size in test/reproduce.test.ts.

/** The brief calibration and the options both reproductions share (one worker, cpu backend, lines collected in `said`). */
function quick(registry: Awaited<ReturnType<typeof loadPlugins>>, said: string[]) {
  return {
    registry,
    backend: 'cpu',
    workers: 1,
    benchSeconds: 0.05,
    calibration: { population: 8, benchTestMazes: 4, testNetworks: 2, networks: 1, mazes: 8, sampleRows: 4 },
    pluginsCwd: process.cwd(),
    hooks: { say: (line: string) => said.push(line) },
  } as const;
}

describe('reproduce at the paper scale without yes', () => {
  it('projects every phase from the measured rates and starts nothing', async () => {
    await initBackend('cpu');
    const registry = await loadPlugins({ cwd: process.cwd() });
    // noise sweeps through onnxruntime, as plans made by `prnn sweep plan` and `reproduce` say: the calibration times that engine
    const plan = await testPlan(['fc', 'ff', 'ff-large'], { path: 'compiled', measures: { noise: [0, 0.05], testMazes: 10, metrics: ['parameters'], engine: 'onnx' } });
    const dir = join(tmp(), 'paper');
    const said: string[] = [];
    const out = await reproduce({
      dir,
      plan,
      scale: 'paper',
      ...quick(registry, said),
    });
    expect(out.started).toBe(false);
    const projection = out.projection as ReturnType<typeof projectPhases> & { rates: Parameters<typeof projectPhases>[0] };
    expect(Object.keys(projection.phases)).toEqual(['training', 'curveTests', 'finalTests', 'noiseSweeps', 'analysis', 'report']);
    // the projection is the model applied to the rates it reports, for this plan's shape (an independent recomputation)
    const { rates } = projection;
    expect(rates.forestSampleRows).toBe(4);
    // two passes by default, each rate the faster one's: the spread of the training rate is at least 1
    const measured = rates as typeof rates & { passes: number; trainingSpread: number };
    expect(measured.passes).toBe(2);
    expect(measured.trainingSpread).toBeGreaterThanOrEqual(1);
    expect(rates.reportSampleRows).toBe(4);
    const again = projectPhases(rates, projectionShape(plan, { workers: 1, analysis: 1 }));
    expect(projection.total.wallSeconds).toBeCloseTo(again.total.wallSeconds, 9);
    // by hand for the 6 networks: the report's part beyond its fixed part grows with the networks, the forests as n·log n
    const fixed = rates.reportFixedSeconds ?? Number.NaN;
    expect(fixed).toBeGreaterThanOrEqual(0);
    expect(fixed).toBeLessThanOrEqual(rates.reportSeconds);
    expect(projection.phases.report.wallSeconds).toBeCloseTo(fixed + ((rates.reportSeconds - fixed) * 6) / 4, 9);
    expect(forestSeconds(1, 4, 6)).toBeCloseTo((6 * Math.log2(6)) / (4 * 2), 12);
    for (const t of Object.values(projection.phases)) {
      expect(t.wallSeconds).toBeGreaterThan(0);
      // one worker: every phase waits for all of its CPU time
      expect(t.cpuSeconds).toBeCloseTo(t.wallSeconds, 9);
    }
    expect(Object.values(projection.phases).reduce((s, t) => s + t.wallSeconds, 0)).toBeCloseTo(projection.total.wallSeconds, 9);
    expect(out.projectedHours).toBeCloseTo(projection.total.wallSeconds / 3600, 12);
    expect(said.at(-1)).toBe('not started: pass --yes to start it, or --slurm --yes to run it on a cluster');
    expect(existsSync(join(dir, 'plan.json'))).toBe(true);
    expect(existsSync(join(dir, 'results.sqlite'))).toBe(false);
    expect(existsSync(join(dir, 'work'))).toBe(false);
  });
});

describe('the calibration refuses a bad pass count at once', () => {
  it('names the parameter and the value', async () => {
    await initBackend('cpu');
    const registry = await loadPlugins({ cwd: process.cwd() });
    const plan = await testPlan(['fc'], { path: 'compiled' });
    const said: string[] = [];
    const options = quick(registry, said);
    for (const passes of [0, 1.5, 17]) {
      await expect(
        reproduce({ dir: join(tmp(), `passes-${passes}`), plan, scale: 'paper', ...options, calibration: { ...options.calibration, passes } }),
      ).rejects.toThrow(`calibration passes must be an integer in [1, 16] (got ${passes})`);
    }
  });
});

// `project` at a scale that runs: the projection first, then the run, and both in the result (`--json`), phase by phase
describe('reproduce with project at a scale that runs', () => {
  it('returns the projection and the measured profile of the same phases', { timeout: 300_000 }, async () => {
    await initBackend('cpu');
    const registry = await loadPlugins({ cwd: process.cwd() });
    const plan = await testPlan(['fc', 'ff'], { path: 'compiled', chunkSize: 4 });
    const dir = join(tmp(), 'smoke');
    const said: string[] = [];
    const out = await reproduce({
      dir,
      plan,
      scale: 'smoke',
      project: true,
      ...quick(registry, said),
    });
    expect(out.done).toBe(4);
    const projection = out.projection as ReturnType<typeof projectPhases>;
    const profile = out.profile as { phases: Record<string, { wallSeconds: number; cpuSeconds: number }> };
    const phases = ['training', 'curveTests', 'finalTests', 'noiseSweeps', 'analysis', 'report'];
    expect(Object.keys(projection.phases)).toEqual(phases);
    // every projected phase has its measured counterpart (the profile adds `other`)
    for (const name of phases) {
      expect(projection.phases[name as keyof typeof projection.phases].cpuSeconds, name).toBeGreaterThan(0);
      expect(profile.phases[name].wallSeconds, name).toBeGreaterThan(0);
    }
    expect(Object.keys(profile.phases)).toEqual([...phases, 'other']);
    expect(said.some((l) => l.startsWith('projected on this machine'))).toBe(true);
    expect(said.some((l) => l.startsWith('not started'))).toBe(false);
    expect(existsSync(join(dir, 'results.sqlite'))).toBe(true);
  });
});

// The calibration is kept in DIR/projection.json: `--scale paper` without --yes measures it and prints the projection,
// the same command with --yes soon after starts the run on those rates instead of measuring them again.
describe('a starting run reuses the fresh calibration of its projection', () => {
  it('measures without yes, reuses with yes, measures again with recalibrate', { timeout: 300_000 }, async () => {
    await initBackend('cpu');
    const registry = await loadPlugins({ cwd: process.cwd() });
    const plan = await testPlan(['fc', 'ff'], { path: 'compiled', chunkSize: 4 });
    const dir = join(tmp(), 'reuse');
    type Projected = { rates: Record<string, number>; calibration: { at: string; reused: boolean }; total: { wallSeconds: number } };
    const said: string[][] = [[], [], []];
    const first = await reproduce({ dir, plan, scale: 'paper', ...quick(registry, said[0]) });
    expect(first.started).toBe(false);
    const measured = first.projection as Projected;
    expect(measured.calibration.reused).toBe(false);
    expect(said[0].some((l) => l.startsWith('calibrating the projection'))).toBe(true);
    const stored = JSON.parse(readFileSync(join(dir, CALIBRATION_FILE), 'utf8'));
    expect(stored).toMatchObject({ format: 'prnn-calibration', version: 1, calibratedAt: measured.calibration.at, key: { plan: plan.hash, workers: 1, benchSeconds: 0.05 } });

    const second = await reproduce({ dir, plan, scale: 'paper', yes: true, ...quick(registry, said[1]) });
    expect(second.done).toBe(4);
    const reused = second.projection as Projected;
    expect(reused.calibration).toEqual({ at: measured.calibration.at, reused: true });
    expect(reused.rates).toEqual(measured.rates);
    expect(reused.total.wallSeconds).toBe(measured.total.wallSeconds);
    expect(said[1].some((l) => l.startsWith('calibrating the projection'))).toBe(false);
    expect(said[1].find((l) => l.startsWith('calibration: reusing'))).toMatch(
      new RegExp(`^calibration: reusing the one measured at \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+ min ago, .*${CALIBRATION_FILE}\\); pass --recalibrate to measure again$`),
    );

    const third = await reproduce({ dir, plan, scale: 'paper', yes: true, recalibrate: true, ...quick(registry, said[2]) });
    expect((third.projection as Projected).calibration.reused).toBe(false);
    expect(said[2].some((l) => l.startsWith('calibrating the projection (--recalibrate): '))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, CALIBRATION_FILE), 'utf8')).calibratedAt).toBe((third.projection as Projected).calibration.at);
  });

  it('is refused for another plan, worker count, calibration size or machine, when old, and when unreadable', async () => {
    const dir = tmp();
    const key = calibrationKey('abc', 2, 4, null);
    const rates = { trainNetEpisodesPerSecond: 1, calibrationSeconds: 2 } as unknown as Parameters<typeof writeCalibration>[2];
    const at = new Date('2026-12-07T10:00:00Z');
    const minutes = (m: number) => new Date(at.getTime() + m * 60_000);
    expect(await readCalibration(dir, key, at)).toEqual({ why: 'none stored' });
    await writeCalibration(dir, key, rates, at);
    expect(await readCalibration(dir, key, minutes(59))).toEqual({ rates, calibratedAt: at });
    expect(await readCalibration(dir, key, minutes(61))).toEqual({ why: 'the stored one is 61 min old (at most 60 min)' });
    // a clock set back before the calibration: not trusted either
    expect(await readCalibration(dir, key, minutes(-5))).toEqual({ why: 'the stored one is dated after now' });
    expect(await readCalibration(dir, calibrationKey('abd', 2, 4, null), at)).toEqual({ why: 'the stored one was made for another plan' });
    expect(await readCalibration(dir, calibrationKey('abc', 1, 4, { passes: 1 }), at)).toEqual({ why: 'the stored one was made for another workers, calibration' });
    expect(await readCalibration(dir, { ...key, host: 'elsewhere', cpu: 'another CPU' }, at)).toEqual({ why: 'the stored one was made for another host, cpu' });
    writeFileSync(join(dir, CALIBRATION_FILE), '{ "format": "prnn-calibration", "vers');
    expect(await readCalibration(dir, key, at)).toEqual({ why: `${CALIBRATION_FILE} is unreadable` });
    writeFileSync(join(dir, CALIBRATION_FILE), JSON.stringify({ format: 'prnn-sweep-plan', version: 1 }));
    expect(await readCalibration(dir, key, at)).toEqual({ why: `${CALIBRATION_FILE} is not a calibration this prnn reads` });
  });
});
