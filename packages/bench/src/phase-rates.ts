import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMazeSet, type TaskOptions } from '@prnn/env';
import { PrnnError, Rng } from '@prnn/core';
import {
  PolicySessions,
  evaluateLevels,
  evaluateModelLevels,
  onnxFinalFitness,
  PAPER_FITNESS_NOISE,
  PhaseStopwatch,
  cpuSecondsPerRun,
  TEST_SET_SEED_OFFSET,
  type ArchInfo,
  type PhaseRates,
  type PopulationMember,
  type Registry,
} from '@prnn/agents';
import { benchSweepTask } from './bench-sweep.js';
import { MEASURE_NAMES, analysisRegistry, measureNetwork, summarizeAnalysis, testEvaluators, writeReport, type NetworkAnalysis } from '@prnn/analysis';

/** Options of `measurePhaseRates`: the registry, the sweep's family, task, path and measures, and the timing budget. */
export interface MeasurePhaseRatesOptions {
  readonly registry: Registry;
  /** The architecture family, the task, the training path and the measures of the sweep to project. */
  readonly family: string;
  readonly task: TaskOptions;
  readonly path: string;
  /** Hidden units of the family's listed architectures (the learner's `hidden`, default 8). */
  readonly hidden?: number;
  readonly noise: readonly number[];
  /**
   * The engine of the sweep's noise sweeps (its plan's: `onnx`, onnxruntime on each network's exported
   * policy, or `tfjs`, the family's population model; default `onnx`): the calibration times that one.
   */
  readonly engine?: 'onnx' | 'tfjs';
  /** The architectures of the sweep (their names, flags and sizes go into the report's calibration). */
  readonly archs: readonly ArchInfo[];
  /** Threads training measures with, as the sweep trains (default 1). */
  readonly workers?: number;
  /** Seconds of timed training per task and thread (benchSweep; default 4). */
  readonly seconds?: number;
  readonly warmupSeconds?: number;
  /** Networks per population of the training measurement (benchSweep's `population`, default 256). */
  readonly population?: number;
  /**
   * Test mazes of the training's curve tests and final test (the plan's `testMazes`, default 1 000): both are
   * timed on that many mazes, in the batches and chunks the learner runs them in.
   */
  readonly benchTestMazes?: number;
  /** Networks per thread whose curve test is timed (default 16: four runs of one architecture, chunked as the learner chunks them). */
  readonly testNetworks?: number;
  /** Networks timed in the final test, sweeps and analysis (default 4). */
  readonly networks?: number;
  /** Mazes of the noise sweeps and the analysis (the plan's sweep mazes; default 1 000), as the sweep runs them. */
  readonly mazes?: number;
  /** Rows of the forests' and report's calibration (default 2 per architecture, at most 512). */
  readonly sampleRows?: number;
  /**
   * Passes over the short phases (default 2): training with its curve test, the final test, the noise sweep
   * and the analysis are each measured once per pass, the passes at the start and at the end of the
   * calibration, and each rate is the fastest pass's. This machine's speed moves by up to 2× for tens of
   * seconds at a time (docs/guides/performance.md); a phase timed once in a slow stretch made the
   * projection up to 1.5× long.
   */
  readonly passes?: number;
  readonly cwd?: string;
}

/** The measured rates, and the rows the forest and report times were measured at. */
export interface MeasuredPhaseRates extends PhaseRates {
  /** Seconds the calibration took. */
  readonly calibrationSeconds: number;
  /**
   * CPU time ÷ wall time of the calibration's work in this thread: about 1 on an idle machine, less on a
   * loaded one. The rates are per CPU second, so a run at that load takes about 1 ÷ this factor longer than projected.
   */
  readonly threadShare: number;
  /** Passes the rates are the fastest of. */
  readonly passes: number;
  /**
   * The training rate of the fastest pass ÷ that of the slowest (1 with one pass): how much the machine's own
   * speed moved during the calibration, per CPU second (a core shared by the host is not seen as load).
   */
  readonly trainingSpread: number;
}

/**
 * `count` networks in runs of 2 seeds of one architecture, the architectures spread over the list (stride 41,
 * as benchSweep samples them), seeds 0, 1, …: the sweep meets each architecture many times in a row, so a
 * per-architecture cost (e.g. a kernel compiled for it) is shared by its seeds.
 */
