import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRun, readNetworkWeights } from '@prnn/agents';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './run-cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'prnn-train-'));
  dirs.push(dir);
  return dir;
}

const TINY = ['--episodes', '20', '--test-mazes', '10', '--curve-points', '4'];

describe('prnn train', () => {
  it('--json prints only the result: networks with fitness and curve, speed, backend; --out holds the run', async () => {
    const out = path.join(tmp(), 'run');
    const r = runCli(['train', '--arch', 'fc,hh+oh', '--seeds', '2', ...TINY, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual(['backend', 'netEpisodesPerSecond', 'networks']);
    expect(json.networks.map((n: { arch: string; seed: number }) => `${n.arch}/${n.seed}`)).toEqual(['fc/0', 'fc/1', 'hh+oh/0', 'hh+oh/1']);
    for (const n of json.networks) {
      expect(Object.keys(n).sort()).toEqual(['arch', 'fitness', 'hidden', 'parameters', 'seed', 'trainingCurve']);
      expect(n.hidden).toBe(8);
      expect(n.fitness).toBeGreaterThanOrEqual(0);
      expect(n.fitness).toBeLessThanOrEqual(1);
      expect(n.trainingCurve).toHaveLength(4);
    }
    expect(json.networks[0].parameters).toBe(441);
    expect(json.netEpisodesPerSecond).toBeGreaterThan(0);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(json.backend);

    const run = await loadRun(out);
    expect(run.manifest.networks).toHaveLength(4);
    expect(run.manifest.task).toMatchObject({ kind: 'track', steps: 6 });
    expect(run.results.map((x) => x?.fitness)).toEqual(json.networks.map((n: { fitness: number }) => n.fitness));
    const w = await readNetworkWeights(out, 'hh+oh_seed1');
    expect(Object.keys(w)).toEqual(['ih', 'ho', 'hh', 'oh']);

    // --resume of a finished run trains nothing and reports the same networks
    const again = runCli(['train', '--arch', 'fc,hh+oh', '--seeds', '2', ...TINY, '--out', out, '--resume', '--json']);
    expect(again.status).toBe(0);
    const j2 = JSON.parse(again.stdout);
    expect(j2.networks).toEqual(json.networks);
    expect(j2.netEpisodesPerSecond).toBeNull();
  });

  it('the same seed gives the same networks; the General task takes its steps from the task', () => {
    const a = JSON.parse(runCli(['train', '--arch', '127', '--maze', 'general', ...TINY, '--json']).stdout);
    const b = JSON.parse(runCli(['train', '--arch', 'fc', '--maze', 'general', ...TINY, '--json']).stdout);
    expect(a.networks).toEqual(b.networks);
    expect(a.networks[0].arch).toBe('fc');
  });

  it('a learner from a plugin named in prnn.config.json: --learner replay-dqn', () => {
    const dir = tmp();
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, 'prnn.config.json'), JSON.stringify({ plugins: ['@prnn/plugin-replay-dqn'] }));
    const r = runCli(['train', '--arch', 'ff', ...TINY, '--learner', 'replay-dqn', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).networks).toHaveLength(1);
    const missing = runCli(['train', '--arch', 'ff', ...TINY, '--learner', 'replay-dqn']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('Error: unknown learner "replay-dqn": registered: dqn\n');
  });

  it.each([
    [['--arch', 'xyz'], /^Error: unknown architecture "xyz"/],
    [['--arch', 'fc', '--episodes', '5'], /^Error: --episodes must be an integer ≥ 10 \(got 5\)$/],
    [['--arch', 'fc', '--episodes', '20', '--hidden', '0'], /^Error: --hidden must be an integer ≥ 1 \(got 0\)$/],
    [['--arch', 'fc', '--episodes', '20', '--steps', '0'], /^Error: --steps must be/],
    [['--arch', 'fc', '--episodes', '20', '--learner', 'sarsa'], /^Error: unknown learner "sarsa"/],
    [['--arch', 'fc', '--episodes', '20', '--backend', 'gpu'], /^Error: backend must be one of tensorflow, wasm, cpu/],
    [['--arch', 'fc', '--episodes', '20', '--lr', 'fast'], /^Error: --lr must be a number/],
    [['--arch', 'fc', '--episodes', '20', '--resume'], /^Error: --resume needs --out/],
    [['--episodes', '20'], /^Error: .*\barch\b/],
  ])('bad input %j exits 2 with one line', (args, pattern) => {
    const r = runCli(['train', ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(pattern);
  });

  it('refuses an --out that holds a different run', () => {
    const out = path.join(tmp(), 'run');
    expect(runCli(['train', '--arch', 'ff', ...TINY, '--out', out]).status).toBe(0);
    const r = runCli(['train', '--arch', 'fc', ...TINY, '--out', out, '--resume']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^Error: --out .* holds a different run/);
  });
});

describe('prnn bench train', () => {
  it('--json: FC episodes per second per core at the given population', () => {
    const r = runCli(['bench', 'train', '--population', '8', '--seconds', '1', '--repeats', '1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual(['arch', 'backend', 'netEpisodesPerSecondPerCore', 'population']);
    expect(json).toMatchObject({ arch: 'fc', population: 8 });
    expect(json.netEpisodesPerSecondPerCore).toBeGreaterThan(0);
  });

  it('rejects bad flags with one line', () => {
    const r = runCli(['bench', 'train', '--seconds', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^Error: --seconds must be a number in \(0, 3600\]/);
  });
});
