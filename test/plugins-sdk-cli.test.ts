import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, projectDirs, runCli } from './run-cli.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

const TINY = ['--episodes', '20', '--test-mazes', '12', '--curve-points', '2'];
const config = (plugins: string[]) => JSON.stringify({ plugins });

/** Exactly one line `Error: …` matching `pattern`, exit status 2. */
function expectOneLine(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
}

describe('a plugin architecture from the CLI (the low-rank tanh RNN package)', () => {
  it('trains mixed with fc on 2 workers, exports, evaluates the policy to its stored fitness, and is measured', () => {
    const cwd = project({ 'prnn.config.json': config(['@prnn/plugin-lowrank-rnn']) });
    const out = path.join(cwd, 'run');
    const train = runCli(['train', '--arch', 'fc,lowrank-r2', '--seeds', '2', ...TINY, '--workers', '2', '--out', out, '--json'], { cwd });
    expect(train.status).toBe(0);
    const trained = JSON.parse(train.stdout);
    expect(trained.networks.map((n: { arch: string }) => n.arch)).toEqual(['fc', 'fc', 'lowrank-r2', 'lowrank-r2']);
    const manifest = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(manifest.paths).toEqual({ 'nine-pathway': 'compiled', 'lowrank-rnn': 'compiled' });
    const result = JSON.parse(readFileSync(path.join(out, 'networks', 'lowrank-r2_seed1', 'result.json'), 'utf8'));
    expect(result.weights.map((w: { name: string; shape: number[] }) => [w.name, w.shape])).toEqual([
      ['w_in', [8, 8]],
      ['m', [8, 2]],
      ['n', [8, 2]],
      ['w_out', [8, 5]],
    ]);

    const onnx = path.join(cwd, 'lowrank.onnx');
    const exported = runCli(['export', '--run', out, '--arch', 'lowrank-r2', '--seed', '1', '--out', onnx], { cwd });
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    // the policy, on the run's test set at the training σs with the network's seed, gives the stored fitness
    const policy = runCli(['eval', '--policy', onnx, '--like', out, '--noise', '0.05', '--json'], { cwd });
    expect(policy.status, policy.stderr).toBe(0);
    expect(JSON.parse(policy.stdout).fitness[0]).toBe(result.fitness);
    const evaluated = runCli(['eval', '--run', out, '--noise', '0.05', '--mazes', '12', '--json'], { cwd });
    expect(evaluated.status).toBe(0);
    const byId = Object.fromEntries(JSON.parse(evaluated.stdout).networks.map((n: { id: string; fitness: number[] }) => [n.id, n.fitness[0]]));
    expect(byId['lowrank-r2_seed1']).toBe(result.fitness);

    const measured = runCli(['measure', '--run', out, '--metric', 'activity,weight-norms', '--json'], { cwd });
    expect(measured.status).toBe(0);
    const values = JSON.parse(measured.stdout).networks;
    expect(values).toHaveLength(4);
    expect(Object.keys(values[3].values['weight-norms'])).toEqual(['w_in', 'm', 'n', 'w_out']);
    expect(Object.keys(values[0].values['weight-norms'])).toHaveLength(9);
    expect(existsSync(path.join(out, 'measures.json'))).toBe(true);

    // Jacobian measures: fc by the 9-pathway family's compiled Jacobian, lowrank-rnn by autodiff through its step
    const memory = runCli(['measure', '--run', out, '--metric', 'input-sensitivity,memory-capacity', '--json'], { cwd });
    expect(memory.stderr).toBe('');
    for (const n of JSON.parse(memory.stdout).networks) {
      expect(n.values['input-sensitivity'], n.id).toBeGreaterThan(0);
      expect(n.values['memory-capacity'], n.id).toBeGreaterThanOrEqual(1);
    }
    const report = path.join(cwd, 'report');
    const analyzed = runCli(['analyze', '--run', out, '--mazes', '12', '--trees', '3', '--folds', '2', '--out', report, '--json'], { cwd });
    expect(analyzed.stderr).toBe('');
    const networks = JSON.parse(analyzed.stdout).networks as { id: string; jacobian: string; memoryCapacity: number; inputSensitivity: number }[];
    expect(Object.fromEntries(networks.map((n) => [n.id, n.jacobian]))).toEqual({
      fc_seed0: 'compiled', fc_seed1: 'compiled', 'lowrank-r2_seed0': 'compiled', 'lowrank-r2_seed1': 'compiled',
    });
    const measuredNow = Object.fromEntries(JSON.parse(memory.stdout).networks.map((n: { id: string; values: Record<string, number> }) => [n.id, n.values]));
    for (const n of networks) expect(n.memoryCapacity, n.id).toBeGreaterThanOrEqual(1);
    // prnn measure replays the same test trials through the step (the run's test set at σs = 0.05)
    expect(networks.find((n) => n.id === 'lowrank-r2_seed1')!.inputSensitivity).toBeCloseTo(measuredNow['lowrank-r2_seed1']['input-sensitivity'], 4);

    const archs = JSON.parse(runCli(['archs', '--json'], { cwd }).stdout);
    expect(archs.slice(-2)).toEqual([
      expect.objectContaining({ name: 'lowrank-r1', family: 'lowrank-rnn', plugin: '@prnn/plugin-lowrank-rnn' }),
      expect.objectContaining({ name: 'lowrank-r2', family: 'lowrank-rnn', plugin: '@prnn/plugin-lowrank-rnn', parameters: 136 }),
    ]);
  });
});