function sampleNetworks(archs: readonly ArchInfo[], count: number): PopulationMember[] {
  return Array.from({ length: count }, (_, k) => ({ arch: archs[(Math.floor(k / 2) * 41) % archs.length], seed: k }));
}

/** Every timed part of the calibration in this thread: wall and this thread's CPU. */
const timed = new PhaseStopwatch();

/**
 * CPU seconds of one run of `work` (after one untimed warm-up call when `warm` is given) by this thread's clock:
 * the time the work takes with a core to itself, whatever else runs on the machine. (The process's clock would
 * also count what other threads happen to do meanwhile — V8's background compilation and collection — which
 * made the noise sweep's rate a third lower in one calibration than the same sweep timed alone.) The thread
 * clock moves in scheduler ticks, so work shorter than a few ticks (a small calibration) is repeated until it
 * has been measured (cpuSecondsPerRun); `work` must therefore be safe to repeat.
 */
async function seconds(work: () => Promise<unknown>, warm?: () => Promise<unknown>): Promise<number> {
  if (warm) await warm();
  return (await cpuSecondsPerRun(timed, work)).seconds;
}

/** A thread's CPU rate where it was measured, else its wall rate. */
function perCpu(cpu: number, wall: number): number {
  return Number.isFinite(cpu) && cpu > 0 ? cpu : wall;
}

/**
 * A short calibration of the per-phase model (projectPhases) on this machine, each phase measured through
 * the code the sweep runs, at the sweep's sizes: training and curve tests as `prnn bench sweep` measures them
 * (with the sweep's kernels and path; the curve test chunked as the learner chunks it on the training's test
 * mazes); the final test (onnxFinalFitness on the training's test mazes), the noise sweep (the population
 * engine, as the sweep's evaluateRun) and the analysis (measureNetwork: recorded trials, Jacobians, measures)
 * of a few freshly initialised networks on the sweep's mazes; the forests and the report over a synthetic
 * analysis of `sampleRows` networks. Every rate is per CPU second of the thread that does the work, so a
 * loaded machine does not lengthen the projection; `threadShare` says how loaded it was.
 */
