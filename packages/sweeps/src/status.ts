import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readLock, lockHeld } from './chunk-lock.js';
import { chunkProgressPath, readChunkProgress, type ChunkProgress } from './chunk-progress.js';
import { pathExists } from './path-exists.js';
import { readPlan, type SweepPlan } from './plan.js';
import { WORK_DIR } from './run-sweep.js';
import { publishedShards } from './shards.js';
import { ResultsStore, STORE_FILE } from './store.js';

/**
 * State of a chunk: in the store, published but not merged, locked by a live process, started and stopped, or not
 * started.
 */
export type ChunkState = 'done' | 'unmerged' | 'running' | 'interrupted' | 'missing';

/** Status of one chunk in `prnn sweep status`: its state, size, stored networks and, while running, its progress. */
export interface ChunkStatus {
  readonly index: number;
  readonly state: ChunkState;
  readonly networks: number;
  /** Networks of the chunk in the store. */
  readonly stored: number;
  /** What a running chunk last reported (training or testing), when it has reported. */
  readonly progress?: ChunkProgress;
}

/**
 * Status of a sweep directory: plan identity, network counts (planned, stored, in shards), chunk states and a time
 * estimate.
 */
export interface SweepStatus {
  readonly dir: string;
  readonly sweep: string;
  readonly planHash: string;
  /** Networks planned, stored in the store, and waiting in published shards. */
  readonly planned: number;
  readonly done: number;
  readonly unmerged: number;
  /**
   * The running chunks' share done, in networks: each running chunk counts networks × its trained fraction
   * (a chunk stores its networks only when all are trained and tested, so `done` alone moves in steps).
   */
  readonly inProgress: number;
  readonly chunks: { readonly total: number } & Readonly<Record<ChunkState, number>>;
  /**
   * Networks per second: while chunks run, their live training rates (network-episodes/s ÷ episodes per
   * network, summed over running chunks); otherwise the stored networks over the time from the start of the
   * earliest stored chunk (its first store time less its training and testing seconds) to the last store
   * (null when nothing is stored).
   */
  readonly networksPerSecond: number | null;
  /** Where networksPerSecond came from. */
  readonly rateSource: 'running' | 'store' | null;
  /** Seconds left at that rate for the networks not stored or waiting in shards (null when unknown). */
  readonly etaSeconds: number | null;
  readonly perChunk: readonly ChunkStatus[];
  readonly store: string;
  readonly journalMode: string | null;
}


/**
 * Where a sweep stands: per chunk done (in the store), unmerged (a published shard), running (a live lock),
 * interrupted (a work directory with a checkpoint but no live process) or missing; networks per second from
 * the store's finish times and an ETA for the rest.
 */
export async function sweepStatus(dir: string, options: { store?: string; workDir?: string; busyTimeoutMs?: number } = {}): Promise<SweepStatus> {
  const plan: SweepPlan = await readPlan(dir);
  const storePath = options.store ?? join(dir, STORE_FILE);
  const workDir = options.workDir ?? join(dir, WORK_DIR);
  let byChunk = new Map<number, number>();
  let spans: ReturnType<ResultsStore['chunkTimes']> = [];
  let journalMode: string | null = null;
  if (await pathExists(storePath)) {
    // read-only: status never takes the write lock, so it runs beside the writers (and on read-only copies)
    const store = ResultsStore.open(storePath, { create: false, readonly: true, busyTimeoutMs: options.busyTimeoutMs });
    try {
      if (store.sweeps().length > 0) store.bindPlan(plan);
      byChunk = store.countByChunk(plan.sweep);
      spans = store.chunkTimes(plan.sweep);
      journalMode = store.journalMode;
    } finally {
      store.close();
    }
  }
  const shards = new Set((await publishedShards(dir, plan)).map((s) => s.chunk));
  const work = new Set(await readdir(workDir).catch(() => [] as string[]));
  const perChunk: ChunkStatus[] = [];
  const counts: Record<ChunkState, number> = { done: 0, unmerged: 0, running: 0, interrupted: 0, missing: 0 };
  let done = 0;
  let unmerged = 0;
  let inProgress = 0;
  let liveRate = 0;
  for (const c of plan.chunks) {
    const networks = c.to - c.from;
    const stored = byChunk.get(c.index) ?? 0;
    done += stored;
    let state: ChunkState;
    if (stored === networks) state = 'done';
    else if (shards.has(c.index)) state = 'unmerged';
    else {
      const lock = work.has(`chunk-${c.index}.lock`) ? await readLock(join(workDir, `chunk-${c.index}.lock`)) : undefined;
      state = lock && lockHeld(lock) ? 'running' : work.has(`chunk-${c.index}`) ? 'interrupted' : 'missing';
    }
    if (state === 'unmerged') unmerged += networks - stored;
    counts[state]++;
    const progress = state === 'running' ? await readChunkProgress(chunkProgressPath(workDir, c.index)) : undefined;
    if (progress && progress.total > 0) {
      const trained = progress.phase === 'testing' ? 1 : Math.min(1, progress.done / progress.total);
      inProgress += (networks - stored) * trained;
      if (progress.phase === 'training' && progress.rate > 0) liveRate += progress.rate / (progress.total / networks);
    }
    perChunk.push({ index: c.index, state, networks, stored, ...(progress ? { progress } : {}) });
  }
  const planned = plan.networks.length;
  // a chunk stores all its networks within a second: the span starts when the earliest stored chunk started
  const started = Math.min(...spans.map((c) => c.firstStored - c.seconds * 1000));
  const span = spans.length > 0 ? (Math.max(...spans.map((c) => c.lastStored)) - started) / 1000 : 0;
  const storeRate = span > 0 ? done / span : null;
  const rateSource = liveRate > 0 ? 'running' : storeRate !== null ? 'store' : null;
  const networksPerSecond = liveRate > 0 ? liveRate : storeRate;
  const left = planned - done - unmerged;
  const etaSeconds = left === 0 ? 0 : networksPerSecond ? Math.max(0, left - inProgress) / networksPerSecond : null;
  return {
    dir,
    sweep: plan.sweep,
    planHash: plan.hash,
    planned,
    done,
    unmerged,
    inProgress,
    chunks: { total: plan.chunks.length, ...counts },
    networksPerSecond,
    rateSource,
    etaSeconds,
    perChunk,
    store: storePath,
    journalMode,
  };
}
