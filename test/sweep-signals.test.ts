import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { spawnCli, storedRows, tempDirs } from './sweep-helpers.js';

const tmp = tempDirs('prnn-sweep-signals-');
// one chunk of two networks; the test hook stops it at its second checkpoint (episode 200), the signal then lands
// at the third (300): 1 000 episodes keep both in the middle of training, whatever the machine's speed
const PLAN = ['--arch', 'fc,hh', '--seeds', '1', '--chunk-size', '2', '--episodes', '1000', '--checkpoint-every', '100', '--test-mazes', '20', '--curve-points', '10', '--noise', '0,0.05', '--name', 'signals'];

async function stopAndResume(signal: 'SIGTERM' | 'SIGINT', code: number, reference: ReturnType<typeof storedRows>): Promise<void> {
  const dir = join(tmp(), signal);
  expect(runCli(['sweep', 'plan', dir, ...PLAN]).status).toBe(0);
  // the test hook freezes the run right after its second checkpoint (episode 200 of 1 000)
  const run = spawnCli(['sweep', 'run', dir, '--workers', '1'], { PRNN_TEST_FAULT: 'SIGSTOP@checkpoint:2' });
  expect(await run.stopped()).toBe(true);
  const manifest = join(dir, 'work', 'chunk-0', 'checkpoint', 'manifest.json');
  expect(JSON.parse(readFileSync(manifest, 'utf8')).episode).toBe(200);
  // while it trains, status sees the chunk running
  expect(JSON.parse(runCli(['sweep', 'status', dir, '--json']).stdout).chunks).toMatchObject({ running: 1, missing: 0 });
  // the signal waits while the process is stopped, and is handled as soon as it continues
  run.kill(signal);
  run.kill('SIGCONT');
  const r = await run.done;
  expect(r.code).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toEqual([`${signal}: stopping at the next checkpoint (send it again to stop at once)`, `stopped by ${signal}: checkpoint written; run the same command to continue`]);
  expect(r.stdout).toMatch(/^chunk 0: interrupted; checkpoint written$/m);
  expect(readdirSync(join(dir, 'work', 'chunk-0', 'checkpoint')).some((f) => /^state-\d+\.bin$/.test(f))).toBe(true);
  expect(JSON.parse(runCli(['sweep', 'status', dir, '--json']).stdout)).toMatchObject({ done: 0, chunks: { interrupted: 1, running: 0 } });
  const resumed = runCli(['sweep', 'run', dir, '--workers', '1']);
  expect(resumed.status).toBe(0);
  const rows = storedRows(join(dir, 'results.sqlite'));
  expect(rows.map((x) => x.id)).toEqual(reference.map((x) => x.id));
  for (const [i, row] of rows.entries()) {
    expect(row.weights.equals(reference[i].weights)).toBe(true);
    expect({ ...row, weights: undefined }).toEqual({ ...reference[i], weights: undefined });
  }
  expect(existsSync(join(dir, 'work', 'chunk-0'))).toBe(false);
}

describe('prnn sweep run and signals', () => {
  it('SIGTERM and SIGINT write a checkpoint and exit (143, 130) with plain lines; resuming gives the uninterrupted results', async () => {
    const whole = join(tmp(), 'whole');
    expect(runCli(['sweep', 'plan', whole, ...PLAN]).status).toBe(0);
    expect(runCli(['sweep', 'run', whole, '--workers', '1']).status).toBe(0);
    const reference = storedRows(join(whole, 'results.sqlite'));
    expect(reference).toHaveLength(2);
    await stopAndResume('SIGTERM', 143, reference);
    await stopAndResume('SIGINT', 130, reference);
  }, 300_000);
});
