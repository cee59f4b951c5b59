import { PAPER_FITNESS_NOISE, recordTrials as recordStepTrials, type ArchInfo, type KernelSet, type NetworkStep, type PolicyEvaluator, type QEngine, type RecordedTrials as RecordedStepTrials, type Registry } from '@prnn/agents';
import { networkSensitivity } from '../jacobian/network-sensitivity.js';
import type { SensitivityProfile } from '../jacobian/sensitivity-profile.js';
import { MEASURE_NAMES, type MeasureName } from '../measures/measure-names.js';
import { memoryDiagnostics, type MemoryDiagnostics } from '../measures/memory.js';
import type { AnalysisMetricInput } from '../plugin/analysis-metrics.js';
import { recordTrials } from '../trials/recorded-trials.js';

/** The test-set evaluators of one task: the noise sweep and the recording of trials at σs = 0.05. */
export interface TestEvaluators {
  readonly sweep: PolicyEvaluator;
  readonly record: PolicyEvaluator;
  /** Seed of their test set. */
  readonly mazeSeed: number;
}

/**
 * Options of `measureNetwork`: which measures, the differentiable step (or the engine for finite differences), and the
 * inputs stored measures reuse.
 */
export interface MeasureNetworkOptions {
  /** Built-in measures plus the names of plugin metrics to compute. */
  readonly measures: ReadonlySet<string>;
  /**
   * The network as a differentiable step and its family's kernels: exact Jacobians by a registered `jacobian`
   * kernel or autodiff through the step. Without either (a bare ONNX policy): finite differences through `engine`.
   */
  readonly network?: NetworkStep | (() => NetworkStep);
  readonly kernels?: KernelSet;
  /** `autodiff` skips the family's jacobian kernels (see networkSensitivity). */
  readonly jacobianPath?: string;
  /** Stored noise-sweep fitness to reuse instead of evaluating (aligned with the sweep's levels). */
  readonly storedSweep?: readonly number[];
  readonly fdStep?: number;
  /** A bare ONNX policy's model bytes and state size: exact Jacobians by interpreting its graph (see networkSensitivity). */
  readonly onnx?: { readonly bytes: Uint8Array; readonly stateSize: number };
}

/**
 * Everything measured of one network: fitness (overall and per noise level), robustness, input sensitivity, memory M_k
 * and capacity, weight norms and plugin metrics.
 */
export interface NetworkMeasures {
  fitness: number;
  fitnessByNoise: number[];
  robustness: number;
  inputSensitivity: number;
  memory: number[];
  memoryCapacity: number;
  weightNorms: Record<string, number>;
  /** Plugin metrics by name (named numbers flattened as `name.key`). */
  extra: Record<string, number>;
  /** How the Jacobians were computed (see NetworkAnalysis.jacobian). */
  jacobian: string;
  /** Which Jacobian path ran and why, when there was a choice (ONNX policies). */
  jacobianNote?: string;
  /** What lies behind each M_k (ratio of means, median ratio, pairs, pairs below the floor, flags). */
  memoryDiagnostics?: MemoryDiagnostics;
}

const nan = Number.NaN;
const TRIAL_MEASURES = ['input-sensitivity', 'memory', 'memory-capacity'];

/** Names of the registry's metrics that are not built-in measures of the analysis. */
export function pluginMetricNames(registry: Registry): string[] {
  return registry.metrics().map((m) => m.name).filter((n) => !(MEASURE_NAMES as string[]).includes(n));
}

function flatten(name: string, value: number | Record<string, number>, into: Record<string, number>): void {
  if (typeof value === 'number') into[name] = value;
  else for (const [key, v] of Object.entries(value)) into[`${name}.${key}`] = v;
}

/**
 * Greedy test behaviour of one network through a QEngine — noise sweep and, along the recorded trials at
 * σs = 0.05, the sensitivity profile — then every requested measure through the registry's metrics (the
 * analysis' own are metric plugins too). Plugin metrics get the same input and land in `extra`.
 */
