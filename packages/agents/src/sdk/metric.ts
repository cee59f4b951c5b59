import type { TaskOptions } from '@prnn/env';
import type { ArchInfo, NetworkStep } from './architecture.js';
import type { KernelSet } from './kernel.js';

/**
 * The greedy test trials of one network as they ran, recorded step by step for metric authors
 * (`MetricInput.trials()`): N = `trials` trials (trial i runs on maze i of the run's test set), each at most
 * T = `steps` steps.
 *
 * Layout: every per-step array is **time-major** with one *row* per (step t, trial i), row = t·N + i (use
 * {@link trialRow} or {@link forEachRecordedStep}); an array with k values per step holds them at
 * [row·k, row·k + k). So `observations[(t·N + i)·I + j]` is sensor value j that trial i sensed before its step t.
 * A trial that reached the goal early stops: steps t ≥ `lengths[i]` did not happen, and their rows are zero.
 *
 * ```ts
 * const r = await input.trials!();
 * forEachRecordedStep(r, (t, i, row) => {
 *   const q = r.outputValues.subarray(row * r.outputs, (row + 1) * r.outputs); // Q-values of trial i at step t
 *   const a = r.actions[row];                                                   // the action it took (0–4)
 * });
 * ```
 */
export interface RecordedTrials {
  /** N: the number of trials (one per test maze). */
  readonly trials: number;
  /** T: the task's episode length; no trial runs longer. */
  readonly steps: number;
  /** I: sensor values per step (4 sensors × channels, sensor-major: L_c0, L_c1, R_c0, …; docs/spec.md §1.3). */
  readonly inputs: number;
  /** O: outputs per step (5, one per action: Left, Right, Up, Down, Stay). */
  readonly outputs: number;
  /** S: size of the network's recurrent state. */
  readonly stateSize: number;
  /** The sensor noise σs the trials ran at (the training σs, so their mean fitness is the stored fitness). */
  readonly sensorNoise: number;
  /** [T·N·I] the observation of each step as sensed (noise and channel mask applied), before the step. */
  readonly observations: Float32Array;
  /** [T·N·S] the network's state after each step. */
  readonly states: Float32Array;
  /** [T·N·O] the outputs of each step (the Q-values the greedy action was chosen from). */
  readonly outputValues: Float32Array;
  /** [T·N] the action taken at each step (0 Left, 1 Right, 2 Up, 3 Down, 4 Stay). */
  readonly actions: Int32Array;
  /**
   * [(T+1)·N] the cell (row·size + col) of trial i *before* step t at index t·N + i; index T·N + i… is after the
   * last step, so positions[lengths[i]·N + i] is where trial i ended.
   */
  readonly positions: Int32Array;
  /** [N] the number of steps trial i ran (≤ T; fewer when it reached the goal). */
  readonly lengths: Int32Array;
  /** [N] each trial's fitness (docs/spec.md §1.5; NaN when undefined for its maze). */
  readonly fitness: Float64Array;
  /** Seed of the run's test set: trial i ran on its maze i. */
  readonly mazeSeed: number;
}

/** The row of step t of trial i in a {@link RecordedTrials} (t·trials + i): multiply by a per-step size for the offset. */
export function trialRow(r: RecordedTrials, t: number, i: number): number {
  return t * r.trials + i;
}

/** Calls `f(t, i, row)` for every step t that trial i ran (row = t·trials + i, the index into the arrays). */
export function forEachRecordedStep(r: RecordedTrials, f: (t: number, i: number, row: number) => void): void {
  for (let t = 0; t < r.steps; t++) {
    for (let i = 0; i < r.trials; i++) if (t < r.lengths[i]) f(t, i, t * r.trials + i);
  }
}

/** The run a network came from: its results and how it was trained. */
export interface MetricRunContext {
  readonly dir: string;
  readonly id: string;
  readonly seed: number;
  readonly fitness: number | null;
  readonly trainingCurve: readonly (number | null)[];
  readonly episodes: number;
  readonly learner: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * What a measure gets: one trained network — its architecture, weights, and (when its family offers one)
 * the network as a callable differentiable step, so that a measure can take exact Jacobians through time
 * (e.g. ‖∂o_t/∂s_{t+k}‖ of docs/spec.md §4 by replaying `trials()` through `network.step` under tf.grad) —
 * the task, recorded greedy test trials, and the run context.
 */
export interface MetricInput {
  readonly arch: ArchInfo;
  /** The network's weights by name (9-pathway family: present pathways, row-major [A, B]). */
  readonly weights: Readonly<Record<string, Float32Array>>;
  /** Every parameter name the family can have (e.g. the 9 pathways), for measures that report absent ones. */
  readonly parameterNames?: readonly string[];
  readonly network?: NetworkStep;
  /** The kernels registered for the network's family (e.g. a `jacobian` kernel faster than autodiff of `network`). */
  readonly kernels?: KernelSet;
  readonly task?: TaskOptions;
  /**
   * The run's greedy test trials, recorded on first call at the training σs (the trials behind the stored
   * fitness): see {@link RecordedTrials} for the fields and their time-major layout. Absent when the family
   * offers no callable step.
   */
  trials?(): Promise<RecordedTrials>;
  readonly run?: MetricRunContext;
}

/** What a metric returns: one number, or named numbers (stored as `name.key`). */
export type MetricValue = number | Record<string, number>;

/** A measure of a trained network (a plugin contract, bound to `TYPES.Metric`). */
export interface Metric {
  /** Registry key, e.g. `weight-norms`. */
  readonly name: string;
  readonly description: string;
  /** One number, or named numbers (e.g. one per pathway). */
  measure(input: MetricInput): MetricValue | Promise<MetricValue>;
}
