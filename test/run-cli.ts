import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the compiled CLI (`node bin/run.js …`, built by `npm test` before vitest starts). `timeout` (ms, default
 * 120 000, the tests' own default) kills a hung command; a test whose command is inherently long passes a larger
 * one together with its own test timeout (docs/CONTRIBUTING.md, Testing).
 */
export function runCli(args: string[], options: { cwd?: string; timeout?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: options.timeout ?? 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A failed command's single stderr line `Error: …` (exit status 2, no stack trace). */
export function oneErrorLine(out: CliResult): string {
  if (out.status !== 2) throw new Error(`expected exit status 2, got ${out.status}: ${out.stderr}`);
  const lines = out.stderr.split('\n').filter((l) => l.length > 0);
  if (lines.length !== 1 || /\n\s+at /.test(out.stderr)) throw new Error(`expected one error line, got:\n${out.stderr}`);
  return lines[0];
}

export interface TinyRunOptions {
  /** Architectures (default fc,hh+oh). */
  readonly arch?: string;
  /** Seeds 0 … seeds−1 (default 1). */
  readonly seeds?: number;
  readonly episodes?: number;
  readonly testMazes?: number;
  readonly curvePoints?: number;
  /** Run seed (default 7). */
  readonly seed?: number;
}

/** Trains a tiny real run (default fc and hh+oh, seed 0, 20 episodes, 24 test mazes) into `out` with `prnn train` on the cpu backend. */
export function trainTinyRunCli(out: string, options: TinyRunOptions = {}): void {
  const train = runCli([
    'train', '--arch', options.arch ?? 'fc,hh+oh', '--seeds', String(options.seeds ?? 1), '--episodes', String(options.episodes ?? 20),
    '--test-mazes', String(options.testMazes ?? 24), '--curve-points', String(options.curvePoints ?? 2), '--seed', String(options.seed ?? 7),
    '--backend', 'cpu', '--out', out, '--json',
  ]);
  if (train.status !== 0 || train.stderr !== '') throw new Error(`prnn train failed (${train.status}): ${train.stderr}`);
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

/**
 * Runs many command lines of the compiled CLI in one node process (test/cli-batch.mjs), in order: each result
 * is what `runCli` would give for a command that fails on bad input, without a process start per command.
 */
export function runCliBatch(cases: readonly string[][], options: { cwd?: string } = {}): CliResult[] {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'test', 'cli-batch.mjs')], {
    cwd: options.cwd ?? REPO_ROOT,
    input: JSON.stringify(cases),
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  if (result.error) throw result.error;
  const output = (result.output as (string | null)[])[3];
  if (result.status !== 0 || !output) throw new Error(`cli-batch failed (${result.status}): ${result.stderr}`);
  return JSON.parse(output) as CliResult[];
}

let ordinaryUser: { uid?: number; gid?: number } | null | undefined;

/**
 * Spawn options that run a command as an ordinary user, for tests of permission errors: `nobody` when the tests
 * run as root (root ignores permission bits), else {} (the user the tests run as). null when `nobody` cannot
 * run the CLI from this checkout (e.g. a clone below root's home, mode 0700): such a test then skips and says so.
 */
export function ordinaryUserOptions(): { uid?: number; gid?: number } | null {
  if (ordinaryUser !== undefined) return ordinaryUser;
  if (process.getuid?.() !== 0) {
    ordinaryUser = {};
    return ordinaryUser;
  }
  const nobody = { uid: 65534, gid: 65534 };
  ordinaryUser = runCliAs(nobody, ['--version']).status === 0 ? nobody : null;
  if (ordinaryUser === null) console.log(`the user nobody cannot run ${join(REPO_ROOT, 'bin', 'run.js')} (a directory above it is closed to other users): permission tests that run as nobody skip`);
  return ordinaryUser;
}

/**
 * Runs the compiled CLI as `user` (from {@link ordinaryUserOptions}) from `/`, with HOME and the XDG directories in
 * /tmp so that the user's own configuration and caches are reachable; as `runCli` otherwise.
 */
export function runCliAs(user: { uid?: number; gid?: number }, args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), ...args], {
    encoding: 'utf8',
    cwd: '/',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', HOME: '/tmp', XDG_CONFIG_HOME: '/tmp', XDG_CACHE_HOME: '/tmp', XDG_DATA_HOME: '/tmp' },
    timeout: 120_000,
    ...user,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
