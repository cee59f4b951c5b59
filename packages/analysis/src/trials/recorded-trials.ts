import { PrnnError } from '@prnn/core';
import type { EvaluationResult, PolicyEvaluator, QEngine, RecordedTrials as RecordedStepTrials } from '@prnn/agents';

/**
 * Greedy test trials of one network as the network saw them: the sensed input s_t (after noise, clipping and
 * the channel mask) of every step, and how many steps each trial ran. The input to every Jacobian measure.
 */
export interface RecordedTrials {
  /** Number of trials N. */
  readonly count: number;
  /** Steps per episode T (the task's). */
  readonly steps: number;
  /** Inputs per step I (4·C). */
  readonly inputs: number;
  /** s_t of trial n at obs[(n·T + t)·I + j]; steps at or after lengths[n] are zero. */
  readonly obs: Float32Array;
  /** Steps executed by each trial (1 … T). */
  readonly lengths: Int32Array;
}

/**
 * Zeroed storage for `count` trials of up to `steps` steps of `inputs` observations each; a PrnnError when a size is
 * not an integer ≥ 1.
 */
export function allocateTrials(count: number, steps: number, inputs: number): RecordedTrials {
  for (const [name, v] of [['count', count], ['steps', steps], ['inputs', inputs]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new PrnnError(`${name} must be an integer ≥ 1 (got ${v})`);
  }
  return { count, steps, inputs, obs: new Float32Array(count * steps * inputs), lengths: new Int32Array(count) };
}

/**
 * Runs one greedy evaluation of `engine` with `evaluator` (whose every env is one trial: levels × mazes) and
 * records the trials. The evaluation's randomness is the evaluator's, so at the training σs the recorded
 * trials are those behind the network's stored fitness.
 */
export async function recordTrials(
  evaluator: PolicyEvaluator,
  engine: QEngine,
  seed: number,
): Promise<{ trials: RecordedTrials; evaluation: EvaluationResult }> {
  const N = evaluator.batch;
  const T = evaluator.task.steps;
  const I = evaluator.observationSize;
  const trials = allocateTrials(N, T, I);
  const { obs, lengths } = trials;
  const evaluation = await evaluator.evaluate(engine, seed, { beforeStep: (t, observations, finished) => {
    for (let n = 0; n < N; n++) {
      if (finished[n] === 1) continue;
      obs.set(observations.subarray(n * I, (n + 1) * I), (n * T + t) * I);
      lengths[n] = t + 1;
    }
  } });
  return { trials, evaluation };
}

/** The inputs of an SDK metric's recorded trials (time-major, see `RecordedStepTrials`) as RecordedTrials. */
export function trialsOfRecording(r: RecordedStepTrials): RecordedTrials {
  const trials = allocateTrials(r.trials, r.steps, r.inputs);
  const { trials: N, steps: T, inputs: I } = r;
  for (let n = 0; n < N; n++) {
    trials.lengths[n] = r.lengths[n];
    for (let t = 0; t < r.lengths[n]; t++) trials.obs.set(r.observations.subarray((t * N + n) * I, (t * N + n + 1) * I), (n * T + t) * I);
  }
  return trials;
}