export async function measurePhaseRates(o: MeasurePhaseRatesOptions): Promise<MeasuredPhaseRates> {
  const started = performance.now();
  const timed0 = timed.elapsed;
  if (o.task.kind !== 'track' && o.task.kind !== 'general') throw new PrnnError(`the projection measures track and general tasks (got ${o.task.kind})`);
  const architecture = o.registry.architecture(o.family);
  const kernels = o.registry.kernels(o.family);
  const workers = o.workers ?? 1;
  const testMazes = o.benchTestMazes ?? 1000;
  const passes = o.passes ?? 2;
  if (!Number.isInteger(passes) || passes < 1 || passes > 16) throw new PrnnError(`calibration passes must be an integer in [1, 16] (got ${passes})`);

  const count = o.networks ?? 4;
  const mazes = o.mazes ?? 1000;
  const listed = architecture.list({ channels: o.task.channels, hidden: o.hidden ?? 8 }).filter((a) => a.name !== 'ff-large');
  const members = sampleNetworks(listed, count);
  const model = architecture.createPopulation(members, { channels: o.task.channels });
  const weights = members.map((_, n) => model.exportWeights(n));
  model.dispose();
  const mazeSeed = TEST_SET_SEED_OFFSET;
  const testSet = generateMazeSet(o.task, { count: mazes, seed: mazeSeed });
  const trainingTestSet = testMazes === mazes ? testSet : generateMazeSet(o.task, { count: testMazes, seed: mazeSeed });

  // the final test: one network at a time through its ONNX policy, on the training's test mazes
  const final = () => onnxFinalFitness(architecture, members, weights, trainingTestSet, PAPER_FITNESS_NOISE, kernels);
  const finalWarm = () => onnxFinalFitness(architecture, members.slice(0, 1), weights.slice(0, 1), trainingTestSet, PAPER_FITNESS_NOISE, kernels);

  // the noise sweep as the sweep runs it: each network alone, all levels × mazes, through the function its
  // worker threads run for the plan's engine (onnxruntime on the exported policy, or the population model)
  const engineName = o.engine ?? 'onnx';
  if (engineName !== 'onnx' && engineName !== 'tfjs') throw new PrnnError(`the noise sweeps' engine must be onnx or tfjs (got ${JSON.stringify(engineName)})`);
  const exportOnnx = architecture.exportOnnx?.bind(architecture);
  if (engineName === 'onnx' && !exportOnnx) throw new PrnnError(`architecture family ${o.family} has no exportOnnx: its noise sweeps cannot run on onnxruntime`);
  const sweepOne = async (n: number) => {
    const { arch, seed } = members[n];
    const request = { label: arch.name, task: o.task, mazes, mazeSeed, noise: o.noise, seed };
    if (engineName === 'onnx') await evaluateLevels({ ...request, bytes: exportOnnx!(arch, weights[n], {}, o.task.channels), intraOpNumThreads: 1 });
    else await evaluateModelLevels({ ...request, arch, weights: weights[n] }, architecture);
  };
  const sweepAll = async () => {
    for (let n = 0; n < count; n++) await sweepOne(n);
  };

  // the analysis of a network, its noise sweep reused (as reproduce's analysis reuses eval.json)
  const registry = analysisRegistry({ registry: o.registry });
  const evaluators = testEvaluators(o.task, mazes, mazeSeed, o.noise);
  const stored = o.noise.map(() => 0.5);
  // the analysis's sessions: one per architecture, kept across the passes (a sweep's analysis opens one per
  // architecture for its 50 networks, so the opening is left out of the rate, as the warm-up is)
  const sessions = new PolicySessions(count);
  const analyseOne = async (n: number) => {
    const arch = members[n].arch;
    if (!architecture.exportOnnx) throw new PrnnError(`architecture family ${o.family} has no exportOnnx: its analysis cannot be projected`);
    const policy = await sessions.open(architecture, kernels, arch, weights[n], o.task.channels, arch.name);
    try {
      const network = architecture.network ? () => architecture.network!(arch, weights[n], o.task.channels) : undefined;
      const m = await measureNetwork(policy.engine, members[n].seed, evaluators, registry, { arch, weights: weights[n], parameterNames: architecture.parameterNames?.() }, {
        measures: new Set(MEASURE_NAMES),
        storedSweep: stored,
        network,
        kernels: registry.kernels(o.family),
      });
      return m;
    } finally {
      await policy.done();
    }
  };
  const measuredRows: Awaited<ReturnType<typeof analyseOne>>[] = [];
  const analyseAll = async () => {
    measuredRows.length = 0;
    for (let n = 0; n < count; n++) measuredRows.push(await analyseOne(n));
  };

  // the passes: training (the plan's task only; benchSweep would time the other maze kind as well) with its
  // curve test, then the final test, the noise sweep and the analysis; every rate the fastest pass's
  const fastest = { train: 0, large: 0, curve: 0, final: 0, sweep: 0, analysis: 0 };
  let slowestTrain = Infinity;
  try {
    for (let pass = 0; pass < passes; pass++) {
      const bench = await benchSweepTask({
        architecture, kernels, path: o.path, workers, seconds: o.seconds, warmupSeconds: o.warmupSeconds, population: o.population,
        testMazes: testMazes, testNetworks: o.testNetworks ?? 16, cwd: o.cwd,
      }, o.task.kind);
      const measured = bench.projection;
      const threads = bench.workers;
      const train = perCpu(measured.perThreadCpu.trainNetEpisodesPerSecond, measured.trainNetEpisodesPerSecond / threads);
      slowestTrain = Math.min(slowestTrain, train);
      fastest.train = Math.max(fastest.train, train);
      fastest.large = Math.max(fastest.large, perCpu(measured.perThreadCpu.largeTrainNetEpisodesPerSecond, measured.largeTrainNetEpisodesPerSecond / threads));
      fastest.curve = Math.max(fastest.curve, perCpu(measured.perThreadCpu.evalTrialsPerSecond, measured.evalTrialsPerSecond / threads));
      // warm-up calls in the first pass only: the later passes run code already compiled
      fastest.final = Math.max(fastest.final, (count * testMazes) / (await seconds(final, pass === 0 ? finalWarm : undefined)));
      fastest.sweep = Math.max(fastest.sweep, (count * o.noise.length * mazes) / (await seconds(sweepAll, pass === 0 ? () => sweepOne(0) : undefined)));
      fastest.analysis = Math.max(fastest.analysis, (count * mazes) / (await seconds(analyseAll, pass === 0 ? () => analyseOne(0) : undefined)));
    }
  } finally {
    await sessions.release();
  }
  const rows: NetworkAnalysis[] = [];

  // forests and report over a synthetic analysis: the sweep's architectures, the measured rows jittered
  const sampleRows = Math.max(2, o.sampleRows ?? Math.min(512, 2 * o.archs.length));
  const rng = new Rng(7);
  for (let k = 0; k < sampleRows; k++) {
    const arch = o.archs[k % o.archs.length];
    const m = measuredRows[k % measuredRows.length];
    const jitter = (v: number) => (Number.isFinite(v) ? v * (0.5 + rng.float()) : v);
    rows.push({
      source: 'calibration',
      id: `${arch.name}_seed${Math.floor(k / o.archs.length)}`,
      family: arch.family,
      arch: arch.name,
      seed: Math.floor(k / o.archs.length),
      hidden: arch.hidden,
      parameters: arch.parameters,
      flags: { ...(arch.flags ?? {}) },
      storedFitness: rng.float(),
      fitness: rng.float(),
      fitnessByNoise: o.noise.map(() => rng.float()),
      robustness: rng.float(),
      sampleEfficiency: rng.float(),
      inputSensitivity: jitter(m.inputSensitivity),
      memory: m.memory.map(jitter),
      memoryCapacity: jitter(m.memoryCapacity),
      weightNorms: Object.fromEntries(Object.entries(m.weightNorms).map(([p, v]) => [p, jitter(v)])),
      trainingCurve: [rng.float(), rng.float()],
      extra: {},
      jacobian: m.jacobian,
    });
  }
  let analysis: ReturnType<typeof summarizeAnalysis> | undefined;
  const forestSeconds = await seconds(async () => {
    analysis = summarizeAnalysis({ task: o.task, mazes, noise: [...o.noise], measures: [...MEASURE_NAMES], sources: [], networks: rows, sampleEfficiencyThreshold: 0.5, seconds: 0 });
  });
  // the report at the sample's rows and at twice as many (every network twice, under another id): part of its
  // time (the figures' fixed work) does not grow with the networks, and a report timed at one size and scaled
  // in proportion overstated the paper's by 2.5×
  const out = await mkdtemp(join(tmpdir(), 'prnn-calibration-'));
  let reportSeconds: number;
  let doubledSeconds: number;
  try {
    reportSeconds = await seconds(() => writeReport(analysis!, join(out, 'report')));
    const doubled = { ...analysis!, networks: [...analysis!.networks, ...analysis!.networks.map((r) => ({ ...r, id: `${r.id}_twice` }))] };
    doubledSeconds = await seconds(() => writeReport(doubled, join(out, 'report-twice')));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  // seconds = fixed + perRow · rows through the two sizes, neither part below zero
  const perRow = Math.max(0, (doubledSeconds - reportSeconds) / sampleRows);
  const reportFixedSeconds = Math.min(reportSeconds, Math.max(0, reportSeconds - perRow * sampleRows));
  return {
    trainNetEpisodesPerSecond: fastest.train,
    largeTrainNetEpisodesPerSecond: fastest.large,
    curveTrialsPerSecond: fastest.curve,
    finalTrialsPerSecond: fastest.final,
    noiseSweepTrialsPerSecond: fastest.sweep,
    analysisTrialsPerSecond: fastest.analysis,
    forestSeconds,
    forestSampleRows: sampleRows,
    reportSeconds,
    reportSampleRows: sampleRows,
    reportFixedSeconds,
    calibrationSeconds: (performance.now() - started) / 1000,
    threadShare: Math.min(1, (timed.elapsed.cpuSeconds - timed0.cpuSeconds) / (timed.elapsed.wallSeconds - timed0.wallSeconds)),
    passes,
    trainingSpread: fastest.train / slowestTrain,
  };
}
