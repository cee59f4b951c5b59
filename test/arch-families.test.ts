import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { paperArchitectures } from '@prnn/agents';
import { afterAll, describe, expect, it } from 'vitest';
import { oneErrorLine, project, projectDirs, runCli } from './run-cli.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

/** A user's project with the repository's low-rank architecture plugin configured. */
const withLowrank = () => project({ 'prnn.config.json': JSON.stringify({ plugins: ['@prnn/plugin-lowrank-rnn'] }) });

interface PlanJson {
  family: string;
  path: string;
  paths?: Record<string, string>;
  chunks: { index: number; from: number; to: number }[];
  networks: { id: string; arch: { family: string; name: string; hidden: number }; chunk: number }[];
}
const readPlanJson = (dir: string): PlanJson => JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8'));

describe('--arch all and the paper presets with an architecture plugin loaded', () => {
  // the paper's configurations, from the family's own definition (not from the CLI)
  const paper = paperArchitectures({ channels: 2, hidden: 8 }).map((a) => a.name);

  it('sweep plan --preset paper-track plans the paper 129 configurations × 50 seeds, no plugin network', () => {
    const cwd = withLowrank();
    const dir = path.join(cwd, 'paper');
    const out = runCli(['sweep', 'plan', dir, '--preset', 'paper-track', '--json'], { cwd });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const plan = readPlanJson(dir);
    expect(plan.networks).toHaveLength(129 * 50);
    expect(new Set(plan.networks.map((n) => n.arch.family))).toEqual(new Set(['nine-pathway']));
    expect([...new Set(plan.networks.map((n) => n.arch.name))].sort()).toEqual([...paper].sort());
    expect(plan.paths).toBeUndefined();
  });

  it('--arch all is the 129 whatever is loaded; family:lowrank-rnn selects the plugin family', () => {
    const cwd = withLowrank();
    const all = path.join(cwd, 'all');
    expect(runCli(['sweep', 'plan', all, '--arch', 'all', '--episodes', '20', '--json'], { cwd }).status).toBe(0);
    expect(readPlanJson(all).networks.map((n) => n.arch.name)).toEqual(paper);
    const lowrank = path.join(cwd, 'lowrank');
    expect(runCli(['sweep', 'plan', lowrank, '--arch', 'family:lowrank-rnn', '--episodes', '20', '--json'], { cwd }).status).toBe(0);
    expect(readPlanJson(lowrank).networks.map((n) => `${n.arch.family}/${n.arch.name}`)).toEqual(['lowrank-rnn/lowrank-r1', 'lowrank-rnn/lowrank-r2']);
    expect(readPlanJson(lowrank).path).toBe('compiled');
  });

  it('an unknown family is one line naming --arch and the loaded families', () => {
    const cwd = withLowrank();
    const line = oneErrorLine(runCli(['sweep', 'plan', path.join(cwd, 'x'), '--arch', 'family:nope', '--episodes', '20'], { cwd }));
    expect(line).toMatch(/--arch/);
    expect(line).toMatch(/"nope"/);
    expect(line).toMatch(/nine-pathway, lowrank-rnn/);
  });

  it('a sweep may mix families: one family per chunk, each trained with its own path, all stored', () => {
    const cwd = withLowrank();
    const dir = path.join(cwd, 'mixed');
    const plan = runCli(
      ['sweep', 'plan', dir, '--arch', 'fc,family:lowrank-rnn', '--seeds', '2', '--episodes', '12', '--test-mazes', '8', '--curve-points', '2', '--noise', '0:0.5:2', '--chunk-size', '3', '--json'],
      { cwd },
    );
    expect(plan.stderr).toBe('');
    const p = readPlanJson(dir);
    expect(p.paths).toEqual({ 'nine-pathway': 'compiled', 'lowrank-rnn': 'compiled' });
    // fc × 2 fill one chunk; the four low-rank networks take two chunks of their own (3 + 1)
    expect(p.chunks.map((c) => c.to - c.from)).toEqual([2, 3, 1]);
    for (const c of p.chunks) expect(new Set(p.networks.slice(c.from, c.to).map((n) => n.arch.family)).size).toBe(1);
    // one thread on the default backend: a chunk of two low-rank layouts trains by autodiff there too
    const run = runCli(['sweep', 'run', dir, '--workers', '1'], { cwd });
    expect(run.status, run.stderr).toBe(0);
    const exported = path.join(cwd, 'mixed.json');
    expect(runCli(['sweep', 'export', dir, '--format', 'json', '--out', exported], { cwd }).status).toBe(0);
    const rows = JSON.parse(readFileSync(exported, 'utf8')) as { id: string; family: string; chunk: number }[];
    expect(rows.map((r) => `${r.family}/${r.id}/${r.chunk}`).sort()).toEqual(
      ['nine-pathway/fc_seed0/0', 'nine-pathway/fc_seed1/0', 'lowrank-rnn/lowrank-r1_seed0/1', 'lowrank-rnn/lowrank-r1_seed1/1', 'lowrank-rnn/lowrank-r2_seed0/1', 'lowrank-rnn/lowrank-r2_seed1/2'].sort(),
    );
  });
});
