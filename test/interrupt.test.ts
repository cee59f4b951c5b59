import { spawn } from 'node:child_process';
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
 * Starts `prnn train`, sends `signal` once training is under way (when `watch` exists: the first periodic
 * checkpoint, a tenth into the run; else a moment after the memory line), resolves with its exit code and stderr.
 */
function trainAndInterrupt(args: string[], signal: NodeJS.Signals, watch?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'run.js'), 'train', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      // the memory line is printed when training starts; interrupt a moment into it
      if (!sent && stderr.includes('memory:')) {
        sent = true;
        if (watch === undefined) setTimeout(() => child.kill(signal), 300);
        else {
          const poll = setInterval(() => {
            if (!existsSync(watch)) return;
            clearInterval(poll);
            child.kill(signal);
          }, 5);
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function weightFiles(run: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of readdirSync(path.join(run, 'networks')).sort()) {
    out[id] = readFileSync(path.join(run, 'networks', id, 'weights.bin')).toString('base64');
  }
  return out;
}

const ARGS = ['--arch', 'fc', '--seeds', '2', '--episodes', '60000', '--test-mazes', '10', '--curve-points', '4'];

describe('prnn train interrupted by a signal', () => {
  it.each([
    ['SIGINT', '2'],
    ['SIGTERM', '1'],
  ] as const)('%s with %s worker(s): checkpoint, one line with the exact resume command, exit 130; resuming gives the uninterrupted weights', async (signal, workers) => {
    const root = tmp();
    const full = path.join(root, 'full');
    expect(runCli(['train', ...ARGS, '--workers', workers, '--out', full]).status).toBe(0);
    const out = path.join(root, 'run');
    const r = await trainAndInterrupt([...ARGS, '--workers', workers, '--out', out], signal, path.join(out, 'checkpoint', ...(workers === '1' ? [] : ['slice-0']), 'manifest.json'));
    expect(r.code).toBe(130);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^memory: /);
    expect(lines.slice(1)).toHaveLength(1);
    const m = /^Interrupted: training interrupted at episode (\d+) of 60000; checkpoint written in (.+); resume with: (prnn train .+)$/.exec(lines[1]);
    expect(m, lines[1]).not.toBeNull();
    expect(m![2]).toBe(out);
    expect(m![3]).toBe(`prnn train ${ARGS.join(' ')} --workers ${workers} --out ${out} --resume`);
    expect(existsSync(path.join(out, 'checkpoint'))).toBe(true);
    expect(existsSync(path.join(out, 'networks'))).toBe(false);
    // a checkpoint at the episode where it stopped, not only at the last tenth
    const manifests = workers === '1' ? [path.join(out, 'checkpoint', 'manifest.json')] : readdirSync(path.join(out, 'checkpoint')).map((s) => path.join(out, 'checkpoint', s, 'manifest.json'));
    const episodes = manifests.map((f) => JSON.parse(readFileSync(f, 'utf8')).episode as number);
    expect(episodes).toContain(Number(m![1]));
    // the signal is sent once the regular checkpoint at episode 600 exists; under load the stop can land on that very episode
    expect(Number(m![1])).toBeGreaterThanOrEqual(600);
    // the printed command, run as printed, finishes the run with the uninterrupted run's weights
    const resumed = runCli(m![3].split(' ').slice(1));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(weightFiles(out)).toEqual(weightFiles(full));
  }, 120_000);

  it('without --out the line says nothing was saved', async () => {
    const r = await trainAndInterrupt([...ARGS, '--workers', '1'], 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^Interrupted: training interrupted at episode \d+ of 60000; nothing was saved \(no --out\)$/);
  }, 60_000);
});
