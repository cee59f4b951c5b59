import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeOnnxModel, OnnxDataType } from '@prnn/agents';
import { oneErrorLine, runCli, runCliBatch } from './run-cli.js';
import { useTrainedRun } from './trained-run-fixture.js';

const F = OnnxDataType.FLOAT;

/** A valid ONNX model that is no policy (y = x). */
function identityModel(): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8, opsetVersion: 17, producerName: 'hand-built', producerVersion: '1',
    graph: {
      name: 'identity', nodes: [{ opType: 'Identity', inputs: ['x'], outputs: ['y'] }], initializers: [],
      inputs: [{ name: 'x', elemType: F, shape: ['batch', 8] }], outputs: [{ name: 'y', elemType: F, shape: ['batch', 8] }],
    },
  });
}

/** A foreign stateless policy (S = 1): q = softmax(obs·W), state_out = state. */
function linearPolicy(w: Float32Array): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8, opsetVersion: 17, producerName: 'hand-built', producerVersion: '1',
    graph: {
      name: 'linear',
      nodes: [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['z'] },
        { opType: 'Softmax', inputs: ['z'], outputs: ['q'], attributes: [{ name: 'axis', value: 1 }] },
        { opType: 'Identity', inputs: ['state'], outputs: ['state_out'] },
      ],
      initializers: [{ name: 'W', dims: [8, 5], data: w }],
      inputs: [{ name: 'obs', elemType: F, shape: ['batch', 8] }, { name: 'state', elemType: F, shape: ['batch', 1] }],
      outputs: [{ name: 'q', elemType: F, shape: ['batch', 5] }, { name: 'state_out', elemType: F, shape: ['batch', 1] }],
    },
  });
}

// A tiny real run: `prnn train` (fc and ff, two seeds each, a few episodes), then `prnn analyze`.
const fixture = useTrainedRun('prnn-analyze-cli-', { arch: 'fc,ff', seeds: 2, episodes: 60, testMazes: 24, curvePoints: 4, seed: 3 });

