import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { REPO_ROOT } from './run-cli.js';

/** Temporary directories removed after the file's tests. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** The result columns of a store that must not depend on how often the sweep was interrupted. */
export interface StoredRow {
  id: string;
  chunk: number;
  arch: string;
  seed: number;
  episodes: number;
  fitness: number | null;
  training_curve: string;
  noise_levels: string;
  noise_fitness: string;
  robustness: number | null;
  measures: string;
  weights: Buffer;
  weights_layout: string;
  plan_hash: string;
}

/** Every network row of a store file, read with plain SQL (not through the store class under test). */
export function storedRows(file: string): StoredRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT id, chunk, arch, seed, episodes, fitness, training_curve, noise_levels, noise_fitness, robustness, measures, weights, weights_layout, plan_hash FROM networks ORDER BY id')
      .all() as StoredRow[];
  } finally {
    db.close();
  }
}

/** COUNT(*) and COUNT(DISTINCT sweep, id) of the networks table. */
export function rowCounts(file: string): { rows: number; distinct: number } {
  const db = new Database(file, { readonly: true });
  try {
    // a process killed while creating the store leaves a file without tables
    if (db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'networks'").pluck().get() === 0) return { rows: 0, distinct: 0 };
    return db.prepare('SELECT COUNT(*) AS rows, COUNT(DISTINCT sweep || char(0) || id) AS "distinct" FROM networks').get() as { rows: number; distinct: number };
  } finally {
    db.close();
  }
}

export interface Spawned {
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
  readonly stderrSoFar: () => string;
  /** Resolves once the process is stopped (SIGSTOP, e.g. from PRNN_TEST_FAULT=SIGSTOP@…) or has ended: true when stopped. */
  readonly stopped: () => Promise<boolean>;
}

/** Starts the compiled CLI without waiting for it. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  let ended = false;
  void done.then(() => (ended = true), () => (ended = true));
  // the process state from /proc (Linux): 'T' once it is stopped; waited for, not timed
  const state = (): string | undefined => {
    try {
      return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${child.pid}/stat`, 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  };
  const stopped = async (): Promise<boolean> => {
    // polled every few ms: a condition is awaited, no moment is aimed at
    while (!ended && state() !== 'T') await new Promise((r) => setTimeout(r, 5));
    return !ended;
  };
  return { done, kill: (signal) => child.kill(signal), stderrSoFar: () => stderr, stopped };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
