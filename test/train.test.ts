import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRun, readNetworkWeights } from '@prnn/agents';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, runCliBatch, type CliResult } from './run-cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
/** The results of wrong command lines, all run in one node process (runCliBatch) on the first call. */
function batched(commands: string[][]): (args: string[]) => CliResult {
  let results: CliResult[] | undefined;
  return (args) => {
    results ??= runCliBatch(commands);
    return results[commands.findIndex((c) => c.join('\0') === args.join('\0'))];
  };
}

function tmp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'prnn-train-'));
  dirs.push(dir);
  return dir;
}

const TINY = ['--episodes', '20', '--test-mazes', '10', '--curve-points', '4'];

describe('prnn train', () => {
  it('--json prints only the result: networks with fitness and curve, speed, backend; --out holds the run', async () => {
    const out = path.join(tmp(), 'run');
    const r = runCli(['train', '--arch', 'fc,hh+oh', '--seeds', '2', ...TINY, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual(['backend', 'memoryBytes', 'netEpisodesPerSecond', 'networks']);
    expect(json.memoryBytes).toBeGreaterThan(0);
    expect(json.networks.map((n: { arch: string; seed: number }) => `${n.arch}/${n.seed}`)).toEqual(['fc/0', 'fc/1', 'hh+oh/0', 'hh+oh/1']);
    for (const n of json.networks) {
      expect(Object.keys(n).sort()).toEqual(['arch', 'fitness', 'hidden', 'parameters', 'seed', 'trainingCurve']);
      expect(n.hidden).toBe(8);
      expect(n.fitness).toBeGreaterThanOrEqual(0);
      expect(n.fitness).toBeLessThanOrEqual(1);
      expect(n.trainingCurve).toHaveLength(4);
    }
    expect(json.networks[0].parameters).toBe(441);
    expect(json.netEpisodesPerSecond).toBeGreaterThan(0);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(json.backend);

    const run = await loadRun(out);
    expect(run.manifest.networks).toHaveLength(4);
    expect(run.manifest.path).toBe('compiled');
    expect(run.manifest.task).toMatchObject({ kind: 'track', steps: 6 });
    expect(run.results.map((x) => x?.fitness)).toEqual(json.networks.map((n: { fitness: number }) => n.fitness));
    const w = await readNetworkWeights(out, 'hh+oh_seed1');
    expect(Object.keys(w)).toEqual(['ih', 'ho', 'hh', 'oh']);

    // --resume of a finished run trains nothing and reports the same networks
    const again = runCli(['train', '--arch', 'fc,hh+oh', '--seeds', '2', ...TINY, '--out', out, '--resume', '--json']);
    expect(again.status).toBe(0);
    const j2 = JSON.parse(again.stdout);
    expect(j2.networks).toEqual(json.networks);
    expect(j2.netEpisodesPerSecond).toBeNull();
  });

  it('--workers 2 writes the weights of --workers 1; the memory estimate goes to stderr', async () => {
    const args = ['train', '--arch', 'fc,ff-large,hh+oh', '--seeds', '2', ...TINY];
    const a = path.join(tmp(), 'a');
    const b = path.join(tmp(), 'b');
    const one = runCli([...args, '--workers', '1', '--out', a]);
    expect(one.status).toBe(0);
    expect(one.stderr).toMatch(/^memory: about [\d.]+ [kMG]?B for 6 networks at once \([\d.]+ [kMG]?B per network; compiled path, 1 worker\)\n$/);
    const two = runCli([...args, '--workers', '2', '--out', b]);
    expect(two.status).toBe(0);
    expect(two.stderr).toMatch(/^memory: .* for the worker threads; compiled path, 2 workers\)\n$/);
    const run = await loadRun(b);
    for (const n of run.manifest.networks) expect(await readNetworkWeights(b, n.id)).toEqual(await readNetworkWeights(a, n.id));
    expect(run.results.map((r) => r?.fitness)).toEqual((await loadRun(a)).results.map((r) => r?.fitness));
  });

  it('the same seed gives the same networks; the General task takes its steps from the task', () => {
    const a = JSON.parse(runCli(['train', '--arch', '127', '--maze', 'general', ...TINY, '--json']).stdout);
    const b = JSON.parse(runCli(['train', '--arch', 'fc', '--maze', 'general', ...TINY, '--json']).stdout);
    expect(a.networks).toEqual(b.networks);
    expect(a.networks[0].arch).toBe('fc');
  });

  it('a learner from a plugin named in prnn.config.json: --learner replay-dqn', () => {
    const dir = tmp();
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, 'prnn.config.json'), JSON.stringify({ plugins: ['@prnn/plugin-replay-dqn'] }));
    const r = runCli(['train', '--arch', 'ff', ...TINY, '--learner', 'replay-dqn', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).networks).toHaveLength(1);
    const missing = runCli(['train', '--arch', 'ff', ...TINY, '--learner', 'replay-dqn']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('Error: --learner: learner "replay-dqn" is registered by no loaded plugin; loaded: dqn\n');
  });

  const TRAIN_ERRORS: [string[], RegExp][] = [
    [['--arch', 'xyz'], /^Error: --arch: unknown architecture "xyz"/],
    [['--arch', 'fc,999'], /^Error: --arch: architecture index must be an integer from 0 to 127 \(got 999\)$/],
    [['--arch', 'fc', '--episodes', '5'], /^Error: --episodes must be an integer ≥ 10 \(got 5\)$/],
    [['--arch', 'fc', '--episodes', '20', '--hidden', '0'], /^Error: --hidden must be an integer ≥ 1 \(got 0\)$/],
    [['--arch', 'fc', '--episodes', '20', '--steps', '0'], /^Error: --steps must be/],
    [['--arch', 'fc', '--episodes', '20', '--learner', 'sarsa'], /^Error: --learner: learner "sarsa" is registered by no loaded plugin; loaded: dqn$/],
    [['--arch', 'fc', '--episodes', '20', '--backend', 'gpu'], /^Error: --backend must be one of tensorflow, wasm, cpu \(got "gpu"\)$/],
    [['--arch', 'fc', '--episodes', '20', '--lr', 'fast'], /^Error: --lr must be a number/],
    [['--arch', 'fc', '--episodes', '20', '--resume'], /^Error: --resume needs --out/],
    [['--episodes', '20'], /^Error: Missing required flag --arch$/],
    [['--arch', 'fc', '--episodes', '20', '--seed', '4294967296'], /^Error: --seed: Expected an integer less than or equal to 4294967295/],
    [['--arch', 'fc', '--episodes', '20', '--seed-offset', '4294967295', '--seeds', '2'], /^Error: --seed-offset \+ --seeds - 1 must be ≤ 4294967295 \(got 4294967296\)$/],
    [['--arch', 'fc', '--episodes', '20', '--out', '/etc/passwd'], /^Error: --out: \/etc\/passwd is not a directory$/],
    [['--arch', 'fc', '--episodes', '20', '--out', '/etc/passwd/run'], /^Error: --out: cannot create directory \/etc\/passwd\/run: a part of the path is a file, not a directory; check the path given to --out$/],
    // Node's recursive mkdir never returns under /proc: the command creates --out level by level
    [['--arch', 'fc', '--episodes', '20', '--out', '/proc/prnn-x/run'], /^Error: --out: cannot create directory \/proc\/prnn-x: no such file or directory \(or it cannot be created there\); check the path given to --out$/],
    [['--arch', 'fc', '--episodes', '20', '--workers', '0'], /^Error: --workers must be an integer ≥ 1 \(got "0"\)$/],
    [['--arch', 'fc', '--episodes', '20', '--workers', '2.5'], /^Error: --workers must be an integer ≥ 1 \(got "2.5"\)$/],
    [['--arch', 'fc', '--episodes', '20', '--path', 'gpu'], /^Error: .*--path/],
  ];
  const trainError = batched(TRAIN_ERRORS.map(([args]) => ['train', ...args]));
  it.each(TRAIN_ERRORS)('bad input %j exits 2 with one line', (args, pattern) => {
    const r = trainError(['train', ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(pattern);
  });

  it('the text summary gives per architecture the networks, n, the median fitness and the interquartile range', async () => {
    const out = path.join(tmp(), 'run');
    const r = runCli(['train', '--arch', 'fc,ff', '--seeds', '4', ...TINY, '--workers', '1', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^arch\s+networks\s+n\s+median fitness\s+IQR \(q1–q3\)$/);
    const run = await loadRun(out);
    for (const arch of ['fc', 'ff']) {
      // type-7 quartiles of the four stored fitnesses: q at position q·3 of the sorted values
      const f = run.results.filter((x) => x?.arch.name === arch).map((x) => x!.fitness as number).sort((a, b) => a - b);
      const at = (p: number) => f[Math.floor(p * 3)] + (f[Math.min(3, Math.floor(p * 3) + 1)] - f[Math.floor(p * 3)]) * (p * 3 - Math.floor(p * 3));
      const row = lines.find((l) => l.startsWith(`${arch} `))!;
      expect(row.split(/\s+/)).toEqual([arch, '4', '4', ((f[1] + f[2]) / 2).toFixed(3), `${at(0.25).toFixed(3)}–${at(0.75).toFixed(3)}`]);
    }
  });

  it('refuses an --out that holds a different run', () => {
    const out = path.join(tmp(), 'run');
    expect(runCli(['train', '--arch', 'ff', ...TINY, '--out', out]).status).toBe(0);
    const r = runCli(['train', '--arch', 'fc', ...TINY, '--out', out, '--resume']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^Error: --out .* holds a different run/);
  });
});

const BENCH_KEYS = [
  'arch', 'backend', 'maze', 'memory', 'memory256', 'netEpisodesPerSecond', 'netEpisodesPerSecondPerCore', 'path', 'paths', 'population', 'reference', 'roofline',
  'speedup', 'tried', 'workers',
];

describe('prnn bench train', () => {
  it('--json: FC episodes per second per core at the given population, compiled by default', () => {
    const r = runCli(['bench', 'train', '--population', '8', '--seconds', '0.5', '--repeats', '1', '--warmup', '0', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual(BENCH_KEYS);
    expect(json).toMatchObject({ arch: 'fc', population: 8, path: 'compiled', workers: 1 });
    expect(json.netEpisodesPerSecondPerCore).toBeGreaterThan(0);
    expect(json.netEpisodesPerSecond).toBe(json.netEpisodesPerSecondPerCore);
    // the recorded reference (12.0 ms per General FC episode), and ratios computed from it
    const rate = json.netEpisodesPerSecondPerCore;
    expect(json.reference).toMatchObject({ task: 'general', arch: 'fc', msPerEpisode: 12 });
    expect(json.reference.episodesPerSecond).toBeCloseTo(83.3333, 3);
    expect(json.reference.machine).toMatch(/one core, PyTorch with one thread/);
    expect(json.speedup).toBeCloseTo((rate * 12) / 1000, 9);
    // FC, General, 20 steps: 441 weights → 918 FLOP per forward, 1 764 per backward, 6 615 for clip + Adam;
    // 20 × (2 × 918 + 1 764) + 6 615 = 78 615 (with a recomputed learning forward 20 × (3 × 918 + 1 764) + 6 615 = 96 975)
    expect(json.roofline).toMatchObject({ flopsPerEpisode: 78_615, flopsPerEpisodeRecomputed: 96_975, peakGflopsPerSecond: 8 });
    expect(json.roofline.gflopsPerSecond).toBeCloseTo((78_615 * rate) / 1e9, 9);
    expect(json.roofline.microsecondsPerEpisode).toBeCloseTo(1e6 / rate, 6);
    expect(json.roofline.fractionOfPeak).toBeCloseTo((78_615 * rate) / 8e9, 9);
    expect(json.roofline.episodesPerSecondAtPeak).toBeCloseTo(8e9 / 78_615, 6);
    // every registered path, generic first, each at the chosen population; the default path's rate is the headline
    const names = json.paths.map((p: { path: string }) => p.path);
    expect(names[0]).toBe('generic');
    expect(names).toEqual(['generic', 'compiled']);
    for (const p of json.paths) {
      expect(p.population).toBe(8);
      expect(p.netEpisodesPerSecondPerCore).toBeGreaterThan(0);
      expect(p.speedup).toBeCloseTo((p.netEpisodesPerSecondPerCore * 12) / 1000, 9);
    }
    expect(json.paths.find((p: { path: string }) => p.path === 'compiled').netEpisodesPerSecondPerCore).toBe(rate);
    // bytes per network; 256 FC networks train in ≤ 64 MB (the greedy test on 1 000 mazes comes on top)
    expect(json.memory).toMatchObject({ population: 8, testMazes: 1000 });
    expect(json.memory.trainingBytesPerNetwork).toBeCloseTo(json.memory.trainingBytes / 8, 6);
    expect(json.memory256.population).toBe(256);
    expect(json.memory256.trainingBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(json.memory256.withTestsBytes).toBeGreaterThan(json.memory256.trainingBytes);
  });

  it('--no-compare measures the chosen path only', () => {
    const r = runCli(['bench', 'train', '--population', '2', '--seconds', '0.3', '--repeats', '1', '--warmup', '0', '--no-compare', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).paths).toEqual([]);
  });

  it('--path generic --workers 2: the total over both threads and per core', () => {
    const r = runCli(['bench', 'train', '--population', '4', '--path', 'generic', '--workers', '2', '--seconds', '0.5', '--repeats', '1', '--warmup', '0', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual(BENCH_KEYS);
    expect(json).toMatchObject({ arch: 'fc', population: 4, path: 'generic', workers: 2 });
    expect(json.netEpisodesPerSecondPerCore).toBeGreaterThan(0);
    expect(json.netEpisodesPerSecond).toBeCloseTo(2 * json.netEpisodesPerSecondPerCore, 6);
  });

  const BENCH_ERRORS: [string[], RegExp][] = [
    [['--seconds', '0'], /^Error: --seconds must be a number in \(0, 3600\]/],
    [['--workers', '0'], /^Error: --workers must be an integer ≥ 1 \(got "0"\)$/],
    [['--warmup', '-1'], /^Error: --warmup must be a number in \[0, 600\]/],
  ];
  const benchError = batched(BENCH_ERRORS.map(([args]) => ['bench', 'train', ...args]));
  it.each(BENCH_ERRORS)('rejects bad flags %j with one line', (args, pattern) => {
    const r = benchError(['bench', 'train', ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(pattern);
  });
});

describe('prnn bench sweep', () => {
  it('--json: measured rates and the projected hours of the Track and General sweeps', () => {
    const r = runCli(['bench', 'sweep', '--workers', '1', '--population', '6', '--seconds', '0.3', '--warmup', '0', '--test-mazes', '5', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ workers: 1, population: 6, slice: 6, path: 'compiled' });
    for (const [task, steps, episodes] of [['track', 6, 100_000], ['general', 20, 400_000]] as const) {
      const t = json[task];
      expect(t).toMatchObject({ task, steps, networks: 6450, episodesPerNetwork: episodes, curvePoints: 100, testMazes: 1000 });
      expect(t.trainNetEpisodesPerSecond).toBeGreaterThan(0);
      expect(t.largeTrainNetEpisodesPerSecond).toBeGreaterThan(0);
      expect(t.evalTrialsPerSecond).toBeGreaterThan(0);
      expect(t.hours).toBeCloseTo(t.trainHours + t.evalHours, 9);
      // one thread, populations of 6: 6 450 × E network-episodes, the 128's at their rate, ff-large's at its own
      // (6 400 = 1 066 × 6 + 4: the population holding networks 6 396 … 6 401 is padded to ff-large's size)
      const seconds = (6396 * episodes) / t.trainNetEpisodesPerSecond + (54 * episodes) / t.largeTrainNetEpisodesPerSecond;
      expect(t.trainHours).toBeCloseTo(seconds / 3600, 6);
      // 101 tests of 1 000 mazes per network
      expect(t.evalHours).toBeCloseTo((6450 * 101 * 1000) / t.evalTrialsPerSecond / 3600, 6);
    }
    expect(json.general.trainHours).toBeGreaterThan(json.track.trainHours);
    // ratios from the recorded reference: Track 3.65 ms per mixed episode, General 12.0 ms per FC episode; 0.85 / 2.6 ms per trial
    for (const [task, episodeMs, trialMs, episodes] of [['track', 3.65, 0.85, 100_000], ['general', 12, 2.6, 400_000]] as const) {
      const t = json[task];
      expect(t).toMatchObject({ referenceMsPerEpisode: episodeMs, referenceMsPerTrial: trialMs });
      expect(t.trainSpeedupPerCore).toBeCloseTo((t.trainNetEpisodesPerSecond * episodeMs) / 1000, 6);
      expect(t.evalSpeedupPerCore).toBeCloseTo((t.evalTrialsPerSecond * trialMs) / 1000, 6);
      expect(t.referenceHours).toBeCloseTo((6450 * (episodes * episodeMs + 101 * 1000 * trialMs)) / 1000 / 3600, 6);
    }
    expect(json.referenceMachine).toMatch(/BENCHMARKS.md/);
  });

  it('rejects --workers 0 with one line', () => {
    const r = runCli(['bench', 'sweep', '--workers', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('Error: --workers must be an integer ≥ 1 (got "0")\n');
  });
});
