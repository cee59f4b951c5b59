import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins, createContainer, definePlugin, exportRunNetwork, PAPER_FITNESS_NOISE, TYPES, type Metric } from '@prnn/agents';
import { analysisRegistry, analyzePolicy, analyzeRun, inputSensitivity, writeReport, type Analysis, type AnalysisMetricInput } from '../src/index.js';
import { FIXTURE_TEST_MAZES, trainSmallRun } from './run-fixture.js';

let dir: string;
let run: string;
let analysis: Analysis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prnn-analysis-'));
  run = join(dir, 'run');
  await trainSmallRun(run);
  analysis = await analyzeRun(run, { mazes: FIXTURE_TEST_MAZES, forest: { trees: 10 } });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('analyzeRun on a real trained run', () => {
  it('fitness at σs = 0.05 on the run\'s test set is the fitness the trainer stored', async () => {
    expect(analysis.networks).toHaveLength(9);
    for (const n of analysis.networks) {
      const stored = JSON.parse(await readFile(join(run, 'networks', n.id, 'result.json'), 'utf8')).fitness;
      expect(n.fitness).toBe(stored);
      expect(n.fitnessByNoise[analysis.noise.indexOf(PAPER_FITNESS_NOISE)]).toBe(stored);
      expect(n.fitnessByNoise).toHaveLength(21);
    }
  });

  it('robustness is the trapezoid area of the sweep; sample efficiency follows docs/spec.md §4', () => {
    const fitness = analysis.networks.map((n) => n.fitness).sort((a, b) => a - b);
    const theta = 0.9 * (fitness[4]); // 9 networks: the median is the 5th
    expect(analysis.sampleEfficiencyThreshold).toBeCloseTo(theta, 12);
    for (const n of analysis.networks) {
      let area = 0;
      for (let k = 1; k < 21; k++) area += 0.025 * (n.fitnessByNoise[k] + n.fitnessByNoise[k - 1]) / 2;
      expect(n.robustness).toBeCloseTo(area, 12);
      const reached = n.trainingCurve.map((v, k) => (v >= theta ? k : -1)).filter((k) => k >= 0);
      expect(n.sampleEfficiency).toBe(reached.length >= 2 ? 100 - (100 * reached[0]) / n.trainingCurve.length : 0);
    }
  });

  it('memory: feed-forward networks have none, recurrent ones some; exact Jacobians; norms 0 where absent', () => {
    for (const n of analysis.networks) {
      // the family's jacobian kernel: float64 forward mode derived from its lowered step
      expect(n.jacobian).toBe('compiled');
      expect(n.memory).toHaveLength(6);
      expect(n.memory[0]).toBe(1);
      expect(n.inputSensitivity).toBeGreaterThan(0);
      expect(Object.keys(n.weightNorms)).toEqual(['ih', 'ho', 'ii', 'hh', 'oo', 'io', 'oi', 'hi', 'oh']);
      if (n.arch === 'ff') {
        expect(n.memoryCapacity).toBe(1);
        expect(n.weightNorms.hh).toBe(0);
      } else {
        expect(n.memory[1]).toBeGreaterThan(0);
        expect(n.memoryCapacity).toBeGreaterThan(1);
      }
    }
    expect(analysis.architectures.map((a) => a.arch)).toEqual(['ff', 'hh+oh', 'fc']);
  });

  it('the compiled kernel\'s measures equal those of autodiff through the family\'s NetworkStep (jacobianPath: autodiff)', async () => {
    const generic = await analyzeRun(run, { mazes: FIXTURE_TEST_MAZES, metrics: ['input-sensitivity', 'memory', 'memory-capacity'], jacobianPath: 'autodiff' });
    expect(generic.networks).toHaveLength(analysis.networks.length);
    for (const [k, n] of generic.networks.entries()) {
      const fused = analysis.networks[k];
      expect(n.jacobian).toBe('autodiff');
      expect(Math.abs(n.inputSensitivity - fused.inputSensitivity) / fused.inputSensitivity).toBeLessThan(1e-5);
      expect(Math.abs(n.memoryCapacity - fused.memoryCapacity) / fused.memoryCapacity).toBeLessThan(1e-4);
    }
  });

  it('the ONNX path (exact: the interpreted graph) gives the run path\'s sensitivity, M_k and capacity (1e-4 relative)', async () => {
    const file = join(dir, 'fc.onnx');
    await exportRunNetwork(run, { arch: 'fc', seed: 0 }, file, { architecture: createContainer(builtinPlugins()).architecture('nine-pathway') });
    const viaOnnx = await analyzePolicy(file, { task: analysis.task, mazes: FIXTURE_TEST_MAZES, seed: 0, forest: { trees: 5 } });
    const exact = analysis.networks.find((n) => n.id === 'fc_seed0')!;
    const p = viaOnnx.networks[0];
    expect(p.jacobian).toBe('onnx-exact');
    expect(p.jacobianNote).toMatch(/^exact: forward-mode/);
    expect(p.arch).toBe('fc');
    expect(p.fitness).toBe(exact.fitness);
    expect(p.robustness).toBeCloseTo(exact.robustness, 12);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
    expect(rel(p.inputSensitivity, exact.inputSensitivity)).toBeLessThan(1e-4);
    for (let k = 0; k < 6; k++) expect(rel(p.memory[k], exact.memory[k]), `M_${-k}`).toBeLessThan(1e-4);
    expect(rel(p.memoryCapacity, exact.memoryCapacity)).toBeLessThan(1e-4);
    expect(Number.isNaN(p.sampleEfficiency)).toBe(true);
  });

  it('headline table: the docs/spec.md §5 rows with the paper\'s values and the networks behind each', () => {
    const rows = Object.fromEntries(analysis.headline.map((r) => [r.measure, r]));
    expect(rows['fully connected, median fitness']).toMatchObject({ paper: '0.93 ± 0.01', networks: 3 });
    expect(rows['feed-forward (H = 8)'].networks).toBe(3);
    expect(rows['learn significantly faster than fully connected'].paper).toBe('19 architectures');
    expect(rows['significantly more robust than fully connected'].paper).toBe('9 architectures');
    expect(rows['fewest weights among architectures that match FC'].paper).toBe('about a quarter of FC');
    expect(analysis.headline).toHaveLength(9);
    expect(analysis.predictions).toHaveLength(15);
  });
});

