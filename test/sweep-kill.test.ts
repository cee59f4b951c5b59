import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@prnn/core';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { rowCounts, spawnCli, storedRows, tempDirs } from './sweep-helpers.js';

const tmp = tempDirs('prnn-sweep-kill-');
// the smoke sweep (8 networks in 4 chunks) with enough episodes that a kill lands inside training
const PLAN = ['--preset', 'smoke', '--episodes', '400', '--checkpoint-every', '40', '--name', 'kill'];

describe('prnn sweep run under kill -9', () => {
  it('killed at 20 seeded points of its work and resumed each time, it stores exactly the planned networks once, identical to an uninterrupted run', async () => {
    const a = join(tmp(), 'a');
    const b = join(tmp(), 'b');
    expect(runCli(['sweep', 'plan', a, ...PLAN]).status).toBe(0);
    expect(runCli(['sweep', 'plan', b, ...PLAN]).status).toBe(0);

    const whole = runCli(['sweep', 'run', a, '--workers', '1']);
    expect(whole.stderr).toBe('');
    expect(whole.status).toBe(0);
    const reference = storedRows(join(a, 'results.sqlite'));
    expect(reference).toHaveLength(8);

    // 20 kills, each at a seeded point of the work (the test hook PRNN_TEST_FAULT: the process sends itself
    // SIGKILL right after its n-th checkpoint or its n-th stored network), not at a moment of the wall clock
    const rng = new Rng(20_261_202);
    let killed = 0;
    let sawPartial = false;
    for (let k = 0; k < 20; k++) {
      const point = rng.float() < 0.7 ? `checkpoint:${1 + Math.floor(rng.float() * 3)}` : 'store:1';
      const r = await spawnCli(['sweep', 'run', b, '--workers', '1'], { PRNN_TEST_FAULT: `SIGKILL@${point}` }).done;
      if (r.signal === 'SIGKILL') killed++;
      else expect(r.code).toBe(0);
      if (existsSync(join(b, 'results.sqlite'))) {
        const n = rowCounts(join(b, 'results.sqlite'));
        expect(n.rows).toBe(n.distinct);
        if (n.rows > 0 && n.rows < 8) sawPartial = true;
      }
    }
    // the points are reached while the sweep has work left (a late one may find the sweep done)
    expect(killed).toBeGreaterThanOrEqual(15);
    expect(sawPartial).toBe(true);

    const last = runCli(['sweep', 'run', b, '--workers', '1']);
    expect(last.stderr).toBe('');
    expect(last.status).toBe(0);
    const counts = rowCounts(join(b, 'results.sqlite'));
    expect(counts).toEqual({ rows: 8, distinct: 8 });
    const resumed = storedRows(join(b, 'results.sqlite'));
    expect(resumed.map((r) => r.id)).toEqual(reference.map((r) => r.id));
    for (const [i, r] of resumed.entries()) {
      const ref = reference[i];
      expect(r.weights.equals(ref.weights)).toBe(true);
      expect({ ...r, weights: undefined }).toEqual({ ...ref, weights: undefined });
    }
    // nothing is left to do, and nothing of the interrupted runs is left behind
    const status = JSON.parse(runCli(['sweep', 'status', b, '--json']).stdout);
    expect(status.planned).toBe(8);
    expect(status.done).toBe(8);
    expect(status.chunks.missing + status.chunks.interrupted + status.chunks.running).toBe(0);
  }, 600_000);
});
