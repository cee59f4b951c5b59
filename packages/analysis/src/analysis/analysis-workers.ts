import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/core';
import { checkBuildIsCurrent, workerExecArgv } from '@prnn/agents';
import type { TaskOptions } from '@prnn/env';
import type { NetworkAnalysis } from './network-analysis.js';
import type { StoredNetwork } from './analyze-stored.js';
import type { CrossValidatedRmse, ForestOptions } from '../predict/random-forest-cv.js';

/** What every analysis worker is set up with (plain data). */
export interface AnalysisWorkerSetup {
  readonly mazes: number;
  readonly noise: readonly number[];
  readonly measures: readonly string[];
  readonly fdStep?: number;
  readonly jacobianPath?: string;
  /** Where workers load plugins by name: the directory of prnn.config.json, and more plugin specs. */
  readonly plugins: { readonly cwd?: string; readonly extra?: readonly string[] };
  /** The tfjs backend the caller computes with. */
  readonly backend?: string;
}

/** One network to analyse: its run directory and id. */
export interface AnalysisJob {
  readonly dir: string;
  readonly id: string;
  readonly several: boolean;
}

/** One network of a results store to analyse, handed over with its stored data (weights, curve, noise sweep). */
export interface StoredAnalysisJob {
  readonly network: StoredNetwork;
  readonly task: TaskOptions;
  /** The sweep's run seed (the test set is runSeed + TEST_SET_SEED_OFFSET). */
  readonly runSeed: number;
  /** The store's path (error messages) and how the report names it. */
  readonly path: string;
  readonly source: string;
  /** The stored noise sweep to reuse, if any. */
  readonly storedSweep?: readonly number[];
}

/** Parent → worker: a network to analyse (of a run directory or of a store), or one forest of the prediction study. */
export type AnalysisRequest =
  | ({ readonly kind: 'network'; readonly k: number } & AnalysisJob)
  | ({ readonly kind: 'stored'; readonly k: number } & StoredAnalysisJob)
  | { readonly kind: 'forest'; readonly k: number; readonly rows: number[][]; readonly y: number[]; readonly options: ForestOptions };

/** Worker → parent. */
export type AnalysisReply =
  | { readonly k: number; readonly value: NetworkAnalysis | CrossValidatedRmse }
  | { readonly k: number; readonly error: string; readonly prnn: boolean };

type Request = AnalysisRequest extends infer R ? (R extends { k: number } ? Omit<R, 'k'> : never) : never;

interface Waiting {
  readonly request: Request;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The compiled worker module; from the TypeScript sources (tests), the compiled copy in dist/, which must be current. */
function analysisWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const fromSources = here.endsWith('.ts');
  const file = fromSources
    ? here.replace(/([\\/])src([\\/])analysis([\\/])[^\\/]+\.ts$/, '$1dist$2analysis$3analysis-worker.js')
    : here.replace(/[^\\/]+\.js$/, 'analysis-worker.js');
  if (!existsSync(file)) throw new PrnnError(`the analysis worker ${file} does not exist: build the packages first (npm run build)`);
  if (fromSources) {
    const analysis = path.resolve(path.dirname(here), '..', '..');
    checkBuildIsCurrent([analysis, path.join(analysis, '..', 'agents'), path.join(analysis, '..', 'env'), path.join(analysis, '..', 'core')]);
  }
  return file;
}

/**
 * Worker threads that each analyse one network, or compute one forest, at a time: requests are handed out
 * in order as threads free up, and every answer goes to its own request, so results do not depend on the
 * number of threads.
 */
export class AnalysisWorkerPool {
  private readonly threads: Worker[];
  private readonly idle: Worker[];
  private readonly queue: Waiting[] = [];
  private readonly running = new Map<number, Waiting>();
  private next = 0;
  private failure: Error | undefined;

  constructor(
    readonly workers: number,
    setup: AnalysisWorkerSetup,
  ) {
    const file = analysisWorkerFile();
    const workerData: AnalysisWorkerSetup = { ...setup, backend: setup.backend ?? (tf.getBackend() || undefined) };
    this.threads = Array.from({ length: workers }, () => new Worker(file, { workerData, execArgv: workerExecArgv() }));
    this.idle = [...this.threads];
    for (const worker of this.threads) {
      worker.on('message', (m: AnalysisReply) => this.answer(worker, m));
      worker.on('error', (error: Error) => this.fail(error));
      worker.on('exit', (code: number) => this.fail(new Error(`an analysis worker stopped (exit code ${code})`)));
    }
  }

  private answer(worker: Worker, m: AnalysisReply): void {
    const waiting = this.running.get(m.k);
    this.running.delete(m.k);
    this.idle.push(worker);
    if (waiting) {
      if ('error' in m) waiting.reject(m.prnn ? new PrnnError(m.error) : new Error(m.error));
      else waiting.resolve(m.value);
    }
    this.pump();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const w of [...this.running.values(), ...this.queue.splice(0)]) w.reject(error);
    this.running.clear();
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const waiting = this.queue.shift()!;
      const k = this.next++;
      this.running.set(k, waiting);
      worker.postMessage({ ...waiting.request, k } as AnalysisRequest);
    }
  }

  private run<T>(request: Request): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ request, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Analyses `jobs` on the threads, results in job order; `onDone(done, id)` after each network. */
  async analyze(jobs: readonly AnalysisJob[], onDone?: (done: number, id: string) => void): Promise<NetworkAnalysis[]> {
    let done = 0;
    return Promise.all(
      jobs.map((job) =>
        this.run<NetworkAnalysis>({ kind: 'network', ...job }).then((n) => {
          onDone?.(++done, job.id);
          return n;
        }),
      ),
    );
  }

  /** Analyses stored networks on the threads, results in job order; `onDone(done, id)` after each network. */
  async analyzeStored(jobs: readonly StoredAnalysisJob[], onDone?: (done: number, id: string) => void): Promise<NetworkAnalysis[]> {
    let done = 0;
    return Promise.all(
      jobs.map((job) =>
        this.run<NetworkAnalysis>({ kind: 'stored', ...job }).then((n) => {
          onDone?.(++done, job.network.id);
          return n;
        }),
      ),
    );
  }

  /** crossValidatedForest on a thread. */
  forest(rows: number[][], y: number[], options: ForestOptions): Promise<CrossValidatedRmse> {
    return this.run<CrossValidatedRmse>({ kind: 'forest', rows, y, options });
  }

  async destroy(): Promise<void> {
    this.fail(new Error('the analysis workers were stopped'));
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}