describe('metric plugins', () => {
  it('the analysis\' measures are registered metrics; a third-party metric gets the same input and a column', async () => {
    const doubled: Metric = {
      name: 'doubled-sensitivity',
      description: 'twice the input sensitivity (a test plugin)',
      measure: (input: AnalysisMetricInput) => 2 * inputSensitivity(input.profile!),
    };
    const thirdParty = definePlugin({
      manifest: { name: 'test-metrics', version: '1.0.0' },
      module: ({ bind }) => {
        bind<Metric>(TYPES.Metric).toConstantValue(doubled);
      },
    });
    const registry = analysisRegistry({ registry: createContainer([...builtinPlugins(), thirdParty]) });
    expect(registry.metrics().map((m) => m.name)).toEqual(expect.arrayContaining(['input-sensitivity', 'memory', 'robustness', 'sample-efficiency', 'doubled-sensitivity']));
    const a = await analyzeRun(run, { mazes: FIXTURE_TEST_MAZES, registry, metrics: ['input-sensitivity', 'doubled-sensitivity'], forest: { trees: 3 } });
    for (const n of a.networks) {
      const same = analysis.networks.find((m) => m.id === n.id)!;
      expect(n.inputSensitivity).toBe(same.inputSensitivity);
      expect(n.extra['doubled-sensitivity']).toBe(2 * same.inputSensitivity);
    }
    await expect(analyzeRun(run, { metrics: ['doubled-sensitivity'] })).rejects.toThrow(/unknown metric "doubled-sensitivity"/);
  });
});

