import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parquetReadObjects } from 'hyparquet';
import { loadRun, readNetworkWeights } from '@prnn/agents';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ordinaryUserOptions, runCli, runCliAs, runCliBatch, type CliResult } from './run-cli.js';
import { rowCounts, storedRows, tempDirs } from './sweep-helpers.js';

const tmp = tempDirs('prnn-sweep-cli-');

/** A failed command: exit 2 and exactly one line `Error: …` on stderr. */
function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.status).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Error: /);
  expect(lines[0]).toMatch(pattern);
}

/** A finished smoke sweep. */
function smokeSweep(name = 'smoke'): string {
  const dir = join(tmp(), name);
  expect(runCli(['sweep', 'plan', dir, '--preset', 'smoke', '--name', 'smoke']).status).toBe(0);
  const r = runCli(['sweep', 'run', dir, '--workers', '1']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return dir;
}

function float32s(blob: Buffer): Float32Array {
  const out = new Float32Array(blob.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = blob.readFloatLE(i * 4);
  return out;
}

// One finished smoke sweep for the whole file: the tests that read it, the direct run the shards are compared with,
// and the bad-input tests (none of which changes its store; they check that).
const smoke = smokeSweep();

describe('prnn sweep plan / run / status / export', () => {
  const dir = smoke;

  it('the plan lists every network once, in chunks of one population, ff-large in a chunk of its own', () => {
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    expect(plan).toMatchObject({ format: 'prnn-sweep-plan', version: 1, prnnVersion: '0.1.0', sweep: 'smoke', preset: 'smoke' });
    expect(plan.networks.map((n: { id: string }) => n.id)).toEqual([
      'fc_seed0', 'fc_seed1', 'ff_seed0', 'ff_seed1', 'io_seed0', 'io_seed1', 'ff-large_seed0', 'ff-large_seed1',
    ]);
    expect(plan.chunks.map((c: { from: number; to: number }) => [c.from, c.to])).toEqual([[0, 2], [2, 4], [4, 6], [6, 8]]);
    expect(plan.measures.noise).toHaveLength(11);
    // the noise sweeps run through onnxruntime, as the final test and `prnn eval` do
    expect(plan.measures.engine).toBe('onnx');
    // planning the same sweep again changes nothing; another plan into the same directory is refused
    const again = runCli(['sweep', 'plan', dir, '--preset', 'smoke', '--name', 'smoke', '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'exists', hash: plan.hash, networks: 8, chunks: 4 });
    expectOneLineError(runCli(['sweep', 'plan', dir, '--preset', 'smoke', '--seeds', '3', '--name', 'smoke']), /already holds another plan/);
  });

  it('stores one row per network with the measures, checked against independent computations', async () => {
    const rows = storedRows(join(dir, 'results.sqlite'));
    expect(rows).toHaveLength(8);
    for (const r of rows) {
      const levels = JSON.parse(r.noise_levels) as number[];
      const fitness = JSON.parse(r.noise_fitness) as number[];
      expect(levels).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]);
      // the noise sweep (the in-process evaluation engine) at the training σs = 0.05 reproduces the training's
      // final test on the same 100 mazes, up to a maze or two decided by a near-tie of the Q-values (float32)
      expect(Math.abs(fitness[1] - r.fitness!)).toBeLessThanOrEqual(0.01);
      let area = 0;
      for (let k = 1; k < levels.length; k++) area += ((levels[k] - levels[k - 1]) * (fitness[k] + fitness[k - 1])) / 2;
      expect(r.robustness).toBeCloseTo(area, 12);
      expect(JSON.parse(r.training_curve)).toHaveLength(10);
      // the weights BLOB has the layout's size, and the weight-norms measure is the Frobenius norm of its matrices
      const layout = JSON.parse(r.weights_layout) as { name: string; shape: number[]; offset: number }[];
      const w = float32s(r.weights);
      expect(w.length).toBe(layout.reduce((n, e) => n + e.shape[0] * e.shape[1], 0));
      const measures = JSON.parse(r.measures) as { parameters: number; 'weight-norms': Record<string, number> };
      expect(measures.parameters).toBe(w.length);
      for (const e of layout) {
        let sum = 0;
        for (let j = e.offset; j < e.offset + e.shape[0] * e.shape[1]; j++) sum += w[j] * w[j];
        expect(measures['weight-norms'][e.name]).toBeCloseTo(Math.sqrt(sum), 5);
      }
    }
    expect(rows.find((r) => r.arch === 'ff-large')!.weights.length).toBe(4 * (8 * 34 + 34 * 5));
    // each stored chunk's run directory is kept for prnn eval / export / analyze, with the same weights
    expect(readdirSync(join(dir, 'runs')).sort()).toEqual(['chunk-0', 'chunk-1', 'chunk-2', 'chunk-3']);
    expect(readdirSync(join(dir, 'work')).filter((f) => !f.endsWith('.lock'))).toEqual([]);
    const run = await loadRun(join(dir, 'runs', 'chunk-3'));
    expect(run.manifest.networks.map((n) => n.id)).toEqual(['ff-large_seed0', 'ff-large_seed1']);
    const w = await readNetworkWeights(run.dir, 'ff-large_seed1');
    const stored = rows.find((r) => r.id === 'ff-large_seed1')!;
    expect(Array.from(float32s(stored.weights).subarray(0, 8 * 34))).toEqual(Array.from(w.ih));
  });

  it('status --json counts planned and done networks and chunks', () => {
    const r = runCli(['sweep', 'status', dir, '--json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ planned: 8, done: 8, unmerged: 0, chunks: { total: 4, done: 4, missing: 0 }, journalMode: 'wal' });
    expect(s.networksPerSecond).toBeGreaterThan(0);
    expect(s.etaSeconds).toBe(0);
    const text = runCli(['sweep', 'status', dir]);
    expect(text.stdout).toMatch(/100\.0% 8\/8 stored/);
    const watched = runCli(['sweep', 'status', dir, '--watch', '1']);
    expect(watched.status).toBe(0);
    expect(watched.stdout).toMatch(/100\.0% 8\/8 stored, 0 chunks running/);
  });

  it('exports CSV, JSON and Parquet with one row per network; all three agree with the store', async () => {
    const rows = storedRows(join(dir, 'results.sqlite'));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const format of ['csv', 'json', 'parquet']) {
      const r = runCli(['sweep', 'export', dir, '--format', format, '--json']);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ rows: 8, format });
    }
    const json = JSON.parse(readFileSync(join(dir, 'export', 'smoke.json'), 'utf8')) as Record<string, unknown>[];
    const parquet = (await parquetReadObjects({ file: new Uint8Array(readFileSync(join(dir, 'export', 'smoke.parquet'))).buffer as ArrayBuffer })) as Record<string, unknown>[];
    const csvLines = readFileSync(join(dir, 'export', 'smoke.csv'), 'utf8').trim().split('\n');
    const header = csvLines[0].split(',');
    expect(header.slice(0, 3)).toEqual(['id', 'sweep', 'chunk']);
    expect(header).toContain('m_weight_norms_hh');
    expect(csvLines).toHaveLength(9);
    expect(json).toHaveLength(8);
    expect(parquet).toHaveLength(8);
    for (const [i, j] of json.entries()) {
      const stored = byId.get(j.id as string)!;
      const p = parquet[i];
      expect(p.id).toBe(j.id);
      expect(j.fitness).toBe(stored.fitness);
      expect(p.fitness).toBe(stored.fitness);
      expect(j.noise_fitness).toEqual(JSON.parse(stored.noise_fitness));
      expect(p.noise_fitness).toEqual(JSON.parse(stored.noise_fitness));
      expect(p.training_curve).toEqual(JSON.parse(stored.training_curve));
      expect(Number(p.seed)).toBe(stored.seed);
      expect(p.m_weight_norms_ih).toBe(JSON.parse(stored.measures)['weight-norms'].ih);
      // CSV: the same id in the same order, fitness as written
      const fields = csvLines[i + 1].split(',');
      expect(fields[0]).toBe(j.id);
      expect(Number(fields[header.indexOf('fitness')])).toBe(stored.fitness);
    }
  });
});

describe('prnn sweep plan presets', () => {
  it("lay out the paper's sweeps and the small one: 129 configurations, ff-large in its own chunk", () => {
    const expected: [string, number, number, string, number][] = [
      ['paper-track', 6450, 26, 'track', 100_000],
      ['paper-general', 6450, 26, 'general', 400_000],
      ['small', 1032, 5, 'track', 100_000],
    ];
    const parent = tmp();
    for (const [preset, networks, chunks, task, episodes] of expected) {
      const r = runCli(['sweep', 'plan', join(parent, preset), '--preset', preset, '--json']);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ networks, chunks, task, episodes, preset });
    }
    const small = JSON.parse(readFileSync(join(parent, 'small', 'plan.json'), 'utf8'));
    expect(new Set(small.networks.map((n: { arch: { name: string } }) => n.arch.name)).size).toBe(129);
    const last = small.chunks[4];
    expect(small.networks.slice(last.from, last.to).map((n: { id: string }) => n.id)).toEqual(Array.from({ length: 8 }, (_, s) => `ff-large_seed${s}`));
    expect(small.measures).toMatchObject({ testMazes: 1000, metrics: ['parameters', 'weight-norms'] });
    expect(small.measures.noise).toHaveLength(21);
  });
});

