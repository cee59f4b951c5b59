import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/env';
import { checkBuildIsCurrent, workerExecArgv } from '@prnn/agents';
import type { NetworkAnalysis } from './network-analysis.js';

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

/** Parent → worker. */
export interface AnalysisRequest extends AnalysisJob {
  readonly k: number;
}

/** Worker → parent. */
export type AnalysisReply =
  | { readonly k: number; readonly network: NetworkAnalysis }
  | { readonly k: number; readonly error: string; readonly prnn: boolean };

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
    checkBuildIsCurrent([analysis, path.join(analysis, '..', 'agents'), path.join(analysis, '..', 'env')]);
  }
  return file;
}

/**
 * Worker threads that each analyse one network at a time (analyzeRunNetwork), networks handed out in
 * order as threads free up; results come back in job order, so they do not depend on the number of threads.
 */
export class AnalysisWorkerPool {
  private readonly threads: Worker[];

  constructor(
    readonly workers: number,
    setup: AnalysisWorkerSetup,
  ) {
    const file = analysisWorkerFile();
    const workerData: AnalysisWorkerSetup = { ...setup, backend: setup.backend ?? (tf.getBackend() || undefined) };
    this.threads = Array.from({ length: workers }, () => new Worker(file, { workerData, execArgv: workerExecArgv() }));
  }

  /** Analyses `jobs` on the threads; `onDone(done, id)` after each network. */
  async analyze(jobs: readonly AnalysisJob[], onDone?: (done: number, id: string) => void): Promise<NetworkAnalysis[]> {
    const out = new Array<NetworkAnalysis>(jobs.length);
    let next = 0;
    let done = 0;
    const lane = (worker: Worker) =>
      new Promise<void>((resolve, reject) => {
        const give = () => {
          if (next >= jobs.length) {
            cleanup();
            resolve();
            return;
          }
          const k = next++;
          worker.postMessage({ ...jobs[k], k } satisfies AnalysisRequest);
        };
        const onMessage = (m: AnalysisReply) => {
          if ('error' in m) {
            cleanup();
            next = jobs.length;
            reject(m.prnn ? new PrnnError(m.error) : new Error(m.error));
            return;
          }
          out[m.k] = m.network;
          onDone?.(++done, jobs[m.k].id);
          give();
        };
        const onError = (error: Error) => {
          cleanup();
          next = jobs.length;
          reject(error);
        };
        const onExit = (code: number) => onError(new Error(`an analysis worker stopped (exit code ${code})`));
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        give();
      });
    await Promise.all(this.threads.map(lane));
    return out;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}
