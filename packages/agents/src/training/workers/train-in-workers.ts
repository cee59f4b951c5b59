import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { PrnnError } from '@prnn/env';
import type { NetworkResult, TrainResult } from '../../sdk/learner.js';
import type { SliceRequest, SliceResult } from './train-worker.js';

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

/**
 * The compiled worker module. Worker threads run JavaScript, so when this module itself runs from the
 * TypeScript sources (tests), the worker is the compiled copy in dist/ (built by `npm run build`).
 */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts')
    ? here.replace(/([\\/])src([\\/])training([\\/])workers([\\/])[^\\/]+\.ts$/, '$1dist$2training$3workers$4train-worker.js')
    : here.replace(/[^\\/]+\.js$/, 'train-worker.js');
  if (!existsSync(file)) throw new PrnnError(`the training worker ${file} does not exist: build the packages first (npm run build)`);
  return file;
}

/**
 * The parent's Node flags minus export conditions: a parent running the TypeScript sources (the `source`
 * condition, as the tests do) must not make the compiled worker import TypeScript.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-C' || args[i] === '--conditions') i++;
    else if (!args[i].startsWith('--conditions=') && !args[i].startsWith('-C=')) out.push(args[i]);
  }
  return out;
}

/**
 * Trains the members of `request` on worker threads, each slice an independent population, and returns the
 * networks in member order. A network's randomness comes only from its own seed and the run seed, and a
 * population computes every network as it would alone, so the result does not depend on `workers` or `slices`.
 */
export async function trainInWorkers(request: SliceRequest, opts: TrainInWorkersOptions): Promise<TrainResult> {
  const { workers } = opts;
  if (!Number.isInteger(workers) || workers < 1) throw new PrnnError(`workers must be an integer ≥ 1 (got ${workers})`);
  const slices = opts.slices ?? workers;
  if (!Number.isInteger(slices) || slices < 1) throw new PrnnError(`slices must be an integer ≥ 1 (got ${slices})`);
  if (request.members.length === 0) throw new PrnnError('there are no networks to train');
  const pool = new Piscina({ filename: workerFile(), minThreads: 0, maxThreads: workers, idleTimeout: 1000, execArgv: workerExecArgv() });
  try {
    const bounds = sliceBounds(request.members.length, slices);
    // a worker that cannot even load its module fails outside any task: surface that instead of waiting forever
    const failed = new Promise<never>((_, reject) => pool.on('error', (err: unknown) => reject(err)));
    const results = await Promise.race([
      Promise.all(bounds.map(([from, to]) => pool.run({ ...request, members: request.members.slice(from, to) }) as Promise<SliceResult>)),
      failed,
    ]);
    const networks: NetworkResult[] = results.flatMap((r) => r.networks);
    // training time (evaluation excluded, as each learner reports it), spread over the threads that ran at once
    let episodes = 0;
    let seconds = 0;
    results.forEach((r) => {
      const e = r.networks.reduce((s, n) => s + n.episodes, 0);
      episodes += e;
      if (r.netEpisodesPerSecond > 0) seconds += e / r.netEpisodesPerSecond;
    });
    const parallel = Math.min(workers, bounds.length);
    return { networks, netEpisodesPerSecond: seconds > 0 ? (episodes * parallel) / seconds : Number.NaN, backend: results[0].backend };
  } finally {
    await pool.destroy();
  }
}
