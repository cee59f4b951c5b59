import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TYPES, builtinEvaluator, builtinPlugins, createContainer, definePlugin, initBackend, type FitnessEvaluator, type RunNetworkEvaluation } from '@prnn/agents';
import { STORE_FILE, createSweepDir, loadSweepPlugins, resultsStores, runSweep, sqliteResultsStores, type ResultsStoreFactory, type SweepStore } from '../src/index.js';
import { tempDirs, testPlan } from './helpers.js';

const tmp = tempDirs('prnn-injected-services-');

/** A seconds value no real evaluation reports: what the evaluator decorator puts on every network it passes on. */
const MARKED_SECONDS = 4321.5;

/** A user's plugin decorating the results store: every store it opens counts its writes (network ids, in order). */
function countingStorePlugin(writes: string[], opened: string[]) {
  return definePlugin({
    manifest: { name: 'counting-store', version: '1.0.0' },
    module: ({ onActivation }) => {
      onActivation<ResultsStoreFactory>(TYPES.ResultsStore, (_context, inner) => ({
        open(path, options) {
          const store = inner.open(path, options);
          opened.push(path);
          const counted: SweepStore = {
            path: store.path,
            bindPlan: (plan) => store.bindPlan(plan),
            sweeps: () => store.sweeps(),
            storedIds: (sweep) => store.storedIds(sweep),
            insert(record) {
              writes.push(record.id);
              return store.insert(record);
            },
            copyTo: (target) => store.copyTo(target),
            close: () => store.close(),
          };
          return counted;
        },
      }));
    },
  });
}

/** A user's plugin decorating the evaluator: it records each run it evaluates and marks the networks it passes on. */
function markingEvaluatorPlugin(calls: { runDir: string; noise: readonly number[]; networks: RunNetworkEvaluation[] }[]) {
  return definePlugin({
    manifest: { name: 'marking-evaluator', version: '1.0.0' },
    module: ({ onActivation }) => {
      onActivation<FitnessEvaluator>(TYPES.Evaluator, (_context, inner) => ({
        evaluatePolicy: (engine, options) => inner.evaluatePolicy(engine, options),
        async evaluateRun(runDir, options) {
          const call = { runDir, noise: options.noise ?? [], networks: [] as RunNetworkEvaluation[] };
          calls.push(call);
          return inner.evaluateRun(runDir, {
            ...options,
            onNetwork: (done, total, network) => {
              call.networks.push(network);
              options.onNetwork?.(done, total, { ...network, seconds: MARKED_SECONDS });
            },
          });
        },
      }));
    },
  });
}

/** The rows of a store read with plain SQL (not through the store under test). */
function rows(file: string): { id: string; noise_fitness: string; eval_seconds: number }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, noise_fitness, eval_seconds FROM networks ORDER BY id').all() as { id: string; noise_fitness: string; eval_seconds: number }[];
  } finally {
    db.close();
  }
}

describe('the results store and the evaluator are services of the container', () => {
  it('without a decorator, the registry resolves the built-ins (also for a registry built without @prnn/sweeps)', async () => {
    const registry = await loadSweepPlugins({ cwd: tmp() });
    expect(resultsStores(registry)).toBe(sqliteResultsStores);
    expect(registry.evaluator()).toBe(builtinEvaluator);
    const bare = createContainer(builtinPlugins());
    expect(bare.container.isBound(TYPES.ResultsStore)).toBe(false);
    expect(resultsStores(bare)).toBe(sqliteResultsStores);
  });

  it('a real sweep run writes through the decorated store and measures through the decorated evaluator', async () => {
    await initBackend('cpu');
    const writes: string[] = [];
    const opened: string[] = [];
    const calls: { runDir: string; noise: readonly number[]; networks: RunNetworkEvaluation[] }[] = [];
    const registry = await loadSweepPlugins({ cwd: tmp(), extra: [countingStorePlugin(writes, opened), markingEvaluatorPlugin(calls)] });
    // 2 architectures × 2 seeds, 20 episodes each, in two chunks (3 + 1 networks)
    const plan = await testPlan(['fc', 'hh']);
    const dir = join(tmp(), 'sweep');
    await createSweepDir(dir, plan);
    const first = await runSweep({ dir, registry, backend: 'cpu', workers: 1 });
    expect(first.chunks.map((c) => c.outcome)).toEqual(['stored', 'stored']);

    const store = join(dir, STORE_FILE);
    const stored = rows(store);
    const ids = plan.networks.map((n) => n.id);
    // every write went through the decorator: one per network, the ids SQLite holds
    expect(writes).toEqual(ids);
    expect(stored.map((r) => r.id)).toEqual([...ids].sort());
    expect(opened).toEqual([store]);
    // the evaluator was called once per chunk, with the plan's noise levels, on the chunk's run directory
    expect(calls.map((c) => c.runDir)).toEqual([join(dir, 'work', 'chunk-0'), join(dir, 'work', 'chunk-1')]);
    for (const c of calls) expect(c.noise).toEqual(plan.measures.noise);
    // what the decorated evaluator passed on is what was stored: its mark, and the fitness it measured
    const measured = new Map(calls.flatMap((c) => c.networks).map((n) => [n.id, n.fitness]));
    for (const r of stored) {
      expect(r.eval_seconds).toBe(MARKED_SECONDS);
      expect(JSON.parse(r.noise_fitness)).toEqual(measured.get(r.id));
    }

    // a second run finds every network stored: nothing is written again, nothing evaluated
    const second = await runSweep({ dir, registry, backend: 'cpu', workers: 1 });
    expect(second.chunks.map((c) => c.outcome)).toEqual(['skipped', 'skipped']);
    expect(writes).toHaveLength(ids.length);
    expect(calls).toHaveLength(2);
    expect(rows(store)).toHaveLength(ids.length);
  }, 120_000);
});