describe('prnn analyze', () => {
  it('--run … --json: per-network and per-architecture summary; the report is written', async () => {
    const out = join(fixture.dir, 'report');
    const r = runCli(['analyze', '--run', fixture.run, '--mazes', '24', '--trees', '5', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.networks.map((n: { id: string }) => n.id).sort()).toEqual(['fc_seed0', 'fc_seed1', 'ff_seed0', 'ff_seed1']);
    for (const n of json.networks) {
      const stored = JSON.parse(await readFile(join(fixture.run, 'networks', n.id, 'result.json'), 'utf8')).fitness;
      expect(n.fitness).toBe(stored);
      expect(n.memory).toHaveLength(6);
    }
    expect(json.architectures.map((a: { arch: string }) => a.arch)).toEqual(['ff', 'fc']);
    expect(json.architectures[0].fitness.significance).toMatch(/^(higher|lower|n\.s\.)$/);
    // the effect size beside the test, recomputed by hand from the 2 × 2 fitness differences ff − fc
    const fitness = (arch: string) => json.networks.filter((n: { arch: string }) => n.arch === arch).map((n: { fitness: number }) => n.fitness);
    const d = fitness('ff').flatMap((a: number) => fitness('fc').map((b: number) => a - b)).sort((a: number, b: number) => a - b);
    const effect = json.architectures[0].fitness.effect;
    expect(effect.shift).toBeCloseTo((d[1] + d[2]) / 2, 12);
    // 2 vs 2 networks: P(U = 0) = 1/6 > 0.025, so the 95 % interval is the whole range of differences
    expect([effect.ciLow, effect.ciHigh]).toEqual([d[0], d[3]]);
    expect(effect.confidence).toBe(0.95);
    expect(effect.coverage).toBeCloseTo(1 - 2 / 6, 12);
    expect(effect.cliffDelta).toBeCloseTo((d.filter((v: number) => v > 0).length - d.filter((v: number) => v < 0).length) / 4, 12);
    expect(json.architectures[1].fitness.effect.shift).toBeNull();
    // what lies behind M_k
    const md = json.networks[0].memoryDiagnostics;
    expect(md.lags).toEqual([0, -1, -2, -3, -4, -5]);
    md.meanOfRatios.forEach((m: number, k: number) => expect(m).toBeCloseTo(json.networks[0].memory[k], 12));
    expect(md.pairs[0]).toBeGreaterThanOrEqual(md.pairs[1]);
    expect(json.headline[0]).toMatchObject({ measure: 'fully connected, median fitness', paper: '0.93 ± 0.01', networks: 2 });
    for (const f of ['report.html', 'report.md', 'networks.csv', 'architectures.csv', 'figures/memory.png', 'figures/memory.svg']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // text mode: the headline table and where the report went
    const text = runCli(['analyze', '--run', fixture.run, '--mazes', '24', '--trees', '5', '--metrics', 'fitness,memory', '--out', out]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/fully connected, median fitness\s+0\.93 ± 0\.01/);
    expect(text.stdout).toContain(`Report written to ${out}/report.html`);
  });

  it('prnn plugins lists the analysis measures as metrics of @prnn/analysis', () => {
    const list = JSON.parse(runCli(['plugins', '--json']).stdout);
    for (const name of ['input-sensitivity', 'memory', 'memory-capacity', 'robustness', 'sample-efficiency']) {
      expect(list).toContainEqual({ kind: 'metric', name, plugin: '@prnn/analysis/metrics', package: '@prnn/analysis', version: '0.1.0' });
    }
  });

  it('--policy: an exported network analysed exactly (its graph interpreted)', () => {
    const file = join(fixture.dir, 'fc.onnx');
    expect(runCli(['export', '--run', fixture.run, '--arch', 'fc', '--seed', '0', '--out', file]).status).toBe(0);
    const r = runCli(['analyze', '--policy', file, '--mazes', '24', '--noise', '0,0.05,0.1', '--out', join(fixture.dir, 'policy-report'), '--json']);
    expect(r.status).toBe(0);
    const [n] = JSON.parse(r.stdout).networks;
    expect(n).toMatchObject({ arch: 'fc', jacobian: 'onnx-exact', sampleEfficiency: null });
    expect(n.jacobianNote).toMatch(/^exact: forward-mode differentiation of the ONNX graph in float64/);
    expect(n.inputSensitivity).toBeGreaterThan(0);
  });

  it('--policy: a foreign stateless policy has no memory (M_k = 0 for k < 0, capacity 1)', async () => {
    const file = join(fixture.dir, 'linear.onnx');
    await writeFile(file, linearPolicy(Float32Array.from({ length: 40 }, (_, k) => Math.sin(k + 1) * 3)));
    const r = runCli(['analyze', '--policy', file, '--mazes', '24', '--noise', '0.05', '--out', join(fixture.dir, 'linear-report'), '--json']);
    expect(r.stderr).toBe('');
    const [n] = JSON.parse(r.stdout).networks;
    expect(n.arch).toBe('policy');
    expect(n.memory[0]).toBe(1);
    for (const m of n.memory.slice(1)) expect(m).toBe(0);
    expect(n.memoryCapacity).toBe(1);
    expect(n.inputSensitivity).toBeGreaterThan(0.1);
  });

  it('bad input: one line, exit 2, nothing written under --out', async () => {
    const out = join(fixture.dir, 'never');
    const empty = join(fixture.dir, 'empty-run');
    await mkdir(empty);
    await cp(join(fixture.run, 'run.json'), join(empty, 'run.json'));
    const broken = join(fixture.dir, 'broken-run');
    await cp(fixture.run, broken, { recursive: true });
    const resultFile = join(broken, 'networks', 'ff_seed0', 'result.json');
    const result = JSON.parse(await readFile(resultFile, 'utf8'));
    await writeFile(resultFile, JSON.stringify({ ...result, trainingCurve: [0.2, null, 0.3, 0.3] }));
    const notOnnx = join(fixture.dir, 'not-a-policy.onnx');
    await writeFile(notOnnx, 'this is not a model');
    const notPolicy = join(fixture.dir, 'not-a-policy-model.onnx');
    await writeFile(notPolicy, identityModel());
    const cases: [string[], RegExp][] = [
      [['--run', empty], /^Error: --run: run .* holds no results/],
      [['--run', broken], /^Error: --run: network ff_seed0 of run .*: stored training curve point 1 is not a number \(null\)$/],
      [['--run', fixture.run, '--metrics', 'fitness,wiring'], /^Error: --metrics: unknown metric "wiring": use one or more of /],
      [['--run', fixture.run, '--mazes', '0'], /^Error: --mazes/],
      [['--run', fixture.run, '--jacobian', 'nope'], /^Error: --jacobian must be one of autodiff, compiled \(got "nope"\)$/],
      [['--policy', notPolicy, '--jacobian', 'autodiff'], /^Error: .*--jacobian.*--policy|--policy.*--jacobian/],
      [['--policy', notOnnx], /^Error: --policy not-a-policy\.onnx is not an ONNX model/],
      [['--policy', notPolicy], /^Error: --policy .*not-a-policy-model\.onnx does not follow the prnn-policy\/1 contract: missing input obs/],
    ];
    const busy = join(fixture.dir, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'mine.txt'), 'x');
    // the wrong command lines run in one node process (runCliBatch), each as `prnn analyze …` would
    const results = runCliBatch([...cases.map(([args]) => ['analyze', ...args, '--out', out]), ['analyze', '--run', fixture.run, '--out', busy]]);
    for (const [i, [args, expected]] of cases.entries()) expect(oneErrorLine(results[i]), args.join(' ')).toMatch(expected);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(fixture.dir)).filter((e) => e.includes('.tmp-'))).toEqual([]);
    expect(oneErrorLine(results[cases.length])).toMatch(/^Error: --out .* is not empty and holds no prnn report/);
    expect(await readdir(busy)).toEqual(['mine.txt']);
  });
});
