import { dirname, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { probeWritableDirectory } from '@prnn/core';
import { checkDiskSpace, existingAncestor, reportBytes } from '../cli/disk-space.js';
import { initBackend, loadPlugins, loadRun, PAPER_NOISE_SPEC, parseNoiseSpec } from '@prnn/agents';
import {
  analysisRegistry,
  analyzePolicy,
  analyzeRuns,
  analyzeStoredNetworks,
  checkJacobianPath,
  checkMeasures,
  checkReportDirectory,
  COMPARED_MEASURES,
  EFFECT_CONFIDENCE,
  MEASURE_NAMES,
  pluginMetricNames,
  writeReport,
  type Analysis,
} from '@prnn/analysis';
import { workersFlag } from '../cli/workers-flag.js';
import { BaseCommand } from '../cli/base-command.js';
import { readSweepStore } from '@prnn/sweeps';
import { withFlag, withFlagAsync } from '../cli/flag-errors.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { taskFlags, taskOptionsFromFlags, taskSourceOptionsFromFlags, type TaskFlagValues } from '../cli/task-flags.js';

const nullable = (v: number) => (Number.isFinite(v) ? v : null);

/** Networks of the run directories (a run that cannot be read counts none here: the analysis names its error). */
async function countRunNetworks(runs: readonly string[]): Promise<number> {
  const counts = await Promise.all(runs.map((r) => loadRun(r).then((run) => run.manifest.networks.length, () => 0)));
  return counts.reduce((a, b) => a + b, 0);
}

/** What `prnn analyze --json` prints: the per-network and per-architecture summary and where the report went. */
export function analyzeJson(a: Analysis, out: string, files: string[]) {
  return {
    out,
    files,
    task: a.task,
    mazes: a.mazes,
    seconds: a.seconds,
    headline: a.headline,
    networks: a.networks.map((n) => ({
      id: n.id,
      arch: n.arch,
      seed: n.seed,
      parameters: nullable(n.parameters),
      fitness: nullable(n.fitness),
      robustness: nullable(n.robustness),
      sampleEfficiency: nullable(n.sampleEfficiency),
      inputSensitivity: nullable(n.inputSensitivity),
      memory: n.memory.map(nullable),
      memoryCapacity: nullable(n.memoryCapacity),
      weightNorms: n.weightNorms,
      extra: n.extra,
      jacobian: n.jacobian,
      ...(n.jacobianNote !== undefined ? { jacobianNote: n.jacobianNote } : {}),
      ...(n.memoryDiagnostics
        ? {
            memoryDiagnostics: {
              lags: n.memoryDiagnostics.lags,
              meanOfRatios: n.memoryDiagnostics.meanOfRatios.map(nullable),
              ratioOfMeans: n.memoryDiagnostics.ratioOfMeans.map(nullable),
              medianRatio: n.memoryDiagnostics.medianRatio.map(nullable),
              pairs: n.memoryDiagnostics.pairs,
              floor: nullable(n.memoryDiagnostics.floor),
              belowFloor: n.memoryDiagnostics.belowFloor,
              topShare: n.memoryDiagnostics.topShare.map(nullable),
              flagged: n.memoryDiagnostics.flagged,
            },
          }
        : {}),
    })),
    architectures: a.architectures.map((arch) => ({
      arch: arch.arch,
      parameters: nullable(arch.parameters),
      networks: arch.networks,
      ...Object.fromEntries(
        COMPARED_MEASURES.map((m) => {
          const c = arch.measures[m];
          return [m, { median: nullable(c.median), q1: nullable(c.q1), q3: nullable(c.q3), n: c.n, pHigher: nullable(c.pHigher), pLower: nullable(c.pLower), significance: c.significance, effect: { shift: nullable(c.shift), ciLow: nullable(c.shiftLow), ciHigh: nullable(c.shiftHigh), confidence: EFFECT_CONFIDENCE, coverage: nullable(c.shiftCoverage), cliffDelta: nullable(c.cliffDelta) } }];
        }),
      ),
    })),
    predictions: a.predictions.map((p) => ({ target: p.target, features: p.features, rmse: p.rmse, baselineRmse: p.baselineRmse, samples: p.samples })),
  };
}

export default class Analyze extends BaseCommand {
  static override summary = "The paper's measures, statistics, prediction and figures for trained runs or an ONNX policy; writes a report.";
  static override description =
    'Reads what `prnn train` stored in one or more run directories (or every network of a sweep\'s results store ' +
    'with --sweep, or one ONNX policy of the prnn policy contract with the task flags) and computes per network: fitness at σs = 0.05 and over the noise sweep, ' +
    'robustness (trapezoid area), sample efficiency (θ = 0.9 × the median fitness of all networks analysed), ' +
    'input sensitivity and memory M_k for every lag from the Jacobians ∂o_t/∂s_{t+k} along the recorded greedy ' +
    'test trials (exact: the family\'s jacobian kernel — for a family defined by its step, `compiled`: float64 forward ' +
    'mode derived from its lowered step — else autodiff through the family\'s differentiable step; for --policy the exact Jacobians of its ONNX graph, interpreted ' +
    'in float64 and checked against onnxruntime, with central finite differences only for unsupported ops), ' +
    'the 9 weight norms and the parameter count (docs/spec.md §4); beside M_k the ratio of means, the median ratio and ' +
    'flags for lags carried by a few pairs. Then per architecture the medians and IQRs, two ' +
    'one-sided Mann–Whitney U tests against FC with Benjamini–Hochberg correction (α = 0.01) with Hodges–Lehmann ' +
    'shifts, their 95 % intervals and Cliff\'s delta beside them, random-forest ' +
    'predictions (10-fold CV RMSE vs the mean), and the docs/spec.md §5 headline table next to the paper. Writes ' +
    'report.html (self-contained), report.md, CSV tables, analysis.json and figures (SVG + PNG) to --out, which ' +
    'must be missing, empty or an earlier report; nothing is written when anything fails.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --run runs/demo --out runs/demo/report', description: 'The demo run: report in runs/demo/report/report.html.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/a --run runs/b --out report --json', description: 'Two runs of one task analysed together; summary as JSON.' },
    { command: '<%= config.bin %> <%= command.id %> --sweep sweeps/track --out sweeps/track/report', description: 'Every network a sweep stored in its results.sqlite (no run directories needed).' },
    { command: '<%= config.bin %> <%= command.id %> --policy model.onnx --maze track --mazes 200 --out report-onnx', description: 'An ONNX policy (e.g. from PyTorch): exact Jacobians of its graph (finite differences only for ops outside the interpreter).' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/demo --metrics fitness,robustness,memory --out quick', description: 'Only some measures.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/demo --jacobian autodiff --out check', description: 'Jacobians by tfjs autodiff through the step instead of the family\'s jacobian kernel (a float32 cross-check).' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    run: Flags.string({ description: 'A run directory of `prnn train` (repeat for several runs of one task).', multiple: true, exactlyOne: ['run', 'policy', 'sweep'] }),
    policy: Flags.string({ description: 'An ONNX policy file (prnn policy contract); its task comes from the task flags.', exactlyOne: ['run', 'policy', 'sweep'] }),
    sweep: Flags.string({
      description: 'A sweep directory (or its results.sqlite): its stored networks are analysed from the store alone, without run directories.',
      exactlyOne: ['run', 'policy', 'sweep'],
    }),
    out: Flags.string({ description: 'Report directory (missing, empty, or an earlier report, which is replaced).', required: true }),
    'allow-mixed': Flags.boolean({ description: 'Analyse --run directories together although their training differs (learner, episodes, …); they must still share one task.', default: false }),
    mazes: Flags.integer({ description: 'Test mazes per network (docs/spec.md §4: 1 000). Default 1 000; with --sweep, the test mazes of the sweep\'s plan.', min: 1, max: 1_000_000 }),
    noise: Flags.string({ description: `Sensor-noise levels of the sweep: a list or from:to:count. Default ${PAPER_NOISE_SPEC}; with --sweep, the levels of the sweep's plan.` }),
    metrics: Flags.string({
      description: `Measures to compute, comma-separated (default all: ${MEASURE_NAMES.join(', ')}); names of plugin metrics add them as extra columns.`,
    }),
    trees: Flags.integer({ description: 'Trees per random forest.', default: 100, min: 1, max: 10_000 }),
    folds: Flags.integer({ description: 'Cross-validation folds of the prediction study.', default: 10, min: 2, max: 1000 }),
    jacobian: Flags.string({
      description: 'How --run networks get their Jacobians: autodiff (through every family\'s step) or a jacobian kernel (compiled: float64, derived from the family\'s lowered step). Default: the family\'s kernel, else autodiff.',
      exclusive: ['policy'],
    }),
    backend: Flags.string({ description: 'tfjs backend of autodiff and traced ONNX export: tensorflow, wasm or cpu (default: the fastest that loads).' }),
    workers: workersFlag({ description: 'With --run or --sweep: worker threads measuring networks and computing the forests (same results).', default: 1 }),
    seed: Flags.integer({ description: 'Seed of the prediction study (fold shuffle, bootstrap); with --policy also the evaluation seed.', default: 0, min: 0, max: 0xffffffff }),
    ...taskFlags,
    task: Flags.string({
      description: 'With --policy: a task registered by a plugin (its id) instead of the built-in --maze; the test mazes come from its generator.',
      dependsOn: ['policy'],
      helpGroup: 'TASK',
    }),
  };

  async run(): Promise<ReturnType<typeof analyzeJson>> {
    const { flags } = await this.parse(Analyze);
    // a sweep's store is analysed by default at the test mazes and noise levels its plan measured (so its stored
    // noise sweeps are reused and the report equals the one `prnn reproduce` wrote)
    const stored = flags.sweep === undefined ? undefined : withFlag('--sweep', 'sweep', () => readSweepStore(flags.sweep as string));
    const noise =
      flags.noise === undefined && stored !== undefined && stored.networks.length > 0
        ? [...stored.networks[0].noiseLevels]
        : withFlag('--noise', 'noise', () => parseNoiseSpec(flags.noise ?? PAPER_NOISE_SPEC));
    const mazes = flags.mazes ?? stored?.testMazes ?? 1000;
    await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const registry = analysisRegistry({ registry: await loadPlugins({ cwd: process.cwd() }) });
    const metrics =
      flags.metrics === undefined
        ? undefined
        : withFlag('--metrics', 'metrics', () => checkMeasures(flags.metrics!.split(',').map((m) => m.trim()).filter(Boolean), pluginMetricNames(registry)));
    const jacobianPath = flags.jacobian === undefined ? undefined : withFlag('--jacobian', 'jacobian', () => checkJacobianPath(registry, flags.jacobian!));
    await withFlagAsync('--out', 'out', () => checkReportDirectory(flags.out));
    // the report is written beside --out first, then renamed: that directory must take files, now, not after the analysis
    await probeWritableDirectory(existingAncestor(dirname(resolve(flags.out))), '--out');
    // pre-flight: --out has room for the report (its size grows with the networks analysed)
    const networks = flags.policy !== undefined ? 1 : stored !== undefined ? stored.networks.length : await countRunNetworks(flags.run ?? []);
    await checkDiskSpace('--out', flags.out, reportBytes(networks), `a report of ${networks} network${networks === 1 ? '' : 's'}`);
    const started = performance.now();
    const bar = new ProgressBar('analyze', 'networks', !this.jsonEnabled() && process.stderr.isTTY === true);
    const onProgress = (done: number, total: number) => bar.update(done, total, (done / (performance.now() - started)) * 1000);
    const common = { mazes, noise, metrics, registry, forest: { trees: flags.trees, folds: flags.folds, seed: flags.seed }, onProgress };
    let analysis: Analysis;
    try {
      if (flags.policy !== undefined) {
        const source = flags.task === undefined ? undefined : withFlag('--task', undefined, () => registry.task(flags.task as string));
        const task = source ? taskSourceOptionsFromFlags(source, flags as unknown as TaskFlagValues) : taskOptionsFromFlags(flags as unknown as TaskFlagValues);
        analysis = await withFlagAsync('--policy', 'policy', () => analyzePolicy(flags.policy as string, { ...common, task, taskSource: source, seed: flags.seed }));
      } else if (flags.sweep !== undefined) {
        analysis = await withFlagAsync('--sweep', undefined, () => analyzeStoredNetworks(stored!, { ...common, jacobianPath, workers: flags.workers, plugins: { cwd: process.cwd() } }));
      } else {
        analysis = await withFlagAsync('--run', undefined, () => analyzeRuns(flags.run as string[], { ...common, jacobianPath, workers: flags.workers, plugins: { cwd: process.cwd() }, allowMixed: flags['allow-mixed'] }));
      }
    } finally {
      bar.finish();
    }
    const written = await withFlagAsync('--out', 'out', () => writeReport(analysis, flags.out));
    if (!this.jsonEnabled()) {
      const width = Math.max(...analysis.headline.map((r) => r.measure.length));
      this.log(`${analysis.networks.length} networks, ${analysis.architectures.length} architectures, ${analysis.mazes} test mazes each (${analysis.seconds.toFixed(1)} s)`);
      this.log(`${'measure'.padEnd(width)}  ${'paper'.padEnd(28)}  prnn (networks)`);
      for (const r of analysis.headline) this.log(`${r.measure.padEnd(width)}  ${r.paper.padEnd(28)}  ${r.prnn} (${r.networks})`);
      this.log(`Report written to ${written.dir}/report.html`);
    }
    return analyzeJson(analysis, written.dir, written.files);
  }
}
