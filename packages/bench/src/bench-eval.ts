import { resolveTaskOptions, type TaskOptions } from '@prnn/env';
import { PrnnError, median, Rng } from '@prnn/core';
import {
  CompiledEngine, KernelSet, OnnxPolicy, PAPER_NOISE_SPEC, archInfo, compiledPopulationKernel, ninePathwayDefinition, simdAvailable, PolicyEvaluator, STREAM, TrainWorkerPool, buildNinePathwayOnnx, checkWorkers, ensureBackend, evaluateSweepInWorkers, initWeights,
  parameterCount, parseArch, parseNoiseSpec, type NinePathwayArch,
} from '@prnn/agents';
import { episodeFlops } from './episode-flops.js';
import { describeRecorded, loadPeakFlops, loadReferenceCode, referenceSweepSeconds, type PeakFlopsFigure, type ReferenceCodeFigures } from './reference-figures.js';

/** The speed targets for one FC network's 21 × 1 000 sweep on one core, seconds (about 1 000× the reference figures). */
export const EVAL_TARGET_SECONDS = { general: 0.046, track: 0.015 } as const;

/**
 * Options of the evaluation benchmark: networks timed, test mazes, noise levels, task, architecture, threads and
 * workers.
 */
export interface BenchEvalOptions {
  /** Timed networks (default 5). */
  readonly networks?: number;
  /**
   * Untimed networks before the timed ones (default 5; with `workers`, that many per worker). The first
   * networks of a process run slower while V8 compiles the evaluator's code and onnxruntime warms up (about 5
   * networks at 20–60 ms, then 13 ms each, for Track FC on this machine kind): after fewer warm-ups a median
   * over few timed networks can land in either regime; 5 measures the steady state a sweep runs at.
   */
  readonly warmup?: number;
  readonly mazes?: number;
  readonly noise?: readonly number[];
  readonly task?: TaskOptions;
  readonly arch?: string;
  readonly intraOpNumThreads?: number;
  /**
   * Engine that computes q (default `onnx`, the mission's inference engine): `compiled` runs the family's
   * WebAssembly SIMD step (CompiledEngine) on this thread; the load time is then building its population.
   */
  readonly engine?: BenchEvalEngine;
  /**
   * Also time the sweep cut into batches of these many levels (all mazes of a level in one batch), to show
   * where widening the batch stops paying; e.g. [1, 3, 7, 21].
   */
  readonly levelsPerBatch?: readonly number[];
  /**
   * Worker threads sharing each network's sweep (default 1: this thread): its levels cut into one batch per
   * worker, each worker with its own session and maze world. The sweep's time then includes opening the sessions.
   */
  readonly workers?: number;
  /** The reference code's recorded speed (default: reference/reference-code.json). */
  readonly reference?: ReferenceCodeFigures;
  /** The recorded peak rate of one core for the roofline (default: reference/peak-flops.json). */
  readonly peak?: PeakFlopsFigure;
}

/** Engines `benchEval` can time. */
export type BenchEvalEngine = 'onnx' | 'compiled';
/** Every {@link BenchEvalEngine}, for flag validation. */
export const BENCH_EVAL_ENGINES: readonly BenchEvalEngine[] = ['onnx', 'compiled'];

/** Seconds per network of the sweep cut into batches of `levelsPerBatch` levels (rows = levels × mazes). */
export interface BatchTiming {
  readonly levelsPerBatch: number;
  readonly rows: number;
  readonly secondsPerNetwork: number;
}

/**
 * Evaluation benchmark result: the setting, seconds per network (evaluation, loading, total) and the reference code's
 * time for comparison.
 */
