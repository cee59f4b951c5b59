// `prnn analyze --workers 2` of a run trained on a plugin task (distractor-track) with a plugin metric (q-margin),
// both named in prnn.config.json as a user names them: the analysis measures the run's own test set (at σs 0.05 each
// network's fitness is its stored fitness), and the plugin metric gets the recorded trials `prnn measure` gives it;
// an exported network is analysed on the plugin task with --policy --task.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { project, projectDirs, runCli } from './run-cli.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

interface AnalysedNetwork {
  id: string;
  fitness: number;
  storedFitness: number;
  extra: Record<string, number>;
}

let cwd: string;
let out: string;
let networks: AnalysedNetwork[];

beforeAll(() => {
  cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['@prnn/plugin-distractor-track', '@prnn/plugin-q-margin-metric'] }) });
  out = path.join(cwd, 'run');
  const tiny = ['--episodes', '20', '--test-mazes', '12', '--curve-points', '2', '--workers', '2'];
  const train = runCli(['train', '--task', 'distractor/Track-v0', '--arch', 'fc,hh', '--seeds', '2', ...tiny, '--out', out], { cwd });
  expect(train.status, train.stderr).toBe(0);
  const report = path.join(cwd, 'report');
  const analyze = runCli(['analyze', '--run', out, '--out', report, '--mazes', '12', '--noise', '0,0.05', '--trees', '3', '--folds', '2', '--workers', '2', '--metrics', 'fitness,q-margin', '--json'], { cwd });
  expect(analyze.stderr).toBe('');
  expect(analyze.status).toBe(0);
  networks = JSON.parse(readFileSync(path.join(report, 'analysis.json'), 'utf8')).networks;
  expect(networks).toHaveLength(4);
});

describe('prnn analyze --workers 2 with a plugin task and a plugin metric', () => {
  it('evaluates on the plugin task\'s test set: at σs 0.05 every network has its stored fitness', () => {
    for (const n of networks) expect(n.fitness, n.id).toBe(n.storedFitness);
    // not a vacuous match: the networks differ
    expect(new Set(networks.map((n) => n.storedFitness)).size).toBeGreaterThan(1);
  });

  it('gives the plugin metric the recorded trials: q-margin equals prnn measure\'s, network by network', () => {
    const measure = runCli(['measure', '--run', out, '--metric', 'q-margin', '--json'], { cwd });
    expect(measure.status, measure.stderr).toBe(0);
    const measured = new Map<string, number>(JSON.parse(measure.stdout).networks.map((n: { id: string; values: Record<string, number> }) => [n.id, n.values['q-margin']]));
    expect(networks.map((n) => n.id).sort()).toEqual([...measured.keys()].sort());
    for (const n of networks) {
      expect(n.extra['q-margin'], n.id).toBeGreaterThan(0);
      expect(n.extra['q-margin'], n.id).toBe(measured.get(n.id));
    }
  });

  it('--policy --task: an exported network analysed on the plugin task gives the fitness of prnn eval --policy --task', () => {
    const onnx = path.join(cwd, 'hh.onnx');
    expect(runCli(['export', '--run', out, '--id', 'hh_seed1', '--out', onnx], { cwd }).status).toBe(0);
    // analyze's --seed is the evaluation seed and the test set's: eval's --seed and --test-seed
    const levels = ['--mazes', '12', '--noise', '0,0.1,0.3', '--seed', '4'];
    const evaluated = runCli(['eval', '--policy', onnx, '--task', 'distractor/Track-v0', ...levels, '--test-seed', '4', '--json'], { cwd });
    expect(evaluated.status, evaluated.stderr).toBe(0);
    const report = path.join(cwd, 'policy-report');
    const analyze = runCli(['analyze', '--policy', onnx, '--task', 'distractor/Track-v0', ...levels, '--out', report, '--metrics', 'fitness,noise-sweep'], { cwd });
    expect(analyze.status, analyze.stderr).toBe(0);
    const [network] = JSON.parse(readFileSync(path.join(report, 'analysis.json'), 'utf8')).networks;
    expect(network.fitnessByNoise).toEqual(JSON.parse(evaluated.stdout).fitness);
    // a run is analysed on its own task
    const refused = runCli(['analyze', '--run', out, '--task', 'distractor/Track-v0', '--out', path.join(cwd, 'never')], { cwd });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^Error: .*--task.*--policy$/);
  });
});
