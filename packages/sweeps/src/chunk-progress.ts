import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@prnn/core';

/** What a running chunk last reported: network-episodes trained, then networks tested. */
export interface ChunkProgress {
  readonly chunk: number;
  readonly phase: 'training' | 'testing';
  /** Network-episodes (training) or networks (testing) done and planned. */
  readonly done: number;
  readonly total: number;
  /** Network-episodes per second while training (0 while testing). */
  readonly rate: number;
  readonly host: string;
  readonly pid: number;
  readonly updatedAt: string;
}

/** A chunk's progress file, beside its lock in the work directory (visible to `prnn sweep status` on any node). */
export function chunkProgressPath(workDir: string, chunk: number): string {
  return join(workDir, `chunk-${chunk}.progress.json`);
}

/** Reads a chunk's progress file; undefined when it is missing or not valid JSON. */
export async function readChunkProgress(path: string): Promise<ChunkProgress | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ChunkProgress;
  } catch {
    return undefined;
  }
}

/** How often a chunk rewrites its progress file: status needs seconds, not every episode. */
const WRITE_EVERY_MS = 2_000;

/**
 * Writes a chunk's progress file at most every WRITE_EVERY_MS (and always at the end), atomically and in
 * order (one write at a time); a failed write is dropped — progress is advisory, the store is the truth.
 */
export class ChunkProgressWriter {
  private last = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly chunk: number,
  ) {}

  /**
   * Records progress; writes the file (atomic, in the background) at most every 2 s, and always when done reaches
   * total.
   */
  update(phase: ChunkProgress['phase'], done: number, total: number, rate: number): void {
    const now = Date.now();
    if (now - this.last < WRITE_EVERY_MS && done < total) return;
    this.last = now;
    const value: ChunkProgress = { chunk: this.chunk, phase, done, total, rate, host: hostname(), pid: process.pid, updatedAt: new Date(now).toISOString() };
    this.pending = this.pending.then(() => writeFileAtomic(this.path, JSON.stringify(value)).catch(() => undefined));
  }

  /** Resolves when every write asked for so far is on disk (or has failed, which is ignored). */
  flushed(): Promise<void> {
    return this.pending;
  }

  /** Waits for the writes in flight and removes the file (the chunk is stored or stopped). */
  async remove(): Promise<void> {
    await this.pending;
    await rm(this.path, { force: true });
  }
}
