import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  OnnxPolicy,
  PolicyEvaluator,
  TEST_SET_SEED_OFFSET,
  TYPES,
  definePlugin,
  initBackend,
  type FitnessEvaluator,
} from '@prnn/agents';
import { readFileSync } from 'node:fs';
import { PLAN_FILE, STORE_FILE, createSweepDir, loadSweepPlugins, openSweepDir, planEvalEngine, readPlan, runSweep, type SweepPlan } from '../src/index.js';
import { tempDirs, testPlan } from './helpers.js';

const tmp = tempDirs('prnn-sweep-engine-');

/** A plugin that records the engine every evaluateRun call of the sweep asks for. */
function engineRecorder(engines: (string | undefined)[]) {
  return definePlugin({
    manifest: { name: 'engine-recorder', version: '1.0.0' },
    module: ({ onActivation }) => {
      onActivation<FitnessEvaluator>(TYPES.Evaluator, (_context, inner) => ({
        evaluatePolicy: (engine, options) => inner.evaluatePolicy(engine, options),
        evaluateRun(runDir, options) {
          engines.push(options.engine);
          return inner.evaluateRun(runDir, options);
        },
      }));
    },
  });
}

interface Row {
  id: string;
  arch: string;
  seed: number;
  fitness: number;
  noise_fitness: string;
  weights: Buffer;
  weights_layout: string;
}

function storedRows(file: string): Row[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, arch, seed, fitness, noise_fitness, weights, weights_layout FROM networks ORDER BY id').all() as Row[];
  } finally {
    db.close();
  }
}

async function runPlan(plan: SweepPlan, engines: (string | undefined)[]): Promise<Row[]> {
  const registry = await loadSweepPlugins({ cwd: tmp(), extra: [engineRecorder(engines)] });
  const dir = join(tmp(), 'sweep');
  await createSweepDir(dir, plan);
  const result = await runSweep({ dir, registry, backend: 'cpu', workers: 2 });
  expect(result.chunks.every((c) => c.outcome === 'stored')).toBe(true);
  return storedRows(join(dir, STORE_FILE));
}

describe("the engine of a sweep's noise sweeps", () => {
  it('is part of the plan: onnx when named, tfjs for a plan without it, anything else refused', async () => {
    const old = await testPlan(['fc']);
    const named = await testPlan(['fc'], { measures: { ...old.measures, engine: 'onnx' } });
    expect(old.measures.engine).toBeUndefined();
    expect(planEvalEngine(old)).toBe('tfjs');
    expect(planEvalEngine(named)).toBe('onnx');
    expect(named.measures.engine).toBe('onnx');
    // it decides results, so it is hashed (and a plan without it keeps the hash it had)
    expect(named.hash).not.toBe(old.hash);
    await expect(testPlan(['fc'], { measures: { ...old.measures, engine: 'gpu' as 'onnx' } })).rejects.toThrow(
      /the noise sweeps' engine must be onnx or tfjs \(got "gpu"\)/,
    );
  });

  it('a directory planned before the field existed keeps its plan (and tfjs) when the same plan is asked for with an engine', async () => {
    const old = await testPlan(['fc', 'hh']);
    const named = await testPlan(['fc', 'hh'], { measures: { ...old.measures, engine: 'onnx' } });
    const dir = join(tmp(), 'old');
    expect(await createSweepDir(dir, old)).toBe('created');
    const before = readFileSync(join(dir, PLAN_FILE), 'utf8');
    expect(await createSweepDir(dir, named)).toBe('exists');
    expect(readFileSync(join(dir, PLAN_FILE), 'utf8')).toBe(before);
    expect(planEvalEngine(await readPlan(dir))).toBe('tfjs');
    // what reproduce and `prnn sweep plan` go on with: the directory's plan, not the one asked for
    const opened = await openSweepDir(dir, named);
    expect(opened.state).toBe('exists');
    expect(opened.plan.hash).toBe(old.hash);
    expect(planEvalEngine(opened.plan)).toBe('tfjs');
    // the rule covers the engine only: a plan that differs otherwise is refused as before
    const other = await testPlan(['fc', 'hh'], { seeds: 3, measures: { ...old.measures, engine: 'onnx' } });
    await expect(createSweepDir(dir, other)).rejects.toThrow(/already holds another plan/);
    // and a directory that names an engine does not take a plan without one
    const fresh = join(tmp(), 'named');
    await createSweepDir(fresh, named);
    await expect(createSweepDir(fresh, old)).rejects.toThrow(/already holds another plan/);
  });

  it('onnx: every stored sweep equals the network evaluated alone through its exported policy, and its training level the stored fitness', async () => {
    await initBackend('cpu');
    const engines: (string | undefined)[] = [];
    const base = await testPlan(['fc', 'hh', 'ii+oo']);
    const plan = await testPlan(['fc', 'hh', 'ii+oo'], { measures: { ...base.measures, engine: 'onnx' } });
    const rows = await runPlan(plan, engines);
    expect(engines).toEqual(plan.chunks.map(() => 'onnx'));
    expect(rows).toHaveLength(plan.networks.length);

    // the oracle: each network's stored weights through its exported policy in this thread, on the plan's test set
    const registry = await loadSweepPlugins({ cwd: tmp() });
    const family = registry.architecture('nine-pathway');
    const evaluator = new PolicyEvaluator({ task: plan.task, mazes: plan.measures.testMazes, mazeSeed: plan.runSeed + TEST_SET_SEED_OFFSET, noise: plan.measures.noise });
    const level = plan.measures.noise.indexOf(0.05);
    expect(level).toBeGreaterThanOrEqual(0);
    for (const row of rows) {
      const net = plan.networks.find((n) => n.id === row.id)!;
      // the stored blob: float32 matrices at the offsets (in floats) weights_layout gives
      const floats = new Float32Array(row.weights.buffer.slice(row.weights.byteOffset, row.weights.byteOffset + row.weights.byteLength));
      const layout = JSON.parse(row.weights_layout) as { name: string; shape: number[]; offset: number }[];
      expect(layout.length).toBeGreaterThan(0);
      const byName: Record<string, Float32Array> = {};
      for (const e of layout) byName[e.name] = floats.slice(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1));
      const policy = await OnnxPolicy.load(family.exportOnnx!(net.arch, byName, {}, plan.task.channels));
      try {
        const alone = await evaluator.evaluate(policy, net.seed);
        expect(JSON.parse(row.noise_fitness)).toEqual(alone.fitness);
      } finally {
        await policy.release();
      }
      expect(JSON.parse(row.noise_fitness)[level]).toBe(row.fitness);
    }
  }, 180_000);

  it('a plan without an engine keeps the population model (tfjs)', async () => {
    await initBackend('cpu');
    const engines: (string | undefined)[] = [];
    const plan = await testPlan(['ff']);
    const rows = await runPlan(plan, engines);
    expect(engines).toEqual(plan.chunks.map(() => 'tfjs'));
    expect(rows).toHaveLength(plan.networks.length);
  }, 120_000);
});
