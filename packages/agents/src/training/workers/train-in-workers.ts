import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { PrnnError } from '@prnn/core';
import { TrainingStopped } from '../../sdk/training-stopped.js';
import type { LearnerState, NetworkResult, TrainResult } from '../../sdk/learner.js';
import { WORKER_PROTOCOL, type ParentMessage, type SliceRequest, type SliceResult, type WorkerMessage } from './worker-protocol.js';

/** Options of training in worker threads: the number of workers and the slices the members are cut into. */
export interface TrainInWorkersOptions {
  /** Worker threads (each trains one contiguous slice of the members at a time). */
  readonly workers: number;
  /** Slices to cut the members into (default: `workers`); more slices than workers balance uneven speeds. */
  readonly slices?: number;
}

/** Contiguous, near-equal slices [from, to) of `count` members (never empty). */
export function sliceBounds(count: number, slices: number): [number, number][] {
  const k = Math.min(count, slices);
  const out: [number, number][] = [];
  for (let s = 0; s < k; s++) out.push([Math.floor((s * count) / k), Math.floor(((s + 1) * count) / k)]);
  return out;
}

/** `workers` checked: an integer ≥ 1 (a PrnnError naming `flag` otherwise). */
export function checkWorkers(workers: number, flag = 'workers'): number {
  if (!Number.isInteger(workers) || workers < 1) throw new PrnnError(`${flag} must be an integer ≥ 1 (got ${workers})`);
  return workers;
}

/** Newest modification time (ms) of the .ts files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * When the caller runs the TypeScript sources (tests), the workers run the compiled dist/ of @prnn/agents
 * and of @prnn/env and @prnn/core: refuse a build older than its sources (tsc -b rewrites dist/.tsbuildinfo on every build,
 * even when no output changed) rather than train with stale code.
 */
export function checkBuildIsCurrent(packageRoots: readonly string[]): void {
  for (const root of packageRoots) {
    const src = path.join(root, 'src');
    const info = path.join(root, 'dist', '.tsbuildinfo');
    if (!existsSync(src)) continue;
    if (!existsSync(info)) {
      throw new PrnnError(`the training workers need the compiled packages, but ${path.join(root, 'dist')} has no build: run npm run build`);
    }
    if (newestSource(src) > statSync(info).mtimeMs) {
      throw new PrnnError(`the training workers run ${path.join(root, 'dist')}, which is older than its sources: run npm run build`);
    }
  }
}

/**
 * The compiled worker module. Worker threads run JavaScript, so when this module itself runs from the
 * TypeScript sources (tests), the worker is the compiled copy in dist/ (built by `npm run build`), and it
 * must be current.
 */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const fromSources = here.endsWith('.ts');
  const file = fromSources
    ? here.replace(/([\\/])src([\\/])training([\\/])workers([\\/])[^\\/]+\.ts$/, '$1dist$2training$3workers$4train-worker.js')
    : here.replace(/[^\\/]+\.js$/, 'train-worker.js');
  if (!existsSync(file)) throw new PrnnError(`the training worker ${file} does not exist: build the packages first (npm run build)`);
  if (fromSources) {
    const agents = path.resolve(path.dirname(here), '..', '..', '..');
    checkBuildIsCurrent([agents, path.join(agents, '..', 'env'), path.join(agents, '..', 'core')]);
  }
  return file;
}

/**
 * The parent's Node flags minus export conditions: a parent running the TypeScript sources (the `source`
 * condition, as the tests do) must not make the compiled worker import TypeScript.
 */
export function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-C' || args[i] === '--conditions') i++;
    else if (!args[i].startsWith('--conditions=') && !args[i].startsWith('-C=')) out.push(args[i]);
  }
  return out;
}

/** What the parent does with a slice's messages while it trains. */
export interface SliceHooks {
  onProgress?(episode: number, loss: number | undefined): void;
  /** Stores a checkpoint of the slice; the worker waits for it. */
  saveCheckpoint?(state: LearnerState): Promise<void>;
  /** Shared stop flag (`Int32Array` on a SharedArrayBuffer); 1 = stop after the next checkpoint. */
  readonly stop?: Int32Array;
  readonly checkpointEvery?: number;
  /** Report progress also after every this many episodes. */
  readonly progressEvery?: number;
}

