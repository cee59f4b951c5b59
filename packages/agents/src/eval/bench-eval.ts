import { PrnnError, median, resolveTaskOptions, Rng, type TaskOptions } from '@prnn/env';
import { initWeights, parseArch } from '../architectures/nine-pathway/family.js';
import { buildNinePathwayOnnx } from '../onnx/nine-pathway-onnx.js';
import { STREAM } from '../sdk/streams.js';
import { parseNoiseSpec, PAPER_NOISE_SPEC } from './noise-spec.js';
import { OnnxPolicy } from './onnx-policy.js';
import { PolicyEvaluator } from './policy-evaluator.js';

/** The authors' reference code needs about this long for one network's 21-level × 1 000-maze sweep. */
export const REFERENCE_SWEEP_SECONDS = 225;

export interface BenchEvalOptions {
  /** Timed networks (default 5); one more, untimed, warms up the JIT first. */
  readonly networks?: number;
  readonly mazes?: number;
  readonly noise?: readonly number[];
  readonly task?: TaskOptions;
  readonly arch?: string;
  readonly intraOpNumThreads?: number;
}

export interface BenchEvalResult {
  readonly arch: string;
  readonly task: string;
  readonly mazes: number;
  readonly levels: number;
  readonly networks: number;
  /** Median seconds per network of the sweep itself (batched rollout through one session). */
  readonly secondsPerNetwork: number;
  /** Median seconds per network to build its ONNX model and open its session. */
  readonly loadSecondsPerNetwork: number;
  /** Median of the two together. */
  readonly totalSecondsPerNetwork: number;
  readonly referenceSecondsPerNetwork: number;
  /** referenceSecondsPerNetwork / totalSecondsPerNetwork. */
  readonly speedup: number;
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
  const task = options.task ?? resolveTaskOptions('track', {});
  const arch = parseArch(options.arch ?? 'fc', { channels: task.channels });
  const evaluator = new PolicyEvaluator({
    task,
    mazes: options.mazes ?? 1000,
    noise: options.noise ?? parseNoiseSpec(PAPER_NOISE_SPEC),
    mazeSeed: 1,
  });
  const sweep: number[] = [];
  const load: number[] = [];
  const total: number[] = [];
  for (let k = -1; k < networks; k++) {
    const seed = k + 1;
    const t0 = performance.now();
    const bytes = buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(seed, STREAM.init)));
    const policy = await OnnxPolicy.load(bytes, { intraOpNumThreads: options.intraOpNumThreads ?? 1 });
    const t1 = performance.now();
    try {
      await evaluator.evaluate(policy, seed);
    } finally {
      await policy.release();
    }
    const t2 = performance.now();
    if (k < 0) continue; // warm-up
    load.push((t1 - t0) / 1000);
    sweep.push((t2 - t1) / 1000);
    total.push((t2 - t0) / 1000);
  }
  const totalSeconds = median(total);
  return {
    arch: arch.name,
    task: task.kind,
    mazes: evaluator.set.count,
    levels: evaluator.noise.length,
    networks,
    secondsPerNetwork: median(sweep),
    loadSecondsPerNetwork: median(load),
    totalSecondsPerNetwork: totalSeconds,
    referenceSecondsPerNetwork: REFERENCE_SWEEP_SECONDS,
    speedup: REFERENCE_SWEEP_SECONDS / totalSeconds,
  };
}
