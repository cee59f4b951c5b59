import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkProgressWriter, WORK_DIR, chunkProgressPath, createSweepDir, sweepStatus } from '../src/index.js';
import { tempDirs, testPlan } from './helpers.js';

const tmp = tempDirs('prnn-status-');

describe('sweep status of running chunks', () => {
  it("counts a running chunk's trained share and takes the rate and ETA from its progress file", async () => {
    const dir = join(tmp(), 'sweep');
    // fc, ff × 2 seeds in chunks of 3: chunk 0 holds 3 networks, chunk 1 one
    const plan = await testPlan(['fc', 'ff']);
    await createSweepDir(dir, plan);
    expect(plan.chunks.map((c) => c.to - c.from)).toEqual([3, 1]);
    const work = join(dir, WORK_DIR);
    mkdirSync(work, { recursive: true });
    const now = new Date().toISOString();
    // pid 1 always runs: the chunk counts as held by a live process
    writeFileSync(join(work, 'chunk-0.lock'), JSON.stringify({ host: hostname(), pid: 1, startedAt: now, heartbeatAt: now }));
    mkdirSync(join(work, 'chunk-0'));
    // 3 networks × 20 episodes = 60 network-episodes, 15 done, 12 network-episodes/s
    writeFileSync(chunkProgressPath(work, 0), JSON.stringify({ chunk: 0, phase: 'training', done: 15, total: 60, rate: 12, host: hostname(), pid: 1, updatedAt: now }));
    const s = await sweepStatus(dir);
    expect(s).toMatchObject({ planned: 4, done: 0, inProgress: 0.75, rateSource: 'running', chunks: { running: 1, missing: 1 } });
    // 12 network-episodes/s over 20 episodes per network = 0.6 networks/s; (4 − 0.75) / 0.6 s left
    expect(s.networksPerSecond).toBeCloseTo(0.6, 12);
    expect(s.etaSeconds).toBeCloseTo(3.25 / 0.6, 9);
    expect(s.perChunk[0].progress).toMatchObject({ phase: 'training', done: 15 });
    expect(s.perChunk[1].progress).toBeUndefined();

    // testing: the chunk counts as trained, and no live training rate is left
    writeFileSync(chunkProgressPath(work, 0), JSON.stringify({ chunk: 0, phase: 'testing', done: 1, total: 3, rate: 0, host: hostname(), pid: 1, updatedAt: now }));
    const t = await sweepStatus(dir);
    expect(t).toMatchObject({ inProgress: 3, networksPerSecond: null, rateSource: null, etaSeconds: null });

    // a progress file without a live holder (kill -9) is not counted
    writeFileSync(join(work, 'chunk-0.lock'), JSON.stringify({ host: 'elsewhere', pid: 1, startedAt: now, heartbeatAt: '2000-01-01T00:00:00.000Z' }));
    const u = await sweepStatus(dir);
    expect(u).toMatchObject({ inProgress: 0, chunks: { running: 0, interrupted: 1 } });
  });

  it('the progress writer writes the newest value atomically and removes its file', async () => {
    const file = join(tmp(), 'chunk-3.progress.json');
    const w = new ChunkProgressWriter(file, 3);
    w.update('training', 10, 100, 5);
    w.update('training', 20, 100, 5); // within 2 s: not written
    w.update('training', 100, 100, 5); // the last one always is
    await w.flushed();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ chunk: 3, phase: 'training', done: 100, total: 100, pid: process.pid });
    await w.remove();
    expect(existsSync(file)).toBe(false);
  });
});