export interface BenchEvalResult {
  readonly arch: string;
  readonly task: string;
  readonly mazes: number;
  readonly levels: number;
  readonly networks: number;
  /** Untimed networks run first (per worker with workers). */
  readonly warmup: number;
  readonly workers: number;
  /** The engine that computed q. */
  readonly engine: BenchEvalEngine;
  /** Median seconds per network of the sweep itself (batched rollout through one session). */
  readonly secondsPerNetwork: number;
  /**
   * Median CPU seconds per network of the sweep (process.cpuUsage: every thread of the process, so worker
   * threads count). On a loaded machine the wall time also counts waiting for a core; this does not.
   */
  readonly cpuSecondsPerNetwork: number;
  /** Median seconds per network to build its ONNX model and open its session. */
  readonly loadSecondsPerNetwork: number;
  /** Median of the two together. */
  readonly totalSecondsPerNetwork: number;
  /** The recorded reference figure: ms per test trial on this task, and for this sweep (trials × that). */
  readonly referenceMsPerTrial: number;
  readonly referenceSecondsPerNetwork: number;
  readonly referenceMachine: string;
  /** referenceSecondsPerNetwork / totalSecondsPerNetwork. */
  readonly speedup: number;
  /** referenceSecondsPerNetwork / secondsPerNetwork (the sweep without building the model). */
  readonly sweepSpeedup: number;
  /** The speed target for the 21 × 1 000 sweep on this task (seconds, sweep itself), when there is one. */
  readonly targetSeconds?: number;
  /** FLOP of the sweep's forwards (every trial running all its steps: an upper bound) ÷ the sweep's seconds. */
  readonly roofline: { readonly flopsPerSweep: number; readonly gflopsPerSecond: number; readonly fractionOfPeak: number };
  readonly batching?: readonly BatchTiming[];
}

/**
 * `prnn bench eval`: seconds per network for the paper's noise sweep (21 levels × 1 000 mazes by default)
 * of randomly initialised networks (default FC) exported to ONNX and run by onnxruntime on one intra-op thread.
 */
