import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { oneErrorLine, runCli, runCliBatch } from './run-cli.js';
import { useTrainedRun } from './trained-run-fixture.js';

// A tiny real run: `prnn train` with a few episodes (fc and hh+oh, seed 0), then export and eval.
const fixture = useTrainedRun('prnn-export-eval-cli-', { arch: 'fc,hh+oh', seeds: 1, episodes: 20, testMazes: 24, curvePoints: 2, seed: 7 });
let stored: Record<string, number | null>;

beforeAll(async () => {
  stored = {};
  for (const id of ['fc_seed0', 'hh+oh_seed0']) {
    stored[id] = JSON.parse(await readFile(join(fixture.run, 'networks', id, 'result.json'), 'utf8')).fitness;
  }
});

describe('prnn export / prnn eval', () => {
  it('exports one network as an ONNX file that prnn eval --policy evaluates', () => {
    const file = join(fixture.dir, 'hh-oh.onnx');
    const exp = runCli(['export', '--run', fixture.run, '--arch', 'hh+oh', '--out', file, '--json']);
    expect(exp.status).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ id: 'hh+oh_seed0', arch: 'hh+oh', seed: 0, file, obsSize: 8, stateSize: 21 });
    expect(existsSync(file)).toBe(true);
    expect(readdirSync(fixture.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const ev = runCli(['eval', '--policy', file, '--mazes', '24', '--noise', '0.05', '--seed', '0', '--json']);
    expect(ev.status).toBe(0);
    const json = JSON.parse(ev.stdout);
    expect(Object.keys(json)).toEqual(['noise', 'fitness', 'robustness', 'mazes', 'engine', 'seconds']);
    expect(json).toMatchObject({ noise: [0.05], robustness: null, mazes: 24, engine: 'onnx' });
    expect(json.seconds).toBeGreaterThan(0);
    expect(typeof json.fitness[0]).toBe('number');
  });

  it('eval --run: every network, results written into the run, onnx and tfjs engines identical, σs 0.05 = trained fitness', async () => {
    const onnx = runCli(['eval', '--run', fixture.run, '--mazes', '24', '--noise', '0,0.05,0.2', '--json']);
    expect(onnx.stderr).toBe('');
    expect(onnx.status).toBe(0);
    const a = JSON.parse(onnx.stdout);
    expect(a.networks.map((n: { id: string }) => n.id)).toEqual(['fc_seed0', 'hh+oh_seed0']);
    expect(a.file).toBe(join(fixture.run, 'eval.json'));
    const written = JSON.parse(await readFile(join(fixture.run, 'eval.json'), 'utf8'));
    expect(written.networks.map((n: { fitness: number[] }) => n.fitness)).toEqual(a.networks.map((n: { fitness: number[] }) => n.fitness));
    for (const n of a.networks) {
      expect(n.fitness[1]).toBe(stored[n.id]);
      expect(n.robustness).toBeGreaterThan(0);
    }
    const tfjs = runCli(['eval', '--run', fixture.run, '--mazes', '24', '--noise', '0,0.05,0.2', '--engine', 'tfjs', '--backend', 'cpu', '--out', join(fixture.dir, 'eval-tfjs.json'), '--json']);
    expect(tfjs.status).toBe(0);
    const b = JSON.parse(tfjs.stdout);
    expect(b.engine).toBe('tfjs');
    expect(b.networks).toEqual(a.networks);
    // the compiled engine: float32-close q (docs/guides/performance.md); on this run the same fitness
    const compiled = runCli(['eval', '--run', fixture.run, '--mazes', '24', '--noise', '0,0.05,0.2', '--engine', 'compiled', '--out', join(fixture.dir, 'eval-compiled.json'), '--json']);
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    const c = JSON.parse(compiled.stdout);
    expect(c.engine).toBe('compiled');
    expect(c.networks).toEqual(a.networks);
  });

  it('text output lists the levels and robustness', () => {
    const out = runCli(['eval', '--run', fixture.run, '--mazes', '10', '--noise', '0:0.5:21', '--out', join(fixture.dir, 'eval-21.json')]);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/2 networks of .* on 10 track mazes \(engine onnx\)/);
    expect(out.stdout).toMatch(/fc_seed0 .*\d\.\d{4}/);
    expect(out.stdout).toContain('robustness');
    // every level has its column (none hidden), 0.3 included
    for (const level of ['σ=0', 'σ=0.3', 'σ=0.5']) expect(out.stdout).toContain(level);
    expect(out.stdout.split('\n')[1].match(/σ=/g)).toHaveLength(21);
  });

  it('errors: one line, exit 2', async () => {
    const junk = join(fixture.dir, 'junk.onnx');
    await writeFile(junk, 'not a model');
    // the wrong command lines run in one node process (runCliBatch), each as `prnn …` would
    const cases: [string[], RegExp | string][] = [
      [['export', '--run', fixture.run, '--arch', 'ii', '--out', join(fixture.dir, 'x.onnx')], /^Error: no trained network matches --arch ii; run .* holds 2 trained networks: fc_seed0 \(--arch fc --seed 0\), hh\+oh_seed0 \(--arch hh\+oh --seed 0\)$/],
      [['export', '--run', fixture.run, '--out', join(fixture.dir, 'x.onnx')], /^Error: no selection matches 2 networks; choose one with --arch and --seed; run .* holds 2 trained networks/],
      [['export', '--run', join(fixture.dir, 'missing'), '--arch', 'fc', '--out', join(fixture.dir, 'x.onnx')], /^Error: --run: run manifest not found/],
      [['export', '--run', fixture.run, '--arch', 'fc', '--out', '/nonexistent-dir/x.onnx'], /^Error: --out: cannot write \/nonexistent-dir\/x\.onnx: its directory does not exist; check the path given to --out$/],
      [['eval', '--policy', join(fixture.dir, 'none.onnx')], /^Error: --policy file .*none\.onnx cannot be read \(ENOENT\)$/],
      [['eval', '--policy', junk], /^Error: --policy junk\.onnx is not (an ONNX model|a valid ONNX model)/],
      [['eval', '--policy', junk, '--noise', '0.1,-2'], /^Error: --noise levels must be finite numbers ≥ 0/],
      [['eval', '--policy', junk, '--noise', 'lots'], /"lots" is not a number/],
      [['eval', '--policy', junk, '--run', fixture.run], /^Error: .*(--policy|--run)/],
      [['eval', '--policy', junk, '--engine', 'tfjs'], /^Error: --engine tfjs needs --run/],
      [['eval', '--policy', junk, '--engine', 'compiled'], /^Error: --engine compiled needs --run \(an ONNX policy file runs on onnxruntime only\): use --engine onnx with --policy$/],
      [['eval', '--run', fixture.run, '--engine', 'compiled', '--workers', '2', '--out', join(fixture.dir, 'w.json')], /^Error: --engine compiled runs on this thread only: pass --workers 1 \(got 2\) or use --engine onnx$/],
      [['bench', 'eval', '--engine', 'compiled', '--workers', '2'], /^Error: --engine compiled runs on this thread only: pass --workers 1 \(got 2\) or use --engine onnx$/],
      [['bench', 'eval', '--engine', 'compiled', '--levels-per-batch', '1'], 'Error: --levels-per-batch times onnxruntime only: leave it out with --engine compiled'],
      [['bench', 'eval', '--engine', 'gpu'], 'Error: Expected --engine=gpu to be one of: onnx, compiled'],
      [['eval'], 'Error: Exactly one of the following must be provided: --policy, --run'],
      [['export', '--arch', 'fc'], 'Error: Missing required flag --out; Missing required flag --run'],
      [['eval', '--run', fixture.run, '--engine', 'tfjs', '--backend', 'gpu'], /^Error: --backend must be one of tensorflow, wasm, cpu \(got "gpu"\)$/],
      [['bench', 'eval', '--arch', 'nope', '--networks', '1', '--mazes', '2', '--noise', '0'], /^Error: --arch: unknown architecture "nope"/],
      [['bench', 'eval', '--noise', 'lots'], /^Error: --noise must be .*"lots" is not a number/],
    ];
    const results = runCliBatch(cases.map(([args]) => args));
    cases.forEach(([args, expected], k) => {
      const line = oneErrorLine(results[k]);
      if (typeof expected === 'string') expect(line, args.join(' ')).toBe(expected);
      else expect(line, args.join(' ')).toMatch(expected);
    });
    const file = join(fixture.dir, 'fc.onnx');
    expect(runCli(['export', '--run', fixture.run, '--arch', 'fc', '--seed', '0', '--out', file]).status).toBe(0);
    expect(oneErrorLine(runCli(['eval', '--policy', file, '--channels', '3', '--mazes', '4']))).toMatch(
      /^Error: --policy .*fc\.onnx reads 8 observation values per step \(made for 2 cue channels\), but the task has 3 channels \(4·C = 12 values\): pass --channels 2, or a policy made for 3 channels$/,
    );
  });

  it('bench eval prints the medians as JSON (a small sweep; speed itself is not asserted)', () => {
    const out = runCli(['bench', 'eval', '--networks', '1', '--mazes', '50', '--noise', '0:0.5:3', '--json']);
    expect(out.status).toBe(0);
    const json = JSON.parse(out.stdout);
    // the recorded reference: 0.85 ms per Track test trial → 3 levels × 50 mazes = 0.1275 s
    expect(json).toMatchObject({ arch: 'fc', task: 'track', mazes: 50, levels: 3, networks: 1, warmup: 5, referenceMsPerTrial: 0.85 });
    expect(json.referenceSecondsPerNetwork).toBeCloseTo(0.1275, 12);
    expect(json.secondsPerNetwork).toBeGreaterThan(0);
    expect(json.totalSecondsPerNetwork).toBeGreaterThanOrEqual(json.secondsPerNetwork);
    expect(json.speedup).toBeCloseTo(0.1275 / json.totalSecondsPerNetwork, 9);
    expect(json.sweepSpeedup).toBeCloseTo(0.1275 / json.secondsPerNetwork, 9);
    // not the paper's 21 × 1 000 sweep: no target; FC Track forward = 2 × 441 + 8 + 8 + 20 = 918 FLOP, 6 steps, 150 trials
    expect(json.targetSeconds).toBeUndefined();
    expect(json.roofline.flopsPerSweep).toBe(150 * 6 * 918);
    expect(json.roofline.gflopsPerSecond).toBeCloseTo((150 * 6 * 918) / json.secondsPerNetwork / 1e9, 9);
    expect(json.batching).toBeUndefined();
    expect(json.engine).toBe('onnx');
    const compiled = JSON.parse(runCli(['bench', 'eval', '--engine', 'compiled', '--networks', '1', '--mazes', '50', '--noise', '0:0.5:3', '--json']).stdout);
    expect(compiled).toMatchObject({ engine: 'compiled', arch: 'fc', task: 'track', mazes: 50, levels: 3, networks: 1 });
    expect(compiled.roofline.flopsPerSweep).toBe(150 * 6 * 918);
    const general = JSON.parse(runCli(['bench', 'eval', '--maze', 'general', '--networks', '1', '--mazes', '20', '--noise', '0:0.5:4', '--levels-per-batch', '1,4', '--json']).stdout);
    expect(general.referenceSecondsPerNetwork).toBeCloseTo((2.6 * 4 * 20) / 1000, 12);
    expect(general.batching.map((b: { levelsPerBatch: number; rows: number }) => [b.levelsPerBatch, b.rows])).toEqual([[1, 20], [4, 80]]);
    expect(oneErrorLine(runCli(['bench', 'eval', '--levels-per-batch', '0,x']))).toBe('Error: --levels-per-batch must be comma-separated integers ≥ 1 (got "0,x")');
    // --warmup: none, or several untimed networks before the one timed network
    const cold = JSON.parse(runCli(['bench', 'eval', '--warmup', '0', '--networks', '1', '--mazes', '20', '--noise', '0', '--json']).stdout);
    const warm = JSON.parse(runCli(['bench', 'eval', '--warmup', '3', '--networks', '1', '--mazes', '20', '--noise', '0', '--json']).stdout);
    expect([cold.warmup, warm.warmup, cold.networks, warm.networks]).toEqual([0, 3, 1, 1]);
    expect(warm.secondsPerNetwork).toBeGreaterThan(0);
    expect(oneErrorLine(runCli(['bench', 'eval', '--warmup', '101']))).toBe('Error: --warmup: Expected an integer less than or equal to 100 but received: 101');
  });
});