describe('a plugin task and a plugin metric from the CLI', () => {
  it('--task trains (2 workers), evaluates the run and a policy on the plugin task, and q-margin measures it', () => {
    const cwd = project({ 'prnn.config.json': config(['@prnn/plugin-distractor-track', '@prnn/plugin-q-margin-metric']) });
    const out = path.join(cwd, 'run');
    const train = runCli(['train', '--task', 'distractor/Track-v0', '--arch', 'hh', '--seeds', '2', ...TINY, '--workers', '2', '--out', out], { cwd });
    expect(train.status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({ taskSource: 'distractor/Track-v0', task: { kind: 'track', channels: 3 } });
    const stored = JSON.parse(readFileSync(path.join(out, 'networks', 'hh_seed1', 'result.json'), 'utf8')).fitness;
    const evaluated = JSON.parse(runCli(['eval', '--run', out, '--noise', '0.05', '--mazes', '12', '--json'], { cwd }).stdout);
    expect(evaluated.networks[1].fitness[0]).toBe(stored);

    const onnx = path.join(cwd, 'hh.onnx');
    expect(runCli(['export', '--run', out, '--id', 'hh_seed1', '--out', onnx], { cwd }).status).toBe(0);
    const policy = runCli(['eval', '--policy', onnx, '--task', 'distractor/Track-v0', '--noise', '0.05', '--mazes', '12', '--json'], { cwd });
    expect(policy.status).toBe(0);
    // evaluated as the run measured its networks (--like: its task, test set and the policy's seed) it gives the stored fitness
    const like = runCli(['eval', '--policy', onnx, '--like', out, '--noise', '0.05', '--json'], { cwd });
    expect(like.status, like.stderr).toBe(0);
    expect(JSON.parse(like.stdout).fitness[0]).toBe(stored);
    // without --task the policy (12 inputs) does not fit the 2-channel Track maze
    expectOneLine(runCli(['eval', '--policy', onnx, '--noise', '0.05', '--mazes', '12'], { cwd }), /reads 12 observation values per step \(made for 3 cue channels\), but the task has 2 channels/);
    expectOneLine(runCli(['train', '--task', 'distractor/Track-v0', '--maze', 'general', '--arch', 'ff', ...TINY], { cwd }), /^Error: --task and --maze exclude each other/);

    const measured = JSON.parse(runCli(['measure', '--run', out, '--metric', 'q-margin', '--json'], { cwd }).stdout);
    for (const n of measured.networks) expect(n.values['q-margin']).toBeGreaterThan(0);
  });
});

describe('plugin failures: one clear line, exit 2, nothing half-written', () => {
  it('a plugin that throws on import', () => {
    const cwd = project({ 'prnn.config.json': config(['./boom.mjs']), 'boom.mjs': "throw new Error('boom at load');\n" });
    const out = path.join(cwd, 'run');
    expectOneLine(runCli(['train', '--arch', 'fc', ...TINY, '--out', out], { cwd }), /^Error: plugin "\.\/boom\.mjs" could not be imported: boom at load$/);
    expect(existsSync(out)).toBe(false);
    // --debug (or PRNN_DEBUG=1) adds the stack
    const debug = runCli(['train', '--arch', 'fc', ...TINY, '--out', out, '--debug'], { cwd });
    expect(debug.status).toBe(2);
    expect(debug.stderr).toMatch(/^Error: plugin "\.\/boom\.mjs" could not be imported: boom at load\n/);
    expect(debug.stderr).toMatch(/boom\.mjs:1/);
  });

  it('a plugin that registers a malformed architecture', () => {
    const plugin = `
import { definePlugin, TYPES } from '@prnn/agents';
export default definePlugin({
  manifest: { name: 'half-done', version: '0.0.1' },
  module: ({ bind }) => bind(TYPES.Architecture).toConstantValue({ family: 'half', description: 'no methods yet', list: () => [] }),
});
`;
    const cwd = project({ 'prnn.config.json': config(['./half.mjs']), 'half.mjs': plugin });
    const out = path.join(cwd, 'run');
    expectOneLine(
      runCli(['train', '--arch', 'fc', ...TINY, '--out', out], { cwd }),
      /^Error: plugin half-done registered a malformed architecture "half": resolve, createPopulation must be functions$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown learner parameter, and a known one that reaches the learner', () => {
    const cwd = project({ 'prnn.config.json': config(['@prnn/plugin-replay-dqn']) });
    const out = path.join(cwd, 'run');
    expectOneLine(
      runCli(['train', '--arch', 'fc', ...TINY, '--learner', 'replay-dqn', '--learner-param', 'bufferSize=10', '--out', out], { cwd }),
      /^Error: --learner-param: learner replay-dqn has no parameter "bufferSize"; its parameters: .*bufferEpisodes/,
    );
    expectOneLine(runCli(['train', '--arch', 'fc', ...TINY, '--learner-param', 'gamma'], { cwd }), /^Error: --learner-param must be key=value \(got "gamma"\)$/);
    expect(existsSync(out)).toBe(false);
    const ok = runCli(['train', '--arch', 'fc', ...TINY, '--learner', 'replay-dqn', '--learner-param', 'bufferEpisodes=7', '--learner-param', 'targetUpdateEvery=3', '--out', out, '--json'], { cwd });
    expect(ok.status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(manifest.config).toMatchObject({ bufferEpisodes: 7, targetUpdateEvery: 3 });
  });

  it('a metric that throws', () => {
    const metric = `
import { definePlugin, TYPES } from '@prnn/agents';
export default definePlugin({
  manifest: { name: 'fragile-metric', version: '0.0.1' },
  module: ({ bind }) => bind(TYPES.Metric).toConstantValue({ name: 'fragile', description: 'throws', measure: () => { throw new Error('no data'); } }),
});
`;
    const cwd = project({ 'prnn.config.json': config(['./fragile.mjs']), 'fragile.mjs': metric });
    const out = path.join(cwd, 'run');
    expect(runCli(['train', '--arch', 'ff', ...TINY, '--out', out], { cwd }).status).toBe(0);
    const before = readdirSync(out).sort();
    expectOneLine(runCli(['measure', '--run', out, '--metric', 'parameters,fragile'], { cwd }), /^Error: metric fragile failed on network ff_seed0: no data$/);
    expect(readdirSync(out).sort()).toEqual(before);
    expectOneLine(runCli(['measure', '--run', out, '--metric', 'nope'], { cwd }), /^Error: --metric: metric "nope" is registered by no loaded plugin; loaded: .*fragile, input-sensitivity, memory, memory-capacity, robustness, sample-efficiency$/);
  });
});

describe('prnn bench train --arch: a plugin family on its compiled step', () => {
  it('measures the GRU plugin\'s network on the compiled path (its default) and names it', () => {
    const cwd = project({ 'prnn.config.json': config(['@prnn/plugin-gru']) });
    const r = runCli(['bench', 'train', '--arch', 'gru', '--population', '4', '--seconds', '0.3', '--repeats', '1', '--warmup', '0', '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ arch: 'gru', population: 4, path: 'compiled' });
    expect(json.paths.map((p: { path: string }) => p.path)).toEqual(['generic', 'compiled']);
    for (const p of json.paths) expect(p.netEpisodesPerSecondPerCore).toBeGreaterThan(0);
  });
  it('--maze track trains it on the Track maze (FC\'s compiled rate can be measured in the same run)', () => {
    const cwd = project({ 'prnn.config.json': config(['@prnn/plugin-gru']) });
    const r = runCli(['bench', 'train', '--maze', 'track', '--arch', 'gru', '--path', 'compiled', '--population', '4', '--seconds', '0.3', '--repeats', '1', '--warmup', '0', '--no-compare', '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ arch: 'gru', population: 4, path: 'compiled', maze: 'track' });
    const bad = runCli(['bench', 'train', '--maze', 'bogus'], { cwd });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('Error: Expected --maze=bogus to be one of: general, track, h');
  });
});
