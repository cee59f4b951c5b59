import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkLock, STALE_LOCK_MS } from '../src/index.js';
import { tempDirs } from './helpers.js';

const tmp = tempDirs('prnn-lock-');

describe('chunk lock', () => {
  it('is refused while its holder lives, and taken over from a dead or silent holder', async () => {
    const file = join(tmp(), 'chunk-0.lock');
    const now = new Date().toISOString();
    const write = (host: string, pid: number, heartbeatAt: string) => writeFileSync(file, JSON.stringify({ host, pid, startedAt: now, heartbeatAt }));
    // a live process on this machine (pid 1 always runs)
    write(hostname(), 1, now);
    expect(await ChunkLock.acquire(file)).toMatchObject({ pid: 1 });
    // a process that has exited
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    write(hostname(), Number(dead.stdout), now);
    const taken = await ChunkLock.acquire(file);
    expect(taken).toBeInstanceOf(ChunkLock);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await (taken as ChunkLock).release();
    // another machine: alive while its heartbeat is fresh
    write('elsewhere', 4242, now);
    expect(await ChunkLock.acquire(file)).toMatchObject({ host: 'elsewhere' });
    write('elsewhere', 4242, new Date(Date.now() - STALE_LOCK_MS - 1000).toISOString());
    expect(await ChunkLock.acquire(file)).toBeInstanceOf(ChunkLock);
  });
});