describe('writeReport', () => {
  it('writes a self-contained report.html, report.md, CSV tables and figures', async () => {
    const out = join(dir, 'report');
    const { files } = await writeReport(analysis, out);
    for (const f of files) expect(existsSync(join(out, f))).toBe(true);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<(script|link|img)\b[^>]*(src|href)=/);
    expect(html.indexOf('Headline results')).toBeLessThan(html.indexOf('<h2>Settings'));
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md.split('\n').find((l) => l.startsWith('| '))).toBe('| measure | paper | prnn | networks |');
    const csv = (await readFile(join(out, 'networks.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(10);
    expect(csv[0].split(',')).toContain('memory_capacity');
    const archs = (await readFile(join(out, 'architectures.csv'), 'utf8')).trim().split('\n');
    expect(archs).toHaveLength(4);
    // effect sizes beside every test: the Hodges–Lehmann shift is the median of all pairwise differences and
    // Cliff's delta the balance of their signs, recomputed here by brute force from the networks' fitness
    const header = archs[0].split(',');
    const fcFitness = analysis.networks.filter((n) => n.arch === 'fc').map((n) => n.fitness);
    for (const line of archs.slice(1)) {
      const row = Object.fromEntries(line.split(',').map((v, k) => [header[k], v]));
      if (row.arch === 'fc') {
        expect(row.fitness_shift).toBe('');
        continue;
      }
      const x = analysis.networks.filter((n) => n.arch === row.arch).map((n) => n.fitness);
      const d = x.flatMap((a) => fcFitness.map((b) => a - b)).sort((a, b) => a - b);
      const median = d.length % 2 ? d[(d.length - 1) / 2] : (d[d.length / 2 - 1] + d[d.length / 2]) / 2;
      expect(Number(row.fitness_shift)).toBeCloseTo(median, 12);
      expect(Number(row.fitness_cliff_delta)).toBeCloseTo((d.filter((v) => v > 0).length - d.filter((v) => v < 0).length) / d.length, 12);
      expect(Number(row.fitness_shift_ci_low)).toBeLessThanOrEqual(median);
      expect(Number(row.fitness_shift_ci_high)).toBeGreaterThanOrEqual(median);
      expect(d).toContain(Number(row.fitness_shift_ci_low));
    }
    expect(md).toMatch(/fitness_effect/);
    expect(md).toContain('## Memory: what lies behind M_k');
    const memory = (await readFile(join(out, 'memory.csv'), 'utf8')).trim().split('\n');
    expect(memory[0]).toBe('id,arch,lag,mean_of_ratios,ratio_of_means,median_ratio,pairs,floor,below_floor,top_share,flagged');
    expect(memory).toHaveLength(1 + 9 * 5);
    const png = await readFile(join(out, 'figures', 'fitness-vs-noise.png'));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect((await readdir(dir)).filter((e) => e.includes('.tmp-'))).toEqual([]);
    // a second report replaces the first
    await writeReport(analysis, out);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('refuses a directory that holds something else, and leaves it alone', async () => {
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, 'notes.txt'), 'mine');
    await expect(writeReport(analysis, other)).rejects.toThrow(/not empty and holds no prnn report/);
    expect(await readdir(other)).toEqual(['notes.txt']);
  });
});

describe('bad input', () => {
  it('a run without results, NaN in a stored result, an unknown metric, mazes 0', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await cp(join(run, 'run.json'), join(empty, 'run.json'));
    await expect(analyzeRun(empty)).rejects.toThrow(/holds no results/);

    const broken = join(dir, 'broken');
    await cp(run, broken, { recursive: true });
    const file = join(broken, 'networks', 'fc_seed1', 'result.json');
    const result = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...result, fitness: null }));
    await expect(analyzeRun(broken)).rejects.toThrow(/network fc_seed1 of run .*: stored fitness is not a number \(null\)/);

    await expect(analyzeRun(run, { metrics: ['fitness', 'wiring'] })).rejects.toThrow(/unknown metric "wiring": use one or more of fitness/);
    await expect(analyzeRun(run, { mazes: 0 })).rejects.toThrow(/mazes must be an integer in \[1, 1000000\] \(got 0\)/);
  });
});
