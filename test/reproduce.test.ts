import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './run-cli.js';
import { rowCounts, tempDirs } from './sweep-helpers.js';

const tmp = tempDirs('prnn-reproduce-');

/** One smoke reproduction on 2 workers and a second call into the same directory, shared by the first two tests. */
let smoke: { dir: string; r: CliResult; again: CliResult } | undefined;
function smokeReproduction(): { dir: string; r: CliResult; again: CliResult } {
  if (!smoke) {
    const dir = join(tmp(), 'smoke');
    const r = runCli(['reproduce', '--scale', 'smoke', '--dir', dir, '--workers', '2', '--json']);
    const again = r.status === 0 ? runCli(['reproduce', '--scale', 'smoke', '--dir', dir, '--workers', '2']) : r;
    smoke = { dir, r, again };
  }
  return smoke;
}

describe('prnn reproduce', () => {
  it('--scale smoke plans, runs, stores, analyses and prints the headline table; a second call reuses everything', () => {
    const { dir, r, again } = smokeReproduction();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ planned: 8, done: 8 });
    // the analysis step: @prnn/sweeps' analyzeSweepStore over the sweep's results store
    expect(out.analysis.report).toBe(join(dir, 'report'));
    expect(existsSync(join(dir, 'report', 'analysis.json'))).toBe(true);
    expect(out.headline.length).toBeGreaterThanOrEqual(5);
    expect(out.headline[0]).toMatchObject({ label: 'fully connected, median fitness', paper: '0.93 ± 0.01', networks: 2 });
    expect(rowCounts(join(dir, 'results.sqlite'))).toEqual({ rows: 8, distinct: 8 });
    // the fc row is the median of the two stored fc networks
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    expect(plan).toMatchObject({ sweep: 'smoke-track', preset: 'smoke' });
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^plan: reusing /m);
    expect(again.stdout).toMatch(/^run: 8 of 8 networks stored/m);
    expect(again.stdout).toMatch(/^fully connected, median fitness +0\.93 ± 0\.01 +0\.\d{2}.* +2$/m);
    expect(again.stdout).toMatch(/^report: .*report \(\d+ files\)$/m);
  });

  it('--workers 2: the profile has every phase, finite and ≥ 0, each within the total, adding up to it; the table is printed', () => {
    const { r, again } = smokeReproduction();
    expect(r.status, r.stderr).toBe(0);
    const { profile } = JSON.parse(r.stdout) as { profile: { phases: Record<string, { wallSeconds: number; cpuSeconds: number }>; total: { wallSeconds: number; cpuSeconds: number } } };
    const names = ['training', 'curveTests', 'finalTests', 'noiseSweeps', 'analysis', 'report', 'other'];
    expect(Object.keys(profile.phases)).toEqual(names);
    let wall = 0;
    let cpu = 0;
    for (const name of names) {
      const p = profile.phases[name];
      for (const v of [p.wallSeconds, p.cpuSeconds]) {
        expect(Number.isFinite(v), name).toBe(true);
        expect(v, name).toBeGreaterThanOrEqual(0);
      }
      expect(p.wallSeconds, name).toBeLessThanOrEqual(profile.total.wallSeconds);
      expect(p.cpuSeconds, name).toBeLessThanOrEqual(profile.total.cpuSeconds);
      // every phase of the experiment ran in this call
      if (name !== 'other') expect(p.wallSeconds, name).toBeGreaterThan(0);
      wall += p.wallSeconds;
      cpu += p.cpuSeconds;
    }
    expect(wall).toBeCloseTo(profile.total.wallSeconds, 6);
    expect(cpu).toBeCloseTo(profile.total.cpuSeconds, 6);
    // the second call trains nothing: no training, curve or final tests, no noise sweeps in its profile
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^phase +wall s +CPU s +cores +of wall$/m);
    for (const label of ['training', 'curve tests', 'final tests', 'noise sweeps']) expect(again.stdout).toMatch(new RegExp(`^${label} +0\\.00 +0\\.00 +– +0\\.0 %$`, 'm'));
    expect(again.stdout).toMatch(/^analysis +\d/m);
    expect(again.stdout).toMatch(/^total +\d/m);
  });

  // Inherently long: the command calibrates at its full size (populations of 256, 4 networks on 200 mazes, the
  // forest study of the paper's settings over 258 rows), about 30 s on an idle 2-core machine and several times
  // that on a loaded one; the calibration's arithmetic is tested at a small size in
  // packages/sweeps/test/reproduce-projection.test.ts.
  it('--scale paper prints its projected wall time and starts nothing without --yes', { timeout: 480_000 }, () => {
    const dir = join(tmp(), 'paper');
    const r = runCli(['reproduce', '--scale', 'paper', '--dir', dir, '--workers', '1', '--bench-seconds', '0.2', '--json'], { timeout: 450_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.started).toBe(false);
    expect(out.projectedHours).toBeGreaterThan(0.1);
    // the projection is per phase, from the same model as the profile: the phases add up to its total
    const { phases, total } = out.projection as { phases: Record<string, { wallSeconds: number; cpuSeconds: number }>; total: { wallSeconds: number; cpuSeconds: number } };
    expect(Object.keys(phases)).toEqual(['training', 'curveTests', 'finalTests', 'noiseSweeps', 'analysis', 'report']);
    for (const t of Object.values(phases)) {
      expect(t.wallSeconds).toBeGreaterThan(0);
      // one worker: every phase waits for all of its CPU time
      expect(t.cpuSeconds).toBeCloseTo(t.wallSeconds, 6);
    }
    expect(Object.values(phases).reduce((s, t) => s + t.wallSeconds, 0)).toBeCloseTo(total.wallSeconds, 6);
    expect(out.projectedHours).toBeCloseTo(total.wallSeconds / 3600, 9);
    expect(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')).networks).toHaveLength(6450);
    expect(existsSync(join(dir, 'results.sqlite'))).toBe(false);
    expect(existsSync(join(dir, 'work'))).toBe(false);
  });
});