export async function measureNetwork(
  engine: QEngine,
  seed: number,
  ev: TestEvaluators,
  registry: Registry,
  base: { arch: ArchInfo; weights: Readonly<Record<string, Float32Array>>; parameterNames?: readonly string[] },
  options: MeasureNetworkOptions,
): Promise<NetworkMeasures> {
  const want = options.measures;
  const has = (m: MeasureName | string) => want.has(m);
  const out: NetworkMeasures = {
    fitness: nan,
    fitnessByNoise: [],
    robustness: nan,
    inputSensitivity: nan,
    memory: [],
    memoryCapacity: nan,
    weightNorms: {},
    extra: {},
    jacobian: 'none',
  };
  const levels = ev.sweep.noise;
  const plugins = [...want].filter((m) => !(MEASURE_NAMES as string[]).includes(m));
  if (has('noise-sweep') || has('robustness') || has('fitness') || has('sample-efficiency') || plugins.length > 0) {
    if (options.storedSweep) {
      out.fitnessByNoise = [...options.storedSweep];
    } else {
      const r = await ev.sweep.evaluate(engine, seed);
      out.fitnessByNoise = r.fitness.map((v) => v ?? nan);
    }
    const at = levels.indexOf(PAPER_FITNESS_NOISE);
    out.fitness = at >= 0 ? out.fitnessByNoise[at] : nan;
  }
  let profile: SensitivityProfile | undefined;
  if (TRIAL_MEASURES.some(has) || plugins.length > 0) {
    const { trials, evaluation } = await recordTrials(ev.record, engine, seed);
    if (Number.isNaN(out.fitness)) out.fitness = evaluation.fitness[0] ?? nan;
    const source = { ...base, network: options.network, kernels: options.kernels, engine, onnx: options.onnx };
    const r = await networkSensitivity(source, trials, { path: options.jacobianPath, fdStep: options.fdStep });
    profile = r.profile;
    out.jacobian = r.jacobian;
    if (r.note !== undefined) out.jacobianNote = r.note;
  }
  const input: AnalysisMetricInput = { ...base, task: ev.record.task, trials: stepTrials(options.network, ev, seed), profile, noise: levels, fitnessByNoise: out.fitnessByNoise };
  if (has('robustness') && levels.length > 1) out.robustness = (await registry.metric('robustness').measure(input)) as number;
  if (has('input-sensitivity')) out.inputSensitivity = (await registry.metric('input-sensitivity').measure(input)) as number;
  if (has('memory')) {
    out.memory = Object.values((await registry.metric('memory').measure(input)) as Record<string, number>);
    if (profile) out.memoryDiagnostics = memoryDiagnostics(profile);
  }
  if (has('memory-capacity')) out.memoryCapacity = (await registry.metric('memory-capacity').measure(input)) as number;
  if (has('weight-norms') && Object.keys(base.weights).length > 0) out.weightNorms = (await registry.metric('weight-norms').measure(input)) as Record<string, number>;
  for (const name of plugins) flatten(name, await registry.metric(name).measure(input), out.extra);
  return out;
}

/**
 * A metric's `trials()` (MetricInput): the greedy test trials the analysis records (its test set, σs = 0.05, the
 * network's seed) run through the family's step, recorded on first call; absent without a step, as in `measureRun`.
 */
function stepTrials(network: MeasureNetworkOptions['network'], ev: TestEvaluators, seed: number): (() => Promise<RecordedStepTrials>) | undefined {
  if (!network) return undefined;
  let recorded: Promise<RecordedStepTrials> | undefined;
  const record = async () => {
    const step = typeof network === 'function' ? network() : network;
    try {
      const r = ev.record;
      return await recordStepTrials(step, { task: r.task, mazes: r.batch, set: r.set, mazeSeed: ev.mazeSeed, sensorNoise: r.noise[0], seed });
    } finally {
      if (step !== network) step.dispose();
    }
  };
  return () => (recorded ??= record());
}
