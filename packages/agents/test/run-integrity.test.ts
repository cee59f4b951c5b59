import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { crc32 } from '@prnn/core';
import { dqnLearner } from '../src/learners/dqn.js';
import { loadCheckpoint, saveCheckpoint } from '../src/run/checkpoint.js';
import { loadRun, readNetworkWeights } from '../src/run/run-dir.js';
import { trainRun, type TrainRunOptions } from '../src/training/train-run.js';
import { TrainWorkerPool } from '../src/training/workers/train-in-workers.js';
import { architecture, cpuBackend, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

const tmp = () => mkdtemp(join(tmpdir(), 'prnn-integrity-'));

function tiny(overrides: Partial<TrainRunOptions> = {}): TrainRunOptions {
  const task = track();
  return {
    task,
    architecture,
    members: members([['fc', 1], ['ff', 2]]),
    learner: dqnLearner,
    config: smallConfig(task, { episodes: 10, curvePoints: 1, testMazes: 2 }),
    population: 2,
    backend: 'cpu',
    ...overrides,
  };
}

describe('2-worker training', () => {
  // A stress net over the whole 2-slice path (worker pool, checkpoint directories per slice, clearing them between
  // populations). The races it once caught are pinned deterministically in packages/core/test/make-directories.test.ts
  // (concurrent makeDirectories and atomic writes); repeating the run more often only adds wall time, which grows
  // with the machine's load (every checkpoint is a round trip through both worker threads).
  test('8 consecutive tiny 2-worker trains (two populations each, a checkpoint every episode) all succeed', async () => {
    const root = await tmp();
    // one pool for all the runs, kept alive: its threads start once whatever the machine's load (an idle thread of a
    // pool without keepAlive exits after a second, so a slow main thread would restart them run after run)
    const workerPool = new TrainWorkerPool(2, { keepAlive: true });
    try {
      for (let k = 0; k < 8; k++) {
        const out = join(root, `r${k}`);
        // two populations of two: checkpoint/ is cleared after the first and made again for the second
        const r = await trainRun(tiny({ out, workers: 2, workerPool, checkpointEvery: 1, runSeed: k, members: members([['fc', 1], ['ff', 2], ['hh', 3], ['oh', 4]]) }));
        expect(r.networks.map((n) => n.id)).toEqual(['fc_seed1', 'ff_seed2', 'hh_seed3', 'oh_seed4']);
        expect(existsSync(join(out, 'checkpoint'))).toBe(false);
      }
    } finally {
      await workerPool.destroy();
    }
  });
});

describe('stored binaries carry checksums that readers verify', () => {
  test('a NaN written into weights.bin (same size) is refused naming the file; so is a flipped byte', async () => {
    const out = await tmp();
    await trainRun(tiny({ out }));
    const file = join(out, 'networks', 'fc_seed1', 'weights.bin');
    const bytes = new Uint8Array(await readFile(file));
    const result = JSON.parse(await readFile(join(out, 'networks', 'fc_seed1', 'result.json'), 'utf8'));
    // the recorded checksum is the CRC-32 of the file as written
    expect(result.weightsCrc32).toBe(crc32(bytes));
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(4 * 5, Number.NaN, true);
    await writeFile(file, nan);
    await expect(readNetworkWeights(out, 'fc_seed1')).rejects.toThrow(`${file} is corrupted: its CRC-32 does not match the one recorded in result.json`);
    // a NaN whose checksum was recorded too (e.g. a hand-edited run) is still refused
    result.weightsCrc32 = crc32(nan);
    await writeFile(join(out, 'networks', 'fc_seed1', 'result.json'), JSON.stringify(result));
    await expect(readNetworkWeights(out, 'fc_seed1')).rejects.toThrow(`${file} holds non-finite weights (in ih); refusing to use it`);
    expect((await loadRun(out)).results[1]).toBeDefined();
    await expect(readNetworkWeights(out, 'ff_seed2')).resolves.toHaveProperty('ih');
  });

  test('a checkpoint with a non-finite value is refused; an intact one round-trips', async () => {
    const out = await tmp();
    const identity = { fingerprint: 'f', members: ['a'] };
    const state = { learner: 'dqn', episode: 2, json: {}, tensors: { w: { shape: [2], data: Float32Array.of(1, Number.POSITIVE_INFINITY) } } };
    await saveCheckpoint(out, identity, state);
    await expect(loadCheckpoint(out, identity)).rejects.toThrow(/holds non-finite values \(in w\); refusing to resume from it/);
    await saveCheckpoint(out, identity, { ...state, tensors: { w: { shape: [2], data: Float32Array.of(1, 2) } } });
    expect(Array.from((await loadCheckpoint(out, identity))!.tensors.w.data)).toEqual([1, 2]);
  });
});
