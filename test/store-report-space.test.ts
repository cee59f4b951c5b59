import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { reportBytes, storeBytes } from '../src/cli/disk-space.js';
import { oneErrorLine, runCli } from './run-cli.js';

const root = mkdtempSync(path.join(tmpdir(), 'prnn-space-'));
const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted) spawnSync('umount', [m]);
  rmSync(root, { recursive: true, force: true });
});

/** A real tmpfs of `bytes` at a new directory, or undefined where this process may not mount one (not root). */
function smallFileSystem(name: string, bytes: number): string | undefined {
  const dir = path.join(root, name);
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  mounted.push(dir);
  return dir;
}

const canMount = (() => {
  const probe = smallFileSystem('probe', 64 * 1024);
  return probe !== undefined;
})();

/** A planned sweep of 4 tiny networks (fc and hh, 2 seeds, 20 episodes) in `dir`. */
function tinyPlan(dir: string): void {
  const r = runCli(['sweep', 'plan', dir, '--arch', 'fc,hh', '--seeds', '2', '--episodes', '20', '--test-mazes', '8', '--curve-points', '2', '--noise', '0,0.1']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

const bytesUsed = (dir: string) => {
  const s = statfsSync(dir);
  return (Number(s.blocks) - Number(s.bfree)) * Number(s.bsize);
};

describe.skipIf(!canMount)('free space before a sweep store or a report is written (real tmpfs file systems)', () => {
  const sweep = path.join(root, 'sweep');

  it('sweep run refuses a --store on a 64 kB file system before training, naming the flag and the path', () => {
    tinyPlan(sweep);
    const small = smallFileSystem('tiny-store', 64 * 1024)!;
    const store = path.join(small, 'results.sqlite');
    const line = oneErrorLine(runCli(['sweep', 'run', sweep, '--store', store, '--workers', '1', '--backend', 'cpu']));
    expect(line).toMatch(new RegExp(`^Error: --store: ${store} has 65\\.5 kB free, and storing 4 networks needs about [\\d.]+ kB; free space there or choose another --store$`));
    // nothing was trained, nothing written there
    expect(existsSync(path.join(sweep, 'work'))).toBe(false);
    expect(readdirSync(small)).toEqual([]);
  });

  it('with room for it, the same run stores its 4 networks there, in less space than the estimate', () => {
    const roomy = smallFileSystem('store', 8 * 1024 * 1024)!;
    const store = path.join(roomy, 'results.sqlite');
    const r = runCli(['sweep', 'run', sweep, '--store', store, '--workers', '1', '--backend', 'cpu']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const db = new Database(store, { readonly: true });
    const parameters = (db.prepare('SELECT parameters FROM networks').pluck().all() as number[]);
    db.close();
    expect(parameters).toHaveLength(4);
    expect(bytesUsed(roomy)).toBeLessThanOrEqual(storeBytes(parameters));
  });

  it('sweep merge refuses a --store on a 64 kB file system for the rows of a published shard', () => {
    const local = path.join(root, 'node-local');
    const r = runCli(['sweep', 'run', sweep, '--shard-dir', local, '--workers', '1', '--backend', 'cpu']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const shard = path.join(sweep, 'shards', 'chunk-0.sqlite');
    expect(existsSync(shard)).toBe(true);
    const small = smallFileSystem('tiny-merge', 64 * 1024)!;
    const store = path.join(small, 'results.sqlite');
    const line = oneErrorLine(runCli(['sweep', 'merge', sweep, '--store', store]));
    expect(line).toMatch(new RegExp(`^Error: --store: ${store} has 65\\.5 kB free, and merging 1 shard needs about [\\d.]+ kB; free space there or choose another --store$`));
    // the shard stays published, the small file system empty
    expect(existsSync(shard)).toBe(true);
    expect(readdirSync(small)).toEqual([]);
  });

  it('analyze refuses an --out on a 1 MB file system before the analysis, naming the flag and the path', () => {
    const small = smallFileSystem('tiny-report', 1024 * 1024)!;
    const out = path.join(small, 'report');
    const line = oneErrorLine(runCli(['analyze', '--sweep', path.join(root, 'store', 'results.sqlite'), '--out', out]));
    expect(line).toMatch(new RegExp(`^Error: --out: ${out} has 1\\.0 MB free, and a report of 4 networks needs about 2\\.2 MB; free space there or choose another --out$`));
    expect(readdirSync(small)).toEqual([]);
    expect(reportBytes(4)).toBe(2 * 1024 * 1024 + 4 * 16 * 1024);
  });

  it('reproduce refuses a --dir on a 512 kB file system before it trains', () => {
    const small = smallFileSystem('tiny-reproduce', 512 * 1024)!;
    const dir = path.join(small, 'smoke');
    const line = oneErrorLine(runCli(['reproduce', '--scale', 'smoke', '--dir', dir, '--workers', '1', '--backend', 'cpu']));
    expect(line).toMatch(new RegExp(`^Error: --dir: ${dir} has 524 kB free, and training and storing 8 networks and the report of 8 needs about [\\d.]+ MB; free space there or choose another --dir$`));
    expect(existsSync(path.join(dir, 'work'))).toBe(false);
  });
});

describe('sweep export of a store without networks', () => {
  it('exits 2 with one line naming the store, and writes nothing', () => {
    const dir = path.join(root, 'empty');
    tinyPlan(dir);
    // merging no shards creates the store and records the plan: a store of the sweep with no network
    const merged = runCli(['sweep', 'merge', dir]);
    expect(merged.status).toBe(0);
    const store = path.join(dir, 'results.sqlite');
    expect(existsSync(store)).toBe(true);
    for (const format of ['csv', 'json', 'parquet']) {
      const line = oneErrorLine(runCli(['sweep', 'export', dir, '--format', format]));
      expect(line).toBe(`Error: store ${store} has no networks of sweep empty: nothing to export; run prnn sweep run ${dir} (or prnn sweep merge ${dir} for the shards of array tasks) first`);
    }
    expect(existsSync(path.join(dir, 'export'))).toBe(false);
  });
});
