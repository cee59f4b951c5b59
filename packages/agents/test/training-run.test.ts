import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { dqnLearner } from '../src/learners/dqn.js';
import { loadRun, readNetworkWeights } from '../src/run/run-dir.js';
import { trainRun, type TrainRunOptions } from '../src/training/train-run.js';
import { architecture, kernels, cpuBackend, maxAbsDiff, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

const tmp = () => mkdtemp(join(tmpdir(), 'prnn-run-'));

function options(overrides: Partial<TrainRunOptions> = {}): TrainRunOptions {
  const task = track();
  return {
    task,
    architecture,
    kernels,
    members: members([['fc', 1], ['ff', 2], ['hh+oh', 3]]),
    learner: dqnLearner,
    config: smallConfig(task, { episodes: 20, curvePoints: 2, testMazes: 10 }),
    runSeed: 4,
    population: 2,
    backend: 'cpu',
    ...overrides,
  };
}

describe('run directory', () => {
  test('round trip: run.json, weights.bin and result.json of every network', async () => {
    const out = await tmp();
    const r = await trainRun(options({ out }));
    const run = await loadRun(out);
    expect(run.manifest).toMatchObject({ format: 'prnn-run', version: 1, learner: 'dqn', backend: 'cpu', runSeed: 4, populationSize: 2 });
    expect(run.manifest.config).toMatchObject({ episodes: 20, gamma: 0.9, lr: 1e-3 });
    expect(run.manifest.networks.map((n) => n.id)).toEqual(['fc_seed1', 'ff_seed2', 'hh+oh_seed3']);
    expect(run.manifest.networks[0]).toMatchObject({ family: 'nine-pathway', arch: 'fc', hidden: 8, parameters: 441, referenceIndex: 127 });
    for (let i = 0; i < 3; i++) {
      const res = run.results[i]!;
      expect(res).toMatchObject({ seed: r.networks[i].seed, episodes: 20, backend: 'cpu', hidden: 8 });
      expect(res.fitness).toBe(r.networks[i].fitness);
      expect(res.trainingCurve).toEqual(r.networks[i].trainingCurve);
      const weights = await readNetworkWeights(out, run.manifest.networks[i].id);
      expect(maxAbsDiff(weights, r.trained[i].weights)).toBe(0);
      const bytes = (await stat(join(out, 'networks', res.id, 'weights.bin'))).size;
      expect(bytes).toBe(res.parameters * 4);
    }
    // the canonical pathway order, row-major [A, B]
    expect(run.results[0]!.weights.map((w) => [w.name, ...w.shape])).toEqual([
      ['ih', 8, 8], ['ho', 8, 5], ['ii', 8, 8], ['hh', 8, 8], ['oo', 5, 5], ['io', 8, 5], ['oi', 5, 8], ['hi', 8, 8], ['oh', 5, 8],
    ]);
    expect(await readdir(out)).not.toContain('checkpoint');
    expect((await readdir(out)).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  test('an --out that holds another run, or this run without --resume, is refused', async () => {
    const out = await tmp();
    await trainRun(options({ out, members: members([['ff', 1]]) }));
    await expect(trainRun(options({ out, members: members([['ff', 1]]) }))).rejects.toThrow(/already holds this run; pass --resume/);
    await expect(trainRun(options({ out, members: members([['ff', 2]]) }))).rejects.toThrow(/holds a different run/);
    // the same run on another path: the line names the path to pass
    await expect(trainRun(options({ out, members: members([['ff', 1]]), resume: true, path: 'generic' }))).rejects.toThrow(/holds a run trained on path compiled \(this one: generic\); pass --path compiled to continue it/);
    // a run begun on a hand-written kernel earlier versions had (run.json records its path): one line, what to do
    const old = await tmp();
    await trainRun(options({ out: old, members: members([['ff', 1]]) }));
    const manifest = JSON.parse(await readFile(join(old, 'run.json'), 'utf8')) as { path: string };
    await writeFile(join(old, 'run.json'), JSON.stringify({ ...manifest, path: 'wasm-simd' }));
    await expect(trainRun(options({ out: old, members: members([['ff', 1]]), resume: true }))).rejects.toThrow(
      new RegExp(`^--out ${old} holds a run trained on path wasm-simd, which no longer exists in this prnn \\(the hand-written AssemblyScript kernel, replaced by compiled\\); resume it with the prnn version that began it, or start afresh in another --out$`),
    );
    // asking for it is refused the same way, before anything is written
    await expect(trainRun(options({ out: await tmp(), members: members([['ff', 1]]), path: 'fused' }))).rejects.toThrow(/cannot train on path fused, which no longer exists in this prnn/);
    const other = await tmp();
    await writeFile(join(other, 'notes.txt'), 'x');
    await expect(trainRun(options({ out: other }))).rejects.toThrow(/not empty and holds no prnn run/);
    // resuming a finished run trains nothing and reports the stored results
    const again = await trainRun(options({ out, members: members([['ff', 1]]), resume: true }));
    expect(again.trained).toHaveLength(0);
    expect(again.networks[0].arch).toBe('ff');
  });

  test('resume from an interrupted run gives the weights of an uninterrupted one; bad checkpoints are refused', async () => {
    const base = options({ population: 3, checkpointEvery: 7 });
    const full = await trainRun({ ...base, out: await tmp() });
    const out = await tmp();
    const stopped = new AbortController();
    stopped.abort();
    await expect(trainRun({ ...base, out, signal: stopped.signal })).rejects.toThrow(/^training interrupted at episode 1 of 20; checkpoint written in /);
    const files = await readdir(join(out, 'checkpoint'));
    expect(files.sort()).toEqual(['manifest.json', 'state-1.bin']);

    // a corrupted data file
    const data = join(out, 'checkpoint', 'state-1.bin');
    const good = await readFile(data);
    const bad = Buffer.from(good);
    bad[100] ^= 0xff;
    await writeFile(data, bad);
    await expect(trainRun({ ...base, out, resume: true })).rejects.toThrow(/corrupted/);
    await writeFile(data, good);
    // a checkpoint of another run
    const manifestPath = join(out, 'checkpoint', 'manifest.json');
    const manifest = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, manifest.replace(/"fingerprint": "[0-9a-f]+"/, '"fingerprint": "00000000"'));
    await expect(trainRun({ ...base, out, resume: true })).rejects.toThrow(/belongs to a different run/);
    await writeFile(manifestPath, manifest);

    const resumed = await trainRun({ ...base, out, resume: true });
    expect(resumed.trained).toHaveLength(3);
    for (const n of full.networks) {
      const a = await readNetworkWeights(full.out!, n.id);
      const b = await readNetworkWeights(out, n.id);
      expect(maxAbsDiff(a, b)).toBe(0);
    }
    expect(resumed.networks).toEqual(full.networks);
  });
});
