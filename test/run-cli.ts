import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI (`node bin/run.js …`, built by `npm test` before vitest starts). */
export function runCli(args: string[], options: { cwd?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Asserts a failed command's contract (exit 2, one line on stderr, no stack trace) and returns that line. */
export function oneErrorLine(out: { status: number | null; stderr: string }): string {
  expect(out.status, out.stderr).toBe(2);
  const lines = out.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, out.stderr).toHaveLength(1);
  expect(out.stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}
