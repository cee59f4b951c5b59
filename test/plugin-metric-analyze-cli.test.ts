// A plugin metric named with --metrics in `prnn analyze` (2 workers, the plugin in prnn.config.json as a user names
// it) gets the recorded test trials `prnn measure` gives it: the same values, network by network.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, projectDirs, runCli } from './run-cli.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

describe('prnn analyze --metrics with a plugin metric that reads the recorded trials (q-margin)', () => {
  it('on 2 workers: one column per network, equal to prnn measure on the same test set (σs 0.05, its 12 test mazes)', () => {
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['@prnn/plugin-q-margin-metric'] }) });
    const out = path.join(cwd, 'run');
    const train = runCli(['train', '--arch', 'fc,hh', '--seeds', '2', '--episodes', '20', '--test-mazes', '12', '--curve-points', '2', '--workers', '2', '--out', out], { cwd });
    expect(train.status, train.stderr).toBe(0);
    const measure = runCli(['measure', '--run', out, '--metric', 'q-margin', '--json'], { cwd });
    expect(measure.status, measure.stderr).toBe(0);
    const measured = new Map<string, number>(JSON.parse(measure.stdout).networks.map((n: { id: string; values: Record<string, number> }) => [n.id, n.values['q-margin']]));
    expect(measured.size).toBe(4);

    const report = path.join(cwd, 'report');
    const args = ['analyze', '--run', out, '--out', report, '--mazes', '12', '--noise', '0,0.05', '--trees', '3', '--folds', '2', '--workers', '2', '--metrics', 'fitness,q-margin', '--json'];
    const analyze = runCli(args, { cwd });
    expect(analyze.stderr).toBe('');
    expect(analyze.status).toBe(0);
    const networks = JSON.parse(readFileSync(path.join(report, 'analysis.json'), 'utf8')).networks as { id: string; extra: Record<string, number> }[];
    expect(networks.map((n) => n.id).sort()).toEqual([...measured.keys()].sort());
    for (const n of networks) {
      expect(n.extra['q-margin'], n.id).toBeGreaterThan(0);
      expect(n.extra['q-margin'], n.id).toBe(measured.get(n.id));
    }
  });
});
