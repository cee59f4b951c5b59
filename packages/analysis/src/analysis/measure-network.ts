import { PAPER_FITNESS_NOISE, trapezoidArea, type PolicyEvaluator, type QEngine } from '@prnn/agents';
import { finiteDifferenceSensitivity } from '../jacobian/finite-difference-jacobian.js';
import { NinePathwayJacobian } from '../jacobian/nine-pathway-jacobian.js';
import type { SensitivityProfile } from '../jacobian/sensitivity-profile.js';
import { inputSensitivity, memoryProfile } from '../measures/memory.js';
import type { MeasureName } from '../measures/measure-names.js';
import { recordTrials } from '../trials/recorded-trials.js';

/** The test-set evaluators of one task: the noise sweep and the recording of trials at σs = 0.05. */
export interface TestEvaluators {
  readonly sweep: PolicyEvaluator;
  readonly record: PolicyEvaluator;
}

export interface BehaviourMeasures {
  fitness: number;
  fitnessByNoise: number[];
  robustness: number;
  inputSensitivity: number;
  memory: number[];
  memoryCapacity: number;
  jacobian: 'exact' | 'finite-difference' | 'none';
}

export interface MeasureNetworkOptions {
  readonly measures: ReadonlySet<MeasureName>;
  /** Exact Jacobians for a 9-pathway network (weights and sizes); otherwise finite differences through `engine`. */
  readonly ninePathway?: { weights: Readonly<Record<string, Float32Array>>; inputs: number; hidden: number; outputs: number };
  /** Stored noise-sweep fitness to reuse instead of evaluating (aligned with the sweep's levels). */
  readonly storedSweep?: readonly number[];
  readonly fdStep?: number;
}

const nan = Number.NaN;

/** Greedy test behaviour of one network through a QEngine: noise sweep, robustness, sensitivity and memory. */
export async function measureBehaviour(engine: QEngine, seed: number, ev: TestEvaluators, options: MeasureNetworkOptions): Promise<BehaviourMeasures> {
  const want = options.measures;
  const out: BehaviourMeasures = {
    fitness: nan,
    fitnessByNoise: [],
    robustness: nan,
    inputSensitivity: nan,
    memory: [],
    memoryCapacity: nan,
    jacobian: 'none',
  };
  const levels = ev.sweep.noise;
  if (want.has('noise-sweep') || want.has('robustness') || want.has('fitness') || want.has('sample-efficiency')) {
    if (options.storedSweep) {
      out.fitnessByNoise = [...options.storedSweep];
    } else {
      const r = await ev.sweep.evaluate(engine, seed);
      out.fitnessByNoise = r.fitness.map((v) => v ?? nan);
    }
    const at = levels.indexOf(PAPER_FITNESS_NOISE);
    out.fitness = at >= 0 ? out.fitnessByNoise[at] : nan;
    if (levels.length > 1) {
      out.robustness = trapezoidArea(levels, out.fitnessByNoise);
    }
  }
  if (want.has('input-sensitivity') || want.has('memory') || want.has('memory-capacity')) {
    const { trials, evaluation } = await recordTrials(ev.record, engine, seed);
    if (Number.isNaN(out.fitness)) out.fitness = evaluation.fitness[0] ?? nan;
    let profile: SensitivityProfile;
    if (options.ninePathway) {
      const np = options.ninePathway;
      profile = new NinePathwayJacobian(np.weights, np, trials.steps).run(trials);
      out.jacobian = 'exact';
    } else {
      profile = (await finiteDifferenceSensitivity(engine, trials, { step: options.fdStep })).profile;
      out.jacobian = 'finite-difference';
    }
    out.inputSensitivity = inputSensitivity(profile);
    const m = memoryProfile(profile);
    out.memory = m.memory;
    out.memoryCapacity = m.capacity;
  }
  return out;
}