describe('prnn sweep: shards and merge', () => {
  // Inherently long for one test: four sharded chunks, a resubmitted one and another plan's chunk, compared with the
  // file's direct sweep; eleven CLI processes in all; its limit leaves room for a loaded machine.
  it('shards of separate runs merge into the store once, identical to a direct run; a shard of another plan is refused', { timeout: 360_000 }, () => {
    const direct = smoke;
    const dir = join(tmp(), 'sharded');
    expect(runCli(['sweep', 'plan', dir, '--preset', 'smoke', '--name', 'smoke']).status).toBe(0);
    const local1 = join(tmp(), 'node-local-1');
    const local2 = join(tmp(), 'node-local-2');
    expect(runCli(['sweep', 'run', dir, '--chunks', '0-1', '--shard-dir', local1, '--workers', '1']).status).toBe(0);
    const viaSlurm = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'sweep', 'run', dir, '--chunk-offset', '2', '--shard-dir', local2, '--workers', '1'], {
      encoding: 'utf8',
      env: { ...process.env, SLURM_ARRAY_TASK_ID: '1' },
    });
    expect(viaSlurm.stdout).toMatch(/^chunk 3: stored 2 of 2 networks/m);
    expect(runCli(['sweep', 'run', dir, '--chunk', '2', '--shard-dir', local2, '--workers', '1']).status).toBe(0);
    expect(readdirSync(join(dir, 'shards')).sort()).toEqual(['chunk-0.sqlite', 'chunk-1.sqlite', 'chunk-2.sqlite', 'chunk-3.sqlite']);
    expect(readdirSync(local1)).toEqual([]);
    expect(existsSync(join(dir, 'results.sqlite'))).toBe(false);
    const before = JSON.parse(runCli(['sweep', 'status', dir, '--json']).stdout);
    expect(before).toMatchObject({ planned: 8, done: 0, unmerged: 8, chunks: { unmerged: 4 } });

    const merged = runCli(['sweep', 'merge', dir, '--json']);
    expect(merged.status).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ added: 8, stored: 8, planned: 8 });
    expect(rowCounts(join(dir, 'results.sqlite'))).toEqual({ rows: 8, distinct: 8 });
    // an array task of a merged chunk (a resubmitted array) finds it in the store and does nothing
    const resubmitted = runCli(['sweep', 'run', dir, '--chunk', '0', '--shard-dir', local1, '--workers', '1']);
    expect(resubmitted.stdout).toMatch(/^chunk 0: already stored$/m);
    expect(readdirSync(join(dir, 'shards')).filter((f) => f.endsWith('.sqlite'))).toEqual([]);
    const again = runCli(['sweep', 'merge', dir, '--shard', join(dir, 'shards', 'merged', 'chunk-0.sqlite'), '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, stored: 8 });
    const a = storedRows(join(direct, 'results.sqlite'));
    const b = storedRows(join(dir, 'results.sqlite'));
    expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
    for (const [i, r] of b.entries()) expect(r.weights.equals(a[i].weights) && r.noise_fitness === a[i].noise_fitness && r.fitness === a[i].fitness).toBe(true);

    // a shard of another plan (another sweep name) is refused and nothing is merged from it
    const other = join(tmp(), 'other');
    expect(runCli(['sweep', 'plan', other, '--preset', 'smoke', '--name', 'other']).status).toBe(0);
    expect(runCli(['sweep', 'run', other, '--chunk', '0', '--workers', '1']).status).toBe(0);
    expectOneLineError(runCli(['sweep', 'merge', dir, '--shard', join(other, 'results.sqlite')]), /belongs to sweep other .*nothing was merged/);
    expect(rowCounts(join(dir, 'results.sqlite'))).toEqual({ rows: 8, distinct: 8 });
  });
});

