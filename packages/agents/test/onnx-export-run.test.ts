import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readOnnxModelHeader } from '../src/onnx/onnx-metadata-reader.js';
import { exportRunNetwork } from '../src/onnx/export-run.js';
import { META, POLICY_CONTRACT } from '../src/onnx/policy-contract.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { evaluatePolicy } from '../src/eval/policy-evaluator.js';
import { evaluateRun, RUN_EVALUATION_FILE } from '../src/eval/evaluate-run.js';
import { loadRun } from '../src/run/run-dir.js';

import { builtinPlugins } from '../src/builtins/index.js';
import { createContainer } from '../src/sdk/container.js';
const registry = createContainer(builtinPlugins());
/** What the CLI passes: the registry's families and canonical names. */
const plugins = { architecture: (f: string) => registry.architecture(f), canonical: (spec: string) => registry.canonicalName(spec) };
import { FIXTURE_TEST_MAZES, trainTinyRun } from './onnx-run-fixture.js';

let dir: string;
let run: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prnn-export-run-'));
  run = join(dir, 'run');
  await trainTinyRun(run);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('exportRunNetwork / evaluateRun on a trained run directory', () => {
  test('exports one network; evaluated at the training σs on the run’s test set it reproduces the stored fitness', async () => {
    const out = join(dir, 'hh-oh.onnx');
    const exported = await exportRunNetwork(run, { arch: 'oh+hh' }, out, plugins);
    expect(exported).toMatchObject({ id: 'hh+oh_seed0', arch: 'hh+oh', seed: 0, file: out });
    const bytes = new Uint8Array(await readFile(out));
    expect(bytes.length).toBe(exported.bytes);
    const meta = readOnnxModelHeader(bytes).metadata;
    expect(meta[META.contract]).toBe(POLICY_CONTRACT);
    expect(meta[META.architecture]).toBe('hh+oh');
    expect(meta[META.networkId]).toBe('hh+oh_seed0');
    expect(JSON.parse(meta[META.task]).kind).toBe('track');
    const training = JSON.parse(meta[META.training]);
    expect(training).toMatchObject({ learner: 'dqn', runSeed: 7, episodes: 20 });

    const loaded = await loadRun(run);
    const stored = loaded.results[loaded.manifest.networks.findIndex((n) => n.id === 'hh+oh_seed0')]!.fitness;
    const policy = await OnnxPolicy.load(out);
    const r = await evaluatePolicy(policy, {
      task: loaded.manifest.task,
      mazes: FIXTURE_TEST_MAZES,
      noise: [0.05],
      seed: 0,
      mazeSeed: 7 + 1_000_003,
    });
    expect(r.fitness[0]).toBe(stored);
    await policy.release();
  });

  test('an ambiguous or unknown selection lists the run’s networks', async () => {
    await expect(exportRunNetwork(run, { arch: 'fc' }, join(dir, 'x.onnx'), plugins)).rejects.toThrow(
      /--arch fc matches 2 networks; choose one with --arch and --seed; run .* holds 3 trained networks: fc_seed0 \(--arch fc --seed 0\), fc_seed1 \(--arch fc --seed 1\), hh\+oh_seed0 \(--arch hh\+oh --seed 0\)/,
    );
    await expect(exportRunNetwork(run, { arch: 'ii', seed: 3 }, join(dir, 'x.onnx'), plugins)).rejects.toThrow(
      /no trained network matches --arch ii --seed 3; run .* holds 3 trained networks/,
    );
    await expect(exportRunNetwork(join(dir, 'nope'), {}, join(dir, 'x.onnx'), plugins)).rejects.toThrow(/run manifest not found/);
  });

  test('evaluateRun: every network, onnx and tfjs engines identical, results written into the run', async () => {
    const onnx = await evaluateRun(run, { ...plugins, mazes: 30, noise: [0, 0.05, 0.2], engine: 'onnx' });
    expect(onnx.networks.map((n) => n.id)).toEqual(['fc_seed0', 'fc_seed1', 'hh+oh_seed0']);
    expect(onnx.file).toBe(join(run, RUN_EVALUATION_FILE));
    const written = JSON.parse(await readFile(join(run, RUN_EVALUATION_FILE), 'utf8'));
    expect(written).toMatchObject({ format: 'prnn-eval', version: 1, engine: 'onnx', mazes: 30, noise: [0, 0.05, 0.2] });
    expect(written.networks[2].fitness).toEqual(onnx.networks[2].fitness);
    const tfjs = await evaluateRun(run, { ...plugins, mazes: 30, noise: [0, 0.05, 0.2], engine: 'tfjs', write: false });
    expect(tfjs.networks.map((n) => n.fitness)).toEqual(onnx.networks.map((n) => n.fitness));
    expect(tfjs.networks.map((n) => n.robustness)).toEqual(onnx.networks.map((n) => n.robustness));
    for (const n of onnx.networks) expect(n.robustness).toBeGreaterThan(0);
  });

  test('evaluateRun: a selection, an imposed seed and a task override', async () => {
    const one = await evaluateRun(run, { ...plugins, select: { arch: 'fc', seed: 1 }, mazes: 20, noise: [0.05], write: false });
    expect(one.networks.map((n) => n.id)).toEqual(['fc_seed1']);
    expect(one.seed).toBeNull();
    expect(one.networks[0].robustness).toBeUndefined();
    const imposed = await evaluateRun(run, { ...plugins, select: { arch: 'fc', seed: 1 }, mazes: 20, noise: [0.05], seed: 0, write: false });
    const own0 = await evaluateRun(run, { ...plugins, select: { arch: 'fc', seed: 0 }, mazes: 20, noise: [0.05], write: false });
    expect(imposed.seed).toBe(0);
    expect(imposed.networks[0].id).toBe('fc_seed1');
    const loaded = await loadRun(run);
    const longer = await evaluateRun(run, { ...plugins,
      select: { id: 'fc_seed0' },
      mazes: 20,
      noise: [0.05],
      task: { ...loaded.manifest.task, steps: 10 },
      write: false,
    });
    expect(longer.task.steps).toBe(10);
    // an independent path for each: the network exported to ONNX and evaluated on the run's test set
    // (runSeed 7 + 1 000 003) with the given evaluation seed and task
    const direct = async (id: string, seed: number, task: typeof loaded.manifest.task): Promise<number> => {
      const file = join(dir, `${id}-direct.onnx`);
      await exportRunNetwork(run, { id }, file, plugins);
      const policy = await OnnxPolicy.load(file);
      try {
        return (await evaluatePolicy(policy, { task, mazes: 20, noise: [0.05], seed, mazeSeed: 7 + 1_000_003 })).fitness[0];
      } finally {
        await policy.release();
      }
    };
    // fc_seed1 with seed 0 imposed is fc_seed1's policy evaluated with seed 0
    expect(imposed.networks[0].fitness[0]).toBe(await direct('fc_seed1', 0, loaded.manifest.task));
    // fc_seed0 with its own seed (0), on the run's task and on the 10-step task
    expect(own0.networks[0].fitness[0]).toBe(await direct('fc_seed0', 0, loaded.manifest.task));
    expect(longer.networks[0].fitness[0]).toBe(await direct('fc_seed0', 0, { ...loaded.manifest.task, steps: 10 }));
    // the imposed seed changes the draws: fc_seed1 with its own seed (1) is another evaluation of the same policy
    const own1 = await evaluateRun(run, { ...plugins, select: { arch: 'fc', seed: 1 }, mazes: 20, noise: [0.05], write: false });
    expect(own1.networks[0].fitness[0]).toBe(await direct('fc_seed1', 1, loaded.manifest.task));
    await expect(evaluateRun(run, { ...plugins, task: { ...loaded.manifest.task, channels: 3, activeChannels: [1, 1, 1] } })).rejects.toThrow(
      /channels must be the run's 2 \(got 3\)/,
    );
  });
});
