import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { rowCounts, sleep, storedRows, tempDirs } from './sweep-helpers.js';

/** A Slurm cluster answers here (e.g. brought up by scripts/slurm-local.sh up, as .ci/run does). */
function slurmAnswers(): boolean {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /^(idle|mixed|allocated)/m.test(r.stdout);
}

const up = slurmAnswers();
if (!up) console.log('sweep-slurm: no Slurm cluster answers here (sinfo); the real-Slurm test is skipped. As root, scripts/slurm-local.sh up brings one up.');

const tmp = tempDirs('prnn-sweep-slurm-');

function queued(ids: readonly string[]): number {
  const r = spawnSync('squeue', ['-h', '-j', ids.join(','), '-o', '%i'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => l.trim() !== '').length : 0;
}

describe('prnn sweep slurm on a real Slurm cluster', () => {
  it.skipIf(!up)(
    up ? 'submits a smoke sweep as job arrays (split by --max-array-size), merges in a dependent job, and stores every network once' : 'real Slurm run (skipped: no Slurm cluster answers here)',
    async () => {
      const dir = join(tmp(), 'smoke');
      expect(runCli(['sweep', 'plan', dir, '--preset', 'smoke']).status).toBe(0);
      const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { networks: { id: string }[]; chunks: unknown[] };
      expect(plan.chunks).toHaveLength(4);
      const r = runCli(['sweep', 'slurm', dir, '--max-running', '2', '--cpus', '1', '--time', '00:10:00', '--max-array-size', '3', '--submit', '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as { arrays: { offset: number; tasks: number }[]; jobs: { arrays: string[]; merge: string } };
      expect(out.arrays.map((a) => [a.offset, a.tasks])).toEqual([[0, 3], [3, 1]]);
      const ids = [...out.jobs.arrays, out.jobs.merge];
      const deadline = Date.now() + 300_000;
      while (queued(ids) > 0 && Date.now() < deadline) await sleep(1000);
      expect(queued(ids)).toBe(0);

      const store = join(dir, 'results.sqlite');
      expect(rowCounts(store)).toEqual({ rows: 8, distinct: 8 });
      expect(storedRows(store).map((x) => x.id).sort()).toEqual(plan.networks.map((n) => n.id).sort());
      // every task published its shard, the merge job took all four and left none behind
      expect(readdirSync(join(dir, 'shards', 'merged')).sort()).toEqual(['chunk-0.sqlite', 'chunk-1.sqlite', 'chunk-2.sqlite', 'chunk-3.sqlite']);
      expect(readdirSync(join(dir, 'shards')).filter((f) => f.endsWith('.sqlite'))).toEqual([]);
      const logs = readdirSync(join(dir, 'slurm', 'logs'));
      const mergeLog = logs.find((f) => f.includes('-merge-'));
      expect(mergeLog).toBeDefined();
      expect(readFileSync(join(dir, 'slurm', 'logs', mergeLog!), 'utf8')).toMatch(/merged 4 shards: 8 networks added; the store holds 8 of 8 planned/);
      expect(existsSync(join(dir, 'work', 'chunk-0'))).toBe(false);
      const status = JSON.parse(runCli(['sweep', 'status', dir, '--json']).stdout);
      expect(status).toMatchObject({ planned: 8, done: 8, unmerged: 0 });
    },
    400_000,
  );

  it.skipIf(!up)(
    up ? 'prnn reproduce --scale smoke --slurm submits the sweep; the same command afterwards prints the report' : 'reproduce --slurm (skipped: no Slurm cluster answers here)',
    async () => {
      const dir = join(tmp(), 'reproduce');
      const r = runCli(['reproduce', '--scale', 'smoke', '--slurm', '--dir', dir, '--workers', '1', '--time', '00:10:00', '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as { slurm: { jobs: { arrays: string[]; merge: string } } };
      const ids = [...out.slurm.jobs.arrays, out.slurm.jobs.merge];
      const deadline = Date.now() + 300_000;
      while (queued(ids) > 0 && Date.now() < deadline) await sleep(1000);
      const report = runCli(['reproduce', '--scale', 'smoke', '--dir', dir, '--workers', '1', '--json']);
      expect(report.status).toBe(0);
      expect(JSON.parse(report.stdout)).toMatchObject({ planned: 8, done: 8 });
      expect(rowCounts(join(dir, 'results.sqlite'))).toEqual({ rows: 8, distinct: 8 });
    },
    400_000,
  );
});