describe('prnn sweep: bad input gets one line, exit 2, and loses nothing', () => {
  const dir = smoke;
  const store = join(dir, 'results.sqlite');
  const reference = storedRows(store);

  it('a plan from another prnn version, or an edited plan', () => {
    const copy = join(tmp(), 'old-version');
    mkdirSync(copy);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    writeFileSync(join(copy, 'plan.json'), JSON.stringify({ ...plan, prnnVersion: '0.0.9' }));
    copyFileSync(store, join(copy, 'results.sqlite'));
    const [run, status] = runCliBatch([['sweep', 'run', copy], ['sweep', 'status', copy]]);
    expectOneLineError(run, /made by prnn 0\.0\.9, this is prnn 0\.1\.0/);
    expectOneLineError(status, /made by prnn 0\.0\.9/);
    writeFileSync(join(copy, 'plan.json'), JSON.stringify({ ...plan, runSeed: 7 }));
    expectOneLineError(runCli(['sweep', 'run', copy]), /was changed after it was made/);
    expect(storedRows(join(copy, 'results.sqlite'))).toEqual(reference);
  });

  it('a store from another plan', () => {
    const other = join(tmp(), 'other-plan');
    expect(runCli(['sweep', 'plan', other, '--preset', 'smoke', '--name', 'smoke', '--episodes', '100']).status).toBe(0);
    copyFileSync(store, join(other, 'results.sqlite'));
    const [run, exported] = runCliBatch([['sweep', 'run', other], ['sweep', 'export', other, '--format', 'csv']]);
    expectOneLineError(run, /belongs to another plan of sweep smoke/);
    expectOneLineError(exported, /belongs to another plan/);
    expect(storedRows(join(other, 'results.sqlite'))).toEqual(reference);
  });

  it('a corrupt SQLite file', () => {
    const bad = join(tmp(), 'corrupt');
    mkdirSync(bad);
    copyFileSync(join(dir, 'plan.json'), join(bad, 'plan.json'));
    const garbage = Buffer.from('this is not a database, just bytes '.repeat(200));
    writeFileSync(join(bad, 'results.sqlite'), garbage);
    for (const r of runCliBatch([['sweep', 'run', bad], ['sweep', 'status', bad], ['sweep', 'merge', bad], ['sweep', 'export', bad, '--format', 'json']])) {
      expectOneLineError(r, /store .*results\.sqlite is corrupt or not a SQLite database/);
    }
    expect(readFileSync(join(bad, 'results.sqlite')).equals(garbage)).toBe(true);
    // a damaged page inside a real store is found by the integrity check
    const damaged = join(tmp(), 'damaged');
    mkdirSync(damaged);
    copyFileSync(join(dir, 'plan.json'), join(damaged, 'plan.json'));
    const db = new Database(store, { readonly: true });
    db.prepare('VACUUM INTO ?').run(join(damaged, 'results.sqlite'));
    db.close();
    const bytes = readFileSync(join(damaged, 'results.sqlite'));
    const pageSize = bytes.readUInt16BE(16);
    for (let page = 1; page * pageSize < bytes.length; page++) bytes.fill(0xa5, page * pageSize, page * pageSize + 12);
    writeFileSync(join(damaged, 'results.sqlite'), bytes);
    expectOneLineError(runCli(['sweep', 'status', damaged]), /corrupt/);
  });

  it('a store locked by another process', () => {
    const db = new Database(store);
    db.exec('BEGIN EXCLUSIVE');
    try {
      const [run, merge] = runCliBatch([['sweep', 'run', dir, '--busy-timeout', '200'], ['sweep', 'merge', dir, '--busy-timeout', '200']]);
      expectOneLineError(run, /store .*results\.sqlite is locked by another process/);
      expectOneLineError(merge, /is locked by another process/);
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
    expect(storedRows(store)).toEqual(reference);
  });

  it('a chunk index out of range', () => {
    const [one, beyond, downwards] = runCliBatch([['sweep', 'run', dir, '--chunk', '4'], ['sweep', 'run', dir, '--chunks', '2-9'], ['sweep', 'run', dir, '--chunks', '3-1']]);
    expectOneLineError(one, /chunk index must be an integer from 0 to 3 \(the plan has 4 chunks; got 4\)/);
    expectOneLineError(beyond, /from 0 to 3/);
    expectOneLineError(downwards, /--chunks range must run upwards/);
    const slurm = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'sweep', 'run', dir, '--chunk-offset', '3'], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '1' } });
    expectOneLineError({ status: slurm.status, stdout: slurm.stdout, stderr: slurm.stderr }, /got 4\)/);
    expect(storedRows(store)).toEqual(reference);
  });

  it('an unwritable sweep directory', (ctx) => {
    expectOneLineError(runCli(['sweep', 'plan', '/sys/prnn-sweep-test', '--preset', 'smoke']), /cannot write the sweep directory \/sys\/prnn-sweep-test: (permission denied|operation not permitted); choose a DIR you may write/);
    const parent = tmp();
    chmodSync(parent, 0o755);
    const ro = join(parent, 'read-only');
    expect(runCli(['sweep', 'plan', ro, '--preset', 'smoke']).status).toBe(0);
    // root ignores permission bits: the command then runs as an ordinary user (skipped when none can run the CLI here)
    const asUser = ordinaryUserOptions();
    if (asUser === null) return ctx.skip('the user nobody cannot run the CLI from this checkout');
    chmodSync(ro, 0o555);
    try {
      expectOneLineError(runCliAs(asUser, ['sweep', 'run', ro, '--workers', '1']), /^Error: DIR: cannot create .*read-only\/work: permission denied; choose a DIR you may write, or change its permissions$/);
    } finally {
      chmodSync(ro, 0o755);
    }
    expect(readdirSync(ro)).toEqual(['plan.json']);
  });

  it('--max-running 0 and other bad Slurm flags', () => {
    const [running, time, cpus] = runCliBatch([['sweep', 'slurm', dir, '--max-running', '0'], ['sweep', 'slurm', dir, '--time', 'soon'], ['sweep', 'slurm', dir, '--cpus', '0']]);
    expectOneLineError(running, /^Error: --max-running must be an integer ≥ 1 \(got 0\)$/);
    expectOneLineError(time, /--time must be a Slurm time limit/);
    expectOneLineError(cpus, /--cpus must be an integer ≥ 1/);
    expect(existsSync(join(dir, 'slurm', 'array.sbatch'))).toBe(false);
    expect(storedRows(store)).toEqual(reference);
  });

  it('a directory that is not a sweep', () => {
    const [run, plan] = runCliBatch([['sweep', 'run', tmp()], ['sweep', 'plan', tmp()]]);
    expectOneLineError(run, /is not a sweep directory \(no plan\.json; make one with prnn sweep plan\)/);
    expectOneLineError(plan, /--arch is required without --preset/);
  });
});
