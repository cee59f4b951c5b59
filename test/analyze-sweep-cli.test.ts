import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { storedRows, tempDirs } from './sweep-helpers.js';

const tmp = tempDirs('prnn-analyze-sweep-');

describe('prnn analyze --sweep: a results store alone', () => {
  // a smoke sweep (8 networks, 200 episodes each), then only its results.sqlite is kept
  const sweep = join(tmp(), 'smoke');
  expect(runCli(['sweep', 'plan', sweep, '--preset', 'smoke', '--name', 'smoke']).status).toBe(0);
  expect(runCli(['sweep', 'run', sweep, '--workers', '1']).status).toBe(0);
  const alone = join(tmp(), 'store-only');
  mkdirSync(alone);
  copyFileSync(join(sweep, 'results.sqlite'), join(alone, 'results.sqlite'));

  it('analyses every stored network from the store, reusing its stored noise sweeps', () => {
    expect(readdirSync(alone)).toEqual(['results.sqlite']);
    const out = join(tmp(), 'report');
    const r = runCli(['analyze', '--sweep', alone, '--mazes', '100', '--noise', '0:0.5:11', '--trees', '5', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    const rows = storedRows(join(alone, 'results.sqlite'));
    expect(json.networks.map((n: { id: string }) => n.id)).toEqual(rows.map((row) => row.id));
    for (const n of json.networks) {
      const row = rows.find((x) => x.id === n.id)!;
      // the stored noise sweep is reused: fitness at σs = 0.05 … the stored value at level 0.05 (index 1)
      const levels = JSON.parse(row.noise_levels) as number[];
      expect(n.fitness).toBe((JSON.parse(row.noise_fitness) as number[])[levels.indexOf(0.05)]);
      expect(n.memory).toHaveLength(6);
      expect(n.jacobian).toBe('compiled');
      expect(n.sampleEfficiency).not.toBeNull();
    }
    expect(json.architectures.map((a: { arch: string }) => a.arch).sort()).toEqual(['fc', 'ff', 'ff-large', 'io']);
    expect(json.architectures.find((a: { arch: string }) => a.arch === 'ff').fitness.effect.cliffDelta).not.toBeNull();
  });

  it('--workers 2: the networks and forests on worker threads give the same tables, byte for byte, as one thread', () => {
    const args = ['analyze', '--sweep', alone, '--mazes', '100', '--noise', '0:0.5:11', '--trees', '5'];
    const one = join(tmp(), 'one-thread');
    const two = join(tmp(), 'two-threads');
    expect(runCli([...args, '--out', one]).status).toBe(0);
    const r = runCli([...args, '--workers', '2', '--out', two]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of ['networks.csv', 'architectures.csv', 'memory.csv', 'predictions.csv', 'headline.csv']) {
      expect(readFileSync(join(two, f), 'utf8'), f).toBe(readFileSync(join(one, f), 'utf8'));
    }
  });

  it('bad input: a directory without a store is one line naming --sweep', () => {
    const empty = join(tmp(), 'empty');
    mkdirSync(empty);
    const r = runCli(['analyze', '--sweep', empty, '--out', join(tmp(), 'never')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--sweep.*has no results store \(results\.sqlite\)/);
  });
});
