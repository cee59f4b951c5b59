import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { project, projectDirs, runCli, trainTinyRunCli } from './run-cli.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

/** A seconds value no real evaluation reports: the evaluator decorator puts it on every network it passes on. */
const MARK = 4321.5;

/**
 * A user's plugin (prnn.config.json) that decorates two services with inversify's onActivation: every store
 * the results-store factory opens records its writes in writes.jsonl, and the evaluator records each call in
 * evals.jsonl and marks the networks it passes on (seconds = MARK) in the callback and in its result. It also
 * wraps the CLI's progress bar (TYPES.DefaultProgressReporter), recording every update in progress.jsonl.
 */
const DECORATOR = `
import { appendFileSync } from 'node:fs';
import { TYPES, definePlugin } from '@prnn/agents';
const record = (file, value) => appendFileSync(file, JSON.stringify(value) + '\\n');
const MARK = ${MARK};
export default definePlugin({
  manifest: { name: 'decorating-services', version: '1.0.0' },
  module: ({ bind, onActivation }) => {
    bind(TYPES.ProgressReporter).toDynamicValue((context) => {
      const bar = context.get(TYPES.DefaultProgressReporter);
      return {
        update(p) { record('progress.jsonl', { done: p.done, total: p.total }); bar.update(p); },
        finish() { bar.finish(); },
      };
    });
    onActivation(TYPES.ResultsStore, (_context, inner) => ({
      open(file, options) {
        const store = inner.open(file, options);
        return {
          path: store.path,
          bindPlan: (plan) => store.bindPlan(plan),
          sweeps: () => store.sweeps(),
          storedIds: (sweep) => store.storedIds(sweep),
          insert(r) { record('writes.jsonl', { store: store.path, id: r.id }); return store.insert(r); },
          copyTo: (target) => store.copyTo(target),
          close: () => store.close(),
        };
      },
    }));
    onActivation(TYPES.Evaluator, (_context, inner) => ({
      async evaluatePolicy(engine, options) {
        record('evals.jsonl', { policy: true, noise: options.noise });
        return inner.evaluatePolicy(engine, options);
      },
      async evaluateRun(runDir, options) {
        record('evals.jsonl', { runDir, noise: options.noise });
        const onNetwork = options.onNetwork;
        const result = await inner.evaluateRun(runDir, { ...options, onNetwork: onNetwork && ((done, total, n) => onNetwork(done, total, { ...n, seconds: MARK })) });
        return { ...result, networks: result.networks.map((n) => ({ ...n, seconds: MARK })) };
      },
    }));
  },
});
`;

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** id, eval_seconds, fitness and training curve of every stored network, read with plain SQL. */
function storedRows(file: string): { id: string; eval_seconds: number; fitness: number; training_curve: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, eval_seconds, fitness, training_curve FROM networks ORDER BY id').all() as { id: string; eval_seconds: number; fitness: number; training_curve: string }[];
  } finally {
    db.close();
  }
}

const decoratedProject = (plugins: string[] = []) => project({ 'prnn.config.json': JSON.stringify({ plugins: [...plugins, './decorate.mjs'] }), 'decorate.mjs': DECORATOR }, 'prnn-injected-');

