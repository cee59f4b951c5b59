import { resolveTaskOptions, type TaskOptions } from '@prnn/env';
import { median, PrnnError, Rng } from '@prnn/core';
import { archInfo, buildNinePathwayOnnx, compiledJacobianKernel, jacobianNetwork, ProgramJacobian, type JacobianEngine, createNinePathwayArchitecture, ensureBackend, initWeights, ninePathwayDefinition, OnnxPolicy, parseArch, PolicyEvaluator, PAPER_FITNESS_NOISE } from '@prnn/agents';
import {
  allocateProfile, autodiffJacobians, finiteDifferenceSensitivity, inputSensitivity, memoryProfile, networkStepSensitivity,
  recordTrials,
} from '@prnn/analysis';

/** Options of `benchSensitivity`: the architecture, task, recorded trials and timed repeats. */
export interface BenchSensitivityOptions {
  readonly arch?: string;
  readonly task?: TaskOptions;
  /** Recorded test trials (default 1 000). */
  readonly trials?: number;
  /** Timed repeats of the fused path (median reported; default 5). */
  readonly repeats?: number;
  /** Trials timed one by one in the reference style (default 20), projected to all trials. */
  readonly referenceTrials?: number;
  readonly seed?: number;
}

/** Seconds one network's input-sensitivity and memory measures take on each path, from the same recorded trials. */
export interface BenchSensitivityResult {
  readonly arch: string;
  readonly task: string;
  readonly trials: number;
  readonly steps: number;
  /** Input sensitivity + memory of one network from its recorded trials: exact Jacobians of the `compiled` kernel, one core. */
  readonly fusedSeconds: number;
  readonly fusedRepeats: number[];
  /** Where the compiled Jacobians' tangents ran: `wasm` (WebAssembly SIMD) where the runtime has it, else `js`. */
  readonly engine: JacobianEngine;
  /** The same Jacobians on the JavaScript engine (same bits), timed in the same repeats, alternating. */
  readonly jsSeconds: number;
  readonly jsRepeats: number[];
  /** The same by exact autodiff through the family's NetworkStep (the path of every family without a kernel). */
  readonly autodiffSeconds: number;
  /** Batched central finite differences through onnxruntime (the path for foreign ONNX policies). */
  readonly finiteDifferenceSeconds: number;
  /** Reference style: one reverse-mode pass per time point and output, trial by trial (tfjs autodiff), projected. */
  readonly perTimepointSeconds: number;
  readonly speedup: number;
}

/**
 * Speed of the memory analysis of one network: greedy test trials recorded once, then input sensitivity and
 * memory M_k from exact Jacobians (the family's `compiled` jacobian kernel, median of repeats), next
 * to batched autodiff through its NetworkStep, finite differences through onnxruntime, and the reference
 * style of one autodiff backward pass per time point and output, trial by trial.
 */
export async function benchSensitivity(options: BenchSensitivityOptions = {}): Promise<BenchSensitivityResult> {
  const archSpec = options.arch ?? 'fc';
  const arch = parseArch(archSpec);
  const task = options.task ?? resolveTaskOptions('track', {});
  const count = options.trials ?? 1000;
  const repeats = options.repeats ?? 5;
  const referenceTrials = Math.min(options.referenceTrials ?? 20, count);
  if (!Number.isInteger(repeats) || repeats < 1) throw new PrnnError(`repeats must be an integer ≥ 1 (got ${repeats})`);
  const seed = options.seed ?? 0;
  const weights = initWeights(arch, Rng.derive(seed, 1)) as Record<string, Float32Array>;
  await ensureBackend(); // the export traces the family's step in tfjs
  const policy = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
  try {
    const evaluator = new PolicyEvaluator({ task, mazes: count, mazeSeed: seed, noise: [PAPER_FITNESS_NOISE] });
    const { trials } = await recordTrials(evaluator, policy, seed);
    const info = archInfo(arch);
    const profile = allocateProfile(trials);
    const fusedRepeats: number[] = [];
    const jsRepeats: number[] = [];
    const kernel = compiledJacobianKernel(ninePathwayDefinition);
    const jsKernel = compiledJacobianKernel(ninePathwayDefinition, { engine: 'js' });
    const timed = (k: typeof kernel): number => {
      const started = performance.now();
      k.sensitivity(info, weights, trials, profile.s);
      inputSensitivity(profile);
      memoryProfile(profile);
      return (performance.now() - started) / 1000;
    };
    for (let r = 0; r <= repeats; r++) {
      // r = 0 warms both up; then the two engines alternate which goes first
      let a: number;
      let b: number;
      if (r % 2 === 0) {
        a = timed(kernel);
        b = timed(jsKernel);
      } else {
        b = timed(jsKernel);
        a = timed(kernel);
      }
      if (r > 0) {
        fusedRepeats.push(a);
        jsRepeats.push(b);
      }
    }
    const program = jacobianNetwork(ninePathwayDefinition, info, task.channels, weights)?.program;
    const engine: JacobianEngine = program ? new ProgramJacobian(program, trials.steps).engine : 'js';
    const net = createNinePathwayArchitecture().network!(info, weights, task.channels);
    try {
      let started = performance.now();
      const auto = networkStepSensitivity(net, trials).profile;
      inputSensitivity(auto);
      memoryProfile(auto);
      const autodiffSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      await finiteDifferenceSensitivity(policy, trials);
      const finiteDifferenceSeconds = (performance.now() - started) / 1000;
      const subset = { ...trials, count: referenceTrials, lengths: trials.lengths.subarray(0, referenceTrials) };
      started = performance.now();
      autodiffJacobians(net, subset, { chunk: 1 });
      const perTimepointSeconds = ((performance.now() - started) / 1000) * (count / referenceTrials);
      const fusedSeconds = median(fusedRepeats);
      return {
        arch: arch.name,
        task: task.kind,
        trials: count,
        steps: task.steps,
        fusedSeconds,
        fusedRepeats,
        engine,
        jsSeconds: median(jsRepeats),
        jsRepeats,
        autodiffSeconds,
        finiteDifferenceSeconds,
        perTimepointSeconds,
        speedup: perTimepointSeconds / fusedSeconds,
      };
    } finally {
      net.dispose();
    }
  } finally {
    await policy.release();
  }
}
