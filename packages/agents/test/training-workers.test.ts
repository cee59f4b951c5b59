import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { dqnLearner } from '../src/learners/dqn.js';
import { loadRun, readNetworkWeights } from '../src/run/run-dir.js';
import { trainRun, type RunProgress, type TrainRunOptions } from '../src/training/train-run.js';
import { checkBuildIsCurrent } from '../src/training/workers/train-in-workers.js';
import { architecture, kernels, cpuBackend, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

const tmp = () => mkdtemp(join(tmpdir(), 'prnn-workers-run-'));

function options(overrides: Partial<TrainRunOptions> = {}): TrainRunOptions {
  const task = track();
  return {
    task,
    architecture,
    kernels,
    members: members([['fc', 1], ['hh+oh', 2], ['ff', 3], ['ff-large', 4], ['ii+oi', 5]]),
    learner: dqnLearner,
    config: smallConfig(task, { episodes: 20, curvePoints: 2, testMazes: 8 }),
    runSeed: 6,
    population: 5,
    backend: 'cpu',
    ...overrides,
  };
}

async function writtenWeights(out: string): Promise<Record<string, Record<string, Float32Array>>> {
  const run = await loadRun(out);
  const all: Record<string, Record<string, Float32Array>> = {};
  for (const n of run.manifest.networks) all[n.id] = await readNetworkWeights(out, n.id);
  return all;
}

describe('trainRun on worker threads', () => {
  test('1 and 2 workers write exactly the same weights, fitness and curves; progress reaches the end', async () => {
    const one = await trainRun(options({ out: await tmp(), workers: 1 }));
    const progress: RunProgress[] = [];
    const two = await trainRun(options({ out: await tmp(), workers: 2, onProgress: (p) => progress.push(p) }));
    expect((await loadRun(two.out!)).manifest.path).toBe('compiled');
    expect(await writtenWeights(two.out!)).toEqual(await writtenWeights(one.out!));
    expect(two.networks).toEqual(one.networks);
    expect(two.netEpisodesPerSecond).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.done).toBeLessThanOrEqual(5 * 20);
    expect(Math.max(...progress.map((p) => p.done))).toBe(5 * 20);
  });

  test('slices interrupted on 2 workers continue from their own checkpoints with 1 worker', async () => {
    const base = options({ checkpointEvery: 7 });
    const full = await trainRun({ ...base, out: await tmp() });
    const out = await tmp();
    const stopped = new AbortController();
    stopped.abort();
    await expect(trainRun({ ...base, out, workers: 2, signal: stopped.signal })).rejects.toThrow(/^training interrupted at episode 1 of 20; checkpoint written in /);
    expect((await readdir(join(out, 'checkpoint'))).sort()).toEqual(['slice-0', 'slice-2']);
    const resumed = await trainRun({ ...base, out, workers: 1, resume: true });
    expect(resumed.trained).toHaveLength(5);
    expect(await writtenWeights(out)).toEqual(await writtenWeights(full.out!));
    expect(resumed.networks).toEqual(full.networks);
    expect(await readdir(out)).not.toContain('checkpoint');
  });

  test.each([0, -1, 1.5, Number.NaN])('workers = %s is refused', async (workers) => {
    await expect(trainRun(options({ workers }))).rejects.toThrow(/^workers must be an integer ≥ 1/);
  });
});

describe('the workers run the compiled packages', () => {
  test('a missing or stale build is a clear error, not a hang', async () => {
    const root = await tmp();
    await mkdir(join(root, 'src'), { recursive: true });
    await writeFile(join(root, 'src', 'a.ts'), 'export {};\n');
    expect(() => checkBuildIsCurrent([root])).toThrow(/has no build: run npm run build/);
    await mkdir(join(root, 'dist'));
    await writeFile(join(root, 'dist', '.tsbuildinfo'), '{}');
    const past = new Date(Date.now() - 60_000);
    await utimes(join(root, 'dist', '.tsbuildinfo'), past, past);
    expect(() => checkBuildIsCurrent([root])).toThrow(/older than its sources: run npm run build/);
    const now = new Date();
    await utimes(join(root, 'dist', '.tsbuildinfo'), now, now);
    await utimes(join(root, 'src', 'a.ts'), past, past);
    expect(() => checkBuildIsCurrent([root])).not.toThrow();
  });
});