export async function benchEval(options: BenchEvalOptions = {}): Promise<BenchEvalResult> {
  const networks = options.networks ?? 5;
  if (!Number.isInteger(networks) || networks < 1 || networks > 1000) {
    throw new PrnnError(`networks must be an integer in [1, 1000] (got ${networks})`);
  }
  const warmup = options.warmup ?? 5;
  if (!Number.isInteger(warmup) || warmup < 0 || warmup > 100) throw new PrnnError(`warmup must be an integer in [0, 100] (got ${warmup})`);
  const task = options.task ?? resolveTaskOptions('track', {});
  const arch = parseArch(options.arch ?? 'fc', { channels: task.channels });
  // the export traces the family's step in tfjs
  await ensureBackend();
  const evaluator = new PolicyEvaluator({
    task,
    mazes: options.mazes ?? 1000,
    noise: options.noise ?? parseNoiseSpec(PAPER_NOISE_SPEC),
    mazeSeed: 1,
  });
  const sweep: number[] = [];
  const cpu: number[] = [];
  const load: number[] = [];
  const total: number[] = [];
  const workers = checkWorkers(options.workers ?? 1);
  const pool = workers > 1 ? new TrainWorkerPool(workers) : undefined;
  const threads = options.intraOpNumThreads ?? 1;
  const engine = options.engine ?? 'onnx';
  if (!BENCH_EVAL_ENGINES.includes(engine)) throw new PrnnError(`engine must be one of ${BENCH_EVAL_ENGINES.join(', ')} (got ${JSON.stringify(engine)})`);
  if (engine === 'compiled') {
    if (pool) throw new PrnnError(`the compiled engine runs on this thread only: workers must be 1 (got ${workers})`);
    if (options.levelsPerBatch?.length) throw new PrnnError('levelsPerBatch times onnxruntime only: leave it out with the compiled engine');
    if (!simdAvailable()) throw new PrnnError('the compiled engine needs WebAssembly SIMD, which this runtime lacks: use the onnx engine');
  }
  const compiledKernels = new KernelSet(ninePathwayDefinition.family, [compiledPopulationKernel(ninePathwayDefinition)]);
  // untimed networks first (with a pool, `warmup` per worker: its first call starts its threads); the timed
  // networks have seeds 1 … networks, the warm-up ones seeds of their own
  for (let k = -warmup * (pool ? workers : 1); k < networks; k++) {
    const seed = k < 0 ? 1_000_000 - k : k + 1;
    const t0 = performance.now();
    const weights = initWeights(arch, Rng.derive(seed, STREAM.init));
    let t1: number;
    let c1: NodeJS.CpuUsage;
    if (engine === 'compiled') {
      const compiled = CompiledEngine.create(compiledKernels, archInfo(arch), weights as Record<string, Float32Array>, task.channels, { seed });
      t1 = performance.now();
      c1 = process.cpuUsage();
      try {
        await evaluator.evaluate(compiled, seed);
      } finally {
        compiled.dispose();
      }
    } else if (pool) {
      const bytes = buildNinePathwayOnnx(arch, weights);
      t1 = performance.now();
      c1 = process.cpuUsage();
      try {
        await evaluateSweepInWorkers(pool, {
          bytes, label: arch.name, task: evaluator.task, mazes: evaluator.set.count, mazeSeed: 1, noise: evaluator.noise, seed, intraOpNumThreads: threads,
        });
      } catch (error) {
        await pool.destroy();
        throw error;
      }
    } else {
      const bytes = buildNinePathwayOnnx(arch, weights);
      const policy = await OnnxPolicy.load(bytes, { intraOpNumThreads: threads, splitState: true });
      t1 = performance.now();
      c1 = process.cpuUsage();
      try {
        await evaluator.evaluate(policy, seed);
      } finally {
        await policy.release();
      }
    }
    const t2 = performance.now();
    const c2 = process.cpuUsage(c1);
    if (k < 0) continue; // warm-up
    cpu.push((c2.user + c2.system) / 1e6);
    load.push((t1 - t0) / 1000);
    sweep.push((t2 - t1) / 1000);
    total.push((t2 - t0) / 1000);
  }
  await pool?.destroy();
  const totalSeconds = median(total);
  const batching: BatchTiming[] = [];
  for (const k of options.levelsPerBatch ?? []) {
    if (!Number.isInteger(k) || k < 1) throw new PrnnError(`levelsPerBatch must hold integers ≥ 1 (got ${k})`);
    batching.push({ levelsPerBatch: k, rows: Math.min(k, evaluator.noise.length) * evaluator.set.count, secondsPerNetwork: await timeCutSweep(arch, evaluator, k, networks, options.intraOpNumThreads ?? 1) });
  }
  const levels = evaluator.noise.length;
  const mazes = evaluator.set.count;
  const reference = options.reference ?? loadReferenceCode();
  const peakFlops = (options.peak ?? loadPeakFlops()).peakFlopsPerCore;
  const referenceSeconds = referenceSweepSeconds(reference, task.kind, levels, mazes);
  const sweepSeconds = median(sweep);
  const flopsPerSweep = levels * mazes * episodeFlops({ inputs: arch.inputs, hidden: arch.hidden, outputs: arch.outputs, weights: parameterCount(arch) }, task.steps).trial;
  const paperSweep = levels === 21 && mazes === 1000 && arch.name === 'fc';
  const target = task.kind === 'general' ? EVAL_TARGET_SECONDS.general : task.kind === 'track' ? EVAL_TARGET_SECONDS.track : undefined;
  return {
    arch: arch.name,
    task: task.kind,
    mazes: evaluator.set.count,
    levels: evaluator.noise.length,
    networks,
    warmup,
    workers,
    engine,
    secondsPerNetwork: sweepSeconds,
    cpuSecondsPerNetwork: median(cpu),
    loadSecondsPerNetwork: median(load),
    totalSecondsPerNetwork: totalSeconds,
    referenceMsPerTrial: task.kind === 'general' ? reference.testTrialMs.general : reference.testTrialMs.track,
    referenceSecondsPerNetwork: referenceSeconds,
    referenceMachine: describeRecorded(reference),
    speedup: referenceSeconds / totalSeconds,
    sweepSpeedup: referenceSeconds / sweepSeconds,
    ...(paperSweep && target !== undefined ? { targetSeconds: target } : {}),
    roofline: {
      flopsPerSweep,
      gflopsPerSecond: flopsPerSweep / sweepSeconds / 1e9,
      fractionOfPeak: flopsPerSweep / sweepSeconds / peakFlops,
    },
    ...(batching.length > 0 ? { batching } : {}),
  };
}

/** Median seconds per network of the sweep run as batches of `k` levels each (same networks and seeds as the bench). */
async function timeCutSweep(arch: NinePathwayArch, full: PolicyEvaluator, k: number, networks: number, threads: number): Promise<number> {
  const groups: PolicyEvaluator[] = [];
  for (let from = 0; from < full.noise.length; from += k) {
    groups.push(new PolicyEvaluator({ task: full.task, mazes: full.set, noise: full.noise.slice(from, from + k) }));
  }
  const times: number[] = [];
  for (let n = -1; n < networks; n++) {
    const seed = n + 1;
    const policy = await OnnxPolicy.load(buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(seed, STREAM.init))), { intraOpNumThreads: threads, splitState: true });
    try {
      const t0 = performance.now();
      for (const g of groups) await g.evaluate(policy, seed);
      if (n >= 0) times.push((performance.now() - t0) / 1000);
    } finally {
      await policy.release();
    }
  }
  return median(times);
}
