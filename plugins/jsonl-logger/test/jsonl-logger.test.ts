import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPlugins, createContainer } from '@prnn/agents';
import { project, projectDirs, runCli } from '../../../test/run-cli.js';
import plugin, { JsonlLogger } from '../src/index.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

const EPISODES = 20;
const POINTS = 4;
const TINY = ['--episodes', String(EPISODES), '--test-mazes', '12', '--curve-points', String(POINTS), '--backend', 'cpu'];

interface Line {
  event: string;
  time: string;
  [key: string]: unknown;
}

/** Trains fc × 2 seeds with the plugin configured; returns the run directory and the parsed events. */
function trainLogged(workers: number, env: Record<string, string> = {}): { out: string; text: string; lines: Line[] } {
  const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['@prnn/plugin-jsonl-logger'] }) });
  const out = path.join(cwd, 'run');
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const r = runCli(['train', '--arch', 'fc', '--seeds', '2', ...TINY, '--workers', String(workers), '--out', out, '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const text = readFileSync(env.PRNN_JSONL_LOG ?? path.join(out, 'events.jsonl'), 'utf8');
  return { out, text, lines: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line) };
}

describe('@prnn/plugin-jsonl-logger in the container', () => {
  it('the container builds the logger with the options it injects, read when a run resolves its loggers', () => {
    const registry = createContainer([...builtinPlugins(), plugin]);
    process.env.PRNN_JSONL_LOSS_EVERY = '7';
    try {
      const loggers = registry.loggers();
      expect(loggers).toHaveLength(1);
      expect(loggers[0]).toBeInstanceOf(JsonlLogger);
      expect(loggers[0].lossEvery).toBe(7);
    } finally {
      delete process.env.PRNN_JSONL_LOSS_EVERY;
    }
    expect(registry.loggers()[0].lossEvery).toBeUndefined();
    expect(createContainer(builtinPlugins()).loggers()).toEqual([]);
  });
});

describe('@prnn/plugin-jsonl-logger from prnn train', () => {
  it('writes complete lines whose curve and final fitness are the run\'s stored results', () => {
    const { out, text, lines } = trainLogged(1, { PRNN_JSONL_LOSS_EVERY: '5' });
    expect(text.endsWith('\n')).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    const ids: string[] = manifest.networks.map((n: { id: string }) => n.id);
    expect(ids).toEqual(['fc_seed0', 'fc_seed1']);

    expect(lines[0]).toMatchObject({ event: 'run-start', learner: 'dqn', runSeed: manifest.runSeed, config: manifest.config });
    expect((lines[0].networks as { id: string }[]).map((n) => n.id)).toEqual(ids);
    expect(lines[lines.length - 1]).toMatchObject({ event: 'run-end', networks: 2, out });
    for (const l of lines) expect(Number.isNaN(Date.parse(l.time))).toBe(false);

    // one population of both networks: losses after episodes 5, 10, 15, 20
    const losses = lines.filter((l) => l.event === 'loss');
    expect(losses.map((l) => l.episode)).toEqual([5, 10, 15, 20]);
    for (const l of losses) {
      expect(l.networks).toEqual(ids);
      expect(typeof l.loss === 'number' && Number.isFinite(l.loss)).toBe(true);
    }

    const stored = ids.map((id) => JSON.parse(readFileSync(path.join(out, 'networks', id, 'result.json'), 'utf8')) as { fitness: number; trainingCurve: number[] });
    // curve point k is measured before episode ⌊k·E/points⌋ (docs/spec.md §3)
    const points = lines.filter((l) => l.event === 'curve-point');
    expect(points.map((l) => [l.point, l.episode])).toEqual([[0, 0], [1, 5], [2, 10], [3, 15]]);
    for (const p of points) {
      expect(p.networks).toEqual(ids);
      expect(p.fitness).toEqual(stored.map((s) => s.trainingCurve[p.point as number]));
    }
    const final = lines.filter((l) => l.event === 'final-fitness');
    expect(final).toHaveLength(1);
    expect(final[0].fitness).toEqual(stored.map((s) => s.fitness));
    expect(lines.map((l) => l.event)).toEqual([
      'run-start', 'loss', 'loss', 'loss', 'loss', 'curve-point', 'curve-point', 'curve-point', 'curve-point', 'final-fitness', 'run-end',
    ]);
  });

  it('on worker threads, logs each slice\'s loss to the file $PRNN_JSONL_LOG names', () => {
    const file = path.join(project({}), 'elsewhere.jsonl');
    const { out, lines } = trainLogged(2, { PRNN_JSONL_LOG: file, PRNN_JSONL_LOSS_EVERY: '10' });
    const losses = lines.filter((l) => l.event === 'loss').map((l) => `${(l.networks as string[]).join(',')}@${l.episode}`);
    expect(losses.sort()).toEqual(['fc_seed0@10', 'fc_seed0@20', 'fc_seed1@10', 'fc_seed1@20']);
    const stored = JSON.parse(readFileSync(path.join(out, 'networks', 'fc_seed1', 'result.json'), 'utf8'));
    const final = lines.find((l) => l.event === 'final-fitness')!;
    expect((final.fitness as number[])[1]).toBe(stored.fitness);
  });

  it('a bad $PRNN_JSONL_LOSS_EVERY is one error line naming it', () => {
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['@prnn/plugin-jsonl-logger'] }) });
    process.env.PRNN_JSONL_LOSS_EVERY = '0';
    try {
      const r = runCli(['train', '--arch', 'fc', '--seeds', '1', ...TINY], { cwd });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/PRNN_JSONL_LOSS_EVERY must be an integer ≥ 1 \(got "0"\)/)]);
    } finally {
      delete process.env.PRNN_JSONL_LOSS_EVERY;
    }
  });
});