/** A SharedArrayBuffer-backed stop flag for `SliceHooks.stop`. */
export function createStopFlag(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/**
 * A pool of training worker threads. A worker that cannot even load its module fails outside any task;
 * every `run` then rejects with that error instead of waiting forever.
 */
export class TrainWorkerPool {
  readonly workers: number;
  private readonly pool: Piscina;
  private readonly failed: Promise<never>;

  /**
   * `keepAlive`: the threads stay up until `destroy` (their loaded modules and caches with them), for a
   * caller that hands them work phase after phase; otherwise an idle thread exits after a second.
   */
  constructor(workers: number, options: { readonly keepAlive?: boolean } = {}) {
    this.workers = checkWorkers(workers);
    const idle = { minThreads: options.keepAlive ? workers : 0, idleTimeout: 1000 };
    this.pool = new Piscina({ filename: workerFile(), maxThreads: workers, ...idle, execArgv: workerExecArgv() });
    this.failed = new Promise<never>((_, reject) => this.pool.on('error', (err: unknown) => reject(err)));
    this.failed.catch(() => {});
  }

  /** Trains one slice on a worker thread (queued when every thread is busy). */
  async run(request: Omit<SliceRequest, 'port' | 'stop' | 'protocol' | 'checkpointEvery' | 'progressEvery'>, hooks: SliceHooks = {}): Promise<SliceResult> {
    const { port1, port2 } = new MessageChannel();
    // a checkpoint this thread failed to write (e.g. ENOSPC) is the error to report, with its code and path,
    // rather than the worker's copy of its message
    let saveError: unknown;
    port1.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') {
        hooks.onProgress?.(m.episode, m.loss);
      } else if (m.type === 'checkpoint') {
        const save = hooks.saveCheckpoint ?? (async () => {});
        save(m.state).then(
          () => port1.postMessage({ type: 'saved' } satisfies ParentMessage),
          (err: unknown) => {
            saveError ??= err;
            port1.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies ParentMessage);
          },
        );
      }
    });
    try {
      const task: SliceRequest = {
        ...request,
        protocol: WORKER_PROTOCOL,
        port: port2,
        stop: hooks.stop,
        checkpointEvery: hooks.saveCheckpoint ? hooks.checkpointEvery : undefined,
        ...(hooks.progressEvery !== undefined ? { progressEvery: hooks.progressEvery } : {}),
      };
      const result = (await Promise.race([this.pool.run(task, { transferList: [port2] }), this.failed]).catch((error: unknown) => {
        throw saveError ?? error;
      })) as SliceResult;
      if (result.protocol !== WORKER_PROTOCOL) {
        throw new PrnnError(`the compiled training worker is out of date (protocol ${result.protocol}, expected ${WORKER_PROTOCOL}): run npm run build`);
      }
      if (result.stopped) throw TrainingStopped.from(result.stopped);
      return result;
    } finally {
      port1.close();
    }
  }

  /** Runs a named export of the worker module with plain data (benchmarks). */
  async call<T>(name: string, request: unknown): Promise<T> {
    return (await Promise.race([this.pool.run(request, { name }), this.failed])) as T;
  }

  /** Terminates the worker threads. */
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/**
 * Trains the members of `request` on worker threads, each slice an independent population, and returns the
 * networks in member order. A network's randomness comes only from its own seed and the run seed, and a
 * population computes every network as it would alone, so the result does not depend on `workers` or `slices`.
 */
export async function trainInWorkers(request: Omit<SliceRequest, 'port' | 'stop' | 'protocol' | 'checkpointEvery' | 'progressEvery'>, opts: TrainInWorkersOptions): Promise<TrainResult> {
  const workers = checkWorkers(opts.workers);
  const slices = opts.slices ?? workers;
  if (!Number.isInteger(slices) || slices < 1) throw new PrnnError(`slices must be an integer ≥ 1 (got ${slices})`);
  if (request.members.length === 0) throw new PrnnError('there are no networks to train');
  const pool = new TrainWorkerPool(workers);
  try {
    const bounds = sliceBounds(request.members.length, slices);
    const results = await Promise.all(bounds.map(([from, to]) => pool.run({ ...request, members: request.members.slice(from, to) })));
    const networks: NetworkResult[] = results.flatMap((r) => r.networks);
    return { networks, netEpisodesPerSecond: parallelRate(results, Math.min(workers, bounds.length)), backend: results[0].backend };
  } finally {
    await pool.destroy();
  }
}

/**
 * Network-episodes per second of slices trained `parallel` at a time: their training time (evaluation
 * excluded, as each learner reports it) spread over the threads that ran at once.
 */
export function parallelRate(results: readonly { networks: readonly NetworkResult[]; netEpisodesPerSecond: number }[], parallel: number, episodes?: readonly number[]): number {
  let total = 0;
  let seconds = 0;
  results.forEach((r, k) => {
    const e = episodes?.[k] ?? r.networks.reduce((s, n) => s + n.episodes, 0);
    total += e;
    if (r.netEpisodesPerSecond > 0) seconds += e / r.netEpisodesPerSecond;
  });
  return seconds > 0 ? (total * parallel) / seconds : Number.NaN;
}
