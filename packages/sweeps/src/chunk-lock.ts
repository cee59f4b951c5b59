import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { writeFileAtomic } from '@prnn/core';

/** A heartbeat older than this means the process that held a lock on another machine is gone. */
export const STALE_LOCK_MS = 15 * 60 * 1000;

/**
 * Contents of a chunk's lock file: the holder's host and pid, and ISO-8601 times of taking the lock and of its last
 * heartbeat.
 */
export interface LockInfo {
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly heartbeatAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a lock file; undefined when it is missing (already released) or not valid JSON. */
export async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Whether the process named in a lock still runs: by pid on this machine, by heartbeat elsewhere. */
export function lockHeld(info: LockInfo, now = Date.now()): boolean {
  if (info.host === hostname()) return alive(info.pid) && info.pid !== process.pid;
  return now - Date.parse(info.heartbeatAt) < STALE_LOCK_MS;
}

/**
 * The lock of one chunk (a small JSON file beside its work directory), so that two jobs never train the
 * same chunk at once; a lock left by a killed process is taken over.
 */
export class ChunkLock {
  private constructor(readonly path: string, private readonly info: LockInfo) {}

  /** Takes the lock, or returns who holds it. */
  static async acquire(path: string): Promise<ChunkLock | LockInfo> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = new Date().toISOString();
      const info: LockInfo = { host: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now };
      try {
        const handle = await open(path, 'wx');
        try {
          await handle.writeFile(JSON.stringify(info));
        } finally {
          await handle.close();
        }
        return new ChunkLock(path, info);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readLock(path);
      if (holder && lockHeld(holder)) return holder;
      await rm(path, { force: true });
    }
    return (await readLock(path)) ?? { host: '?', pid: 0, startedAt: '', heartbeatAt: '' };
  }

  /** Rewrites the lock with the current time as `heartbeatAt` (atomic), so other nodes do not take it as stale. */
  async heartbeat(): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify({ ...this.info, heartbeatAt: new Date().toISOString() }));
  }

  /** Removes the lock file (no error when it is already gone). */
  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