describe('a plugin decorates the results store and the evaluator of the CLI', () => {
  it('prnn sweep run stores every network through the decorated store, measured by the decorated evaluator, reported and logged by the plugins', () => {
    const cwd = decoratedProject(['@prnn/plugin-jsonl-logger']);
    const plan = runCli(['sweep', 'plan', 'sw', '--arch', 'fc,hh', '--seeds', '2', '--episodes', '20', '--test-mazes', '8', '--curve-points', '2', '--noise', '0,0.1', '--chunk-size', '3'], { cwd });
    expect(plan.stderr).toBe('');
    expect(plan.status).toBe(0);
    const r = runCli(['sweep', 'run', 'sw', '--workers', '1', '--backend', 'cpu', '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = storedRows(path.join(cwd, 'sw', 'results.sqlite'));
    expect(rows.map((x) => x.id)).toEqual(['fc_seed0', 'fc_seed1', 'hh_seed0', 'hh_seed1']);
    const writes = lines(path.join(cwd, 'writes.jsonl'));
    expect(writes.map((w) => w.id).sort()).toEqual(rows.map((x) => x.id));
    for (const w of writes) expect(w.store).toBe(path.join('sw', 'results.sqlite'));
    expect(lines(path.join(cwd, 'evals.jsonl'))).toEqual([
      { runDir: path.join('sw', 'work', 'chunk-0'), noise: [0, 0.1] },
      { runDir: path.join('sw', 'work', 'chunk-1'), noise: [0, 0.1] },
    ]);
    for (const x of rows) expect(x.eval_seconds).toBe(MARK);

    // the decorated progress reporter saw both chunks: 3 networks × 20 episodes, then 1 × 20, each to its end
    const progress = lines(path.join(cwd, 'progress.jsonl'));
    expect([...new Set(progress.map((p) => p.total))]).toEqual([60, 20]);
    for (const total of [60, 20]) expect(progress.some((p) => p.total === total && p.done === total)).toBe(true);

    // the JSON-lines logger logged each chunk in its run directory: the curve points and final fitness stored in SQLite
    const byId = new Map(rows.map((x) => [x.id, x]));
    for (const chunk of ['chunk-0', 'chunk-1']) {
      const events = lines(path.join(cwd, 'sw', 'runs', chunk, 'events.jsonl'));
      expect(events[0].event).toBe('run-start');
      expect(events[events.length - 1].event).toBe('run-end');
      const points = events.filter((e) => e.event === 'curve-point') as { point: number; networks: string[]; fitness: number[] }[];
      expect(points).toHaveLength(2);
      for (const p of points) expect(p.fitness).toEqual(p.networks.map((id) => (JSON.parse(byId.get(id)!.training_curve) as number[])[p.point]));
      const [final] = events.filter((e) => e.event === 'final-fitness') as { networks: string[]; fitness: number[] }[];
      expect(final.fitness).toEqual(final.networks.map((id) => byId.get(id)!.fitness));
    }
  });

  it('prnn eval --run and --policy evaluate through the decorated evaluator', () => {
    const cwd = decoratedProject();
    const run = path.join(cwd, 'run');
    trainTinyRunCli(run, { arch: 'fc', seeds: 2, testMazes: 8 });
    const r = runCli(['eval', '--run', run, '--noise', '0,0.1', '--mazes', '8', '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(path.join(cwd, 'evals.jsonl'))).toEqual([{ runDir: run, noise: [0, 0.1] }]);
    const written = JSON.parse(readFileSync(path.join(run, 'eval.json'), 'utf8')) as { networks: { id: string; seconds: number; fitness: number[] }[] };
    expect(written.networks.map((n) => [n.id, n.seconds])).toEqual([['fc_seed0', MARK], ['fc_seed1', MARK]]);
    expect(written.networks.map((n) => n.fitness)).toEqual((JSON.parse(r.stdout) as { networks: { fitness: number[] }[] }).networks.map((n) => n.fitness));

    // eval --policy: one exported network, through the decorated evaluatePolicy
    const onnx = path.join(cwd, 'fc.onnx');
    expect(runCli(['export', '--run', run, '--arch', 'fc', '--seed', '1', '--out', onnx], { cwd }).status).toBe(0);
    const p = runCli(['eval', '--policy', onnx, '--like', run, '--noise', '0.05', '--json'], { cwd });
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    expect(lines(path.join(cwd, 'evals.jsonl'))).toEqual([{ runDir: run, noise: [0, 0.1] }, { policy: true, noise: [0.05] }]);
    // evaluated as the run measured it: the network's stored fitness
    const stored = JSON.parse(readFileSync(path.join(run, 'networks', 'fc_seed1', 'result.json'), 'utf8')) as { fitness: number };
    expect((JSON.parse(p.stdout) as { fitness: number[] }).fitness).toEqual([stored.fitness]);
  });

  it('prnn reproduce --scale smoke runs its sweep through both decorated services', () => {
    const cwd = decoratedProject();
    const r = runCli(['reproduce', '--scale', 'smoke', '--dir', 'rep', '--workers', '1', '--backend', 'cpu', '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = storedRows(path.join(cwd, 'rep', 'results.sqlite'));
    expect(rows).toHaveLength(8);
    expect(lines(path.join(cwd, 'writes.jsonl')).map((w) => w.id).sort()).toEqual(rows.map((x) => x.id));
    // one noise sweep per chunk of the plan, every stored network marked by the decorator
    const plan = JSON.parse(readFileSync(path.join(cwd, 'rep', 'plan.json'), 'utf8')) as { chunks: unknown[] };
    expect(lines(path.join(cwd, 'evals.jsonl'))).toHaveLength(plan.chunks.length);
    for (const x of rows) expect(x.eval_seconds).toBe(MARK);
  });
});
