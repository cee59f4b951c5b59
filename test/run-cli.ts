import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Temporary directories made by `project`, for the caller's afterAll to remove. */
export const projectDirs: string[] = [];

/** A user's project directory: node_modules linked to the repository's, and the given files. */
export function project(files: Record<string, string>, prefix = 'prnn-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  projectDirs.push(dir);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The one `Error: …` line of a failed command (exit 2, nothing else on stderr, no stack trace). */
export function oneErrorLine(out: { status: number | null; stderr: string }): string {
  expect(out.status).toBe(2);
  const lines = out.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  expect(out.stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}
