import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readNetworkWeights } from '@prnn/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './run-cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'prnn-learners-'));
  dirs.push(dir);
  return dir;
}

const TINY = ['--episodes', '12', '--test-mazes', '6', '--curve-points', '3'];
/** A directory whose prnn.config.json loads the es plugin. */
let cwd = '';
beforeAll(() => {
  cwd = tmp();
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(cwd, 'node_modules'));
  writeFileSync(path.join(cwd, 'prnn.config.json'), JSON.stringify({ plugins: ['@prnn/plugin-es'] }));
});

describe('prnn train with a plugin learner', () => {
  it('--learner es with --learner-param trains the same weights on 1 and 2 worker threads', () => {
    const one = path.join(cwd, 'one');
    const two = path.join(cwd, 'two');
    const args = ['train', '--arch', 'fc,ff', ...TINY, '--learner', 'es', '--learner-param', 'pairs=2', '--learner-param', 'sigma=0.2'];
    const a = runCli([...args, '--workers', '1', '--out', one, '--json'], { cwd });
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const b = runCli([...args, '--workers', '2', '--out', two, '--json'], { cwd });
    expect(b.status).toBe(0);
    return Promise.all(['fc_seed0', 'ff_seed0'].map(async (id) => {
      const x = await readNetworkWeights(one, id);
      const y = await readNetworkWeights(two, id);
      for (const k of Object.keys(x)) expect(Array.from(y[k])).toEqual(Array.from(x[k]));
    }));
  });

  it.each([
    // a DQN flag on a learner without that parameter
    [['--gamma', '0.5'], /^Error: --gamma does not apply to learner es \(it declares only --lr\); set its parameters with --learner-param key=value \(its parameters: episodes, pairs, evalMazes, sigma, /],
    [['--epsilon-start', '0.5'], /^Error: --epsilon-start does not apply to learner es/],
    // a learner parameter's check, named as the user typed it (through PrnnError.parameter)
    [['--learner-param', 'sigma=0'], /^Error: --learner-param sigma must be a number in \(0, ∞\) \(got 0\)$/],
    [['--learner-param', 'pairs=0'], /^Error: --learner-param pairs must be an integer ≥ 1 \(got 0\)$/],
    [['--lr', '-1'], /^Error: --lr must be a number in \(0, ∞\) \(got -1\)$/],
    [['--learner-param', 'gamma=0.5'], /^Error: --learner-param: learner es has no parameter "gamma"; its parameters: episodes, pairs/],
  ])('bad input %j exits 2 with one line naming the flag', (extra, message) => {
    const r = runCli(['train', '--arch', 'fc', ...TINY, '--learner', 'es', ...extra], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('prnn sweep plan with a plugin learner', () => {
  it('--learner es --learner-param writes the learner and its checked parameters into the plan', () => {
    const dir = path.join(cwd, 'sweep-es');
    const r = runCli(['sweep', 'plan', dir, '--preset', 'smoke', '--learner', 'es', '--learner-param', 'pairs=3', '--learner-param', 'episodes=12'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const plan = JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8')) as { learner: string; config: Record<string, unknown> };
    expect(plan.learner).toBe('es');
    expect(plan.config).toMatchObject({ pairs: 3, episodes: 12, sigma: 0.2, evalMazes: 4 });
    const bad = runCli(['sweep', 'plan', path.join(cwd, 'sweep-bad'), '--preset', 'smoke', '--learner', 'es', '--learner-param', 'sigma=-1'], { cwd });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('Error: --learner-param sigma must be a number in (0, ∞) (got -1)');
  });
});
