import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './run-cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'prnn-interrupt-'));
  dirs.push(dir);
  return dir;
}

/**
 * Runs `prnn train` with the test hook PRNN_TEST_FAULT set to `fault` (e.g. SIGINT@checkpoint:1: the process
 * sends itself the signal right after its first checkpoint, so the interruption lands at a chosen point of the
 * work, not at a moment of the wall clock); returns its exit code and stderr.
 */
function trainAndInterrupt(args: string[], fault: string): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'run.js'), 'train', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', PRNN_TEST_FAULT: fault },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stderr: r.stderr };
}

function weightFiles(run: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of readdirSync(path.join(run, 'networks')).sort()) {
    out[id] = readFileSync(path.join(run, 'networks', id, 'weights.bin')).toString('base64');
  }
  return out;
}

const ARGS = ['--arch', 'fc', '--seeds', '2', '--episodes', '600', '--checkpoint-every', '60', '--test-mazes', '10', '--curve-points', '4'];

describe('prnn train interrupted by a signal', () => {
  it.each([
    ['SIGINT', '2'],
    ['SIGTERM', '1'],
  ] as const)('%s with %s worker(s): checkpoint, one line with the exact resume command, exit 130; resuming gives the uninterrupted weights', (signal, workers) => {
    const root = tmp();
    const full = path.join(root, 'full');
    expect(runCli(['train', ...ARGS, '--workers', workers, '--out', full]).status).toBe(0);
    const out = path.join(root, 'run');
    // the signal arrives right after the first checkpoint (episode 60)
    const r = trainAndInterrupt([...ARGS, '--workers', workers, '--out', out], `${signal}@checkpoint:1`);
    expect(r.code).toBe(130);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^memory: /);
    expect(lines.slice(1)).toHaveLength(1);
    const m = /^Interrupted: training interrupted at episode (\d+) of 600; checkpoint written in (.+); resume with: (prnn train .+)$/.exec(lines[1]);
    expect(m, lines[1]).not.toBeNull();
    expect(m![2]).toBe(out);
    expect(m![3]).toBe(`prnn train ${ARGS.join(' ')} --workers ${workers} --out ${out} --resume`);
    expect(existsSync(path.join(out, 'checkpoint'))).toBe(true);
    expect(existsSync(path.join(out, 'networks'))).toBe(false);
    // a checkpoint at the episode where it stopped, not only at the last tenth
    const manifests = workers === '1' ? [path.join(out, 'checkpoint', 'manifest.json')] : readdirSync(path.join(out, 'checkpoint')).map((s) => path.join(out, 'checkpoint', s, 'manifest.json'));
    const episodes = manifests.map((f) => JSON.parse(readFileSync(f, 'utf8')).episode as number);
    expect(episodes).toContain(Number(m![1]));
    // sent after the first regular checkpoint (episode 60 of a slice), the stop lands before the end; with one
    // thread after that checkpoint, with two wherever the other thread's slice has got to (the line reports the least)
    expect(Number(m![1])).toBeGreaterThanOrEqual(workers === '1' ? 60 : 1);
    expect(Number(m![1])).toBeLessThan(600);
    // the printed command, run as printed, finishes the run with the uninterrupted run's weights
    const resumed = runCli(m![3].split(' ').slice(1));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(weightFiles(out)).toEqual(weightFiles(full));
  }, 120_000);

  it('without --out the line says nothing was saved', () => {
    // the signal arrives as training starts
    const r = trainAndInterrupt([...ARGS, '--workers', '1'], 'SIGINT@start:1');
    expect(r.code).toBe(130);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^Interrupted: training interrupted at episode \d+ of 600; nothing was saved \(no --out\)$/);
  }, 60_000);
});
