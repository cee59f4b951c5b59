import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, projectDirs, runCli } from './run-cli.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A user's plugin that decorates the CLI's progress reporter (TYPES.DefaultProgressReporter), rebinds the
 * trainer runtime to a wrapper of the built-in one and binds a second logger next to the JSON-lines one; all
 * record what they receive in files of the project.
 */
const DECORATOR = `
import { appendFileSync } from 'node:fs';
import { TYPES, definePlugin, trainRun } from '@prnn/agents';
const record = (file, value) => appendFileSync(file, JSON.stringify(value) + '\\n');
export default definePlugin({
  manifest: { name: 'decorating-plugin', version: '1.0.0' },
  module: ({ bind }) => {
    bind(TYPES.ProgressReporter).toDynamicValue((context) => {
      const inner = context.get(TYPES.DefaultProgressReporter);
      return {
        update(p) { record('progress.jsonl', { done: p.done, total: p.total, wrapped: typeof inner.update === 'function' }); inner.update(p); },
        finish() { record('progress.jsonl', { finish: true }); inner.finish(); },
      };
    });
    bind(TYPES.TrainerRuntime).toConstantValue({
      async train(options) {
        record('trainer.jsonl', { members: options.members.length, loggers: options.loggers.length });
        const result = await trainRun(options);
        record('trainer.jsonl', { fitness: result.networks.map((n) => n.fitness) });
        return result;
      },
    });
    bind(TYPES.Logger).toConstantValue({
      runStart: (e) => record('second.jsonl', { event: 'run-start', networks: e.networks.length }),
      curvePoint: (e) => record('second.jsonl', { event: 'curve-point', fitness: e.fitness }),
      loss: () => record('second.jsonl', { event: 'loss' }),
      finalFitness: (e) => record('second.jsonl', { event: 'final-fitness', fitness: e.fitness }),
      runEnd: () => record('second.jsonl', { event: 'run-end' }),
    });
  },
});
`;

const read = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('services a plugin binds in the container, used by prnn train', () => {
  it('a decorated progress reporter sees the whole run, a rebound trainer trains it, and several loggers all receive every event', () => {
    const cwd = project({
      'prnn.config.json': JSON.stringify({ plugins: ['@prnn/plugin-jsonl-logger', './decorate.mjs'] }),
      'decorate.mjs': DECORATOR,
    });
    const out = path.join(cwd, 'run');
    const r = runCli(['train', '--arch', 'fc,hh', '--seeds', '1', '--episodes', '12', '--test-mazes', '8', '--curve-points', '3', '--backend', 'cpu', '--out', out, '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    const progress = read(path.join(cwd, 'progress.jsonl'));
    const updates = progress.filter((p) => p.finish === undefined);
    // 2 networks × 12 episodes; the last report is of the finished run
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) expect(u).toMatchObject({ total: 24, wrapped: true });
    expect(updates[updates.length - 1].done).toBe(24);
    for (let k = 1; k < updates.length; k++) expect(updates[k].done as number).toBeGreaterThanOrEqual(updates[k - 1].done as number);
    expect(progress.filter((p) => p.finish === true).length).toBeGreaterThanOrEqual(1);

    // the CLI trained through the plugin's trainer, handing it both loggers
    expect(read(path.join(cwd, 'trainer.jsonl'))).toEqual([{ members: 2, loggers: 2 }, { fitness: JSON.parse(r.stdout).networks.map((n: { fitness: number }) => n.fitness) }]);

    const jsonl = read(path.join(out, 'events.jsonl'));
    const second = read(path.join(cwd, 'second.jsonl'));
    expect(second.map((e) => e.event)).toEqual(jsonl.map((e) => e.event));
    const trained = JSON.parse(r.stdout) as { networks: { fitness: number; trainingCurve: number[] }[] };
    expect(second.filter((e) => e.event === 'final-fitness').map((e) => e.fitness)).toEqual([[trained.networks[0].fitness, trained.networks[1].fitness]]);
    expect(second.filter((e) => e.event === 'curve-point').map((e) => e.fitness)).toEqual([0, 1, 2].map((k) => trained.networks.map((n) => n.trainingCurve[k])));
  });
});

describe('a logger that fails', () => {
  it('fails the run with its one-line error, after closing every logger', () => {
    const failing = `
import { appendFileSync } from 'node:fs';
import { PrnnError, TYPES, definePlugin } from '@prnn/agents';
export default definePlugin({
  manifest: { name: 'failing-logger', version: '1.0.0' },
  module: ({ bind }) => {
    bind(TYPES.Logger).toConstantValue({
      curvePoint() { throw new PrnnError('tracker unreachable: check TRACKER_URL'); },
      runEnd() { appendFileSync('ended', 'x'); },
      close() { appendFileSync('closed', 'x'); },
    });
  },
});
`;
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['./failing.mjs'] }), 'failing.mjs': failing });
    const r = runCli(['train', '--arch', 'fc', '--seeds', '1', '--episodes', '10', '--test-mazes', '4', '--curve-points', '2', '--backend', 'cpu', '--json'], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/tracker unreachable: check TRACKER_URL/)]);
    expect(existsSync(path.join(cwd, 'closed'))).toBe(true);
    expect(existsSync(path.join(cwd, 'ended'))).toBe(false);
  });
});
