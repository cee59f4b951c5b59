import type { TaskOptions } from '@prnn/env';
import type { ArchInfo, NetworkStep } from './architecture.js';
import type { KernelSet } from './kernel.js';

/**
 * Greedy test trials of one network as they ran (N trials, T = the task's steps), time-major:
 * observations[(t*N + i)*I + j] is s_t of trial i as sensed (noise included), states[(t*N + i)*S + k] the
 * state after step t, outputs[(t*N + i)*O + k] the outputs (Q-values) of step t, actions[t*N + i] the action
 * taken, positions[t*N + i] the cell before step t (positions[T*N + i]: after the last). Steps t ≥
 * lengths[i] did not happen in trial i (their rows are zero).
 */
export interface RecordedTrials {
  readonly trials: number;
  readonly steps: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly stateSize: number;
  readonly sensorNoise: number;
  readonly observations: Float32Array;
  readonly states: Float32Array;
  readonly outputValues: Float32Array;
  readonly actions: Int32Array;
  readonly positions: Int32Array;
  readonly lengths: Int32Array;
  /** Per-trial fitness (SPEC §1.5; NaN when undefined). */
  readonly fitness: Float64Array;
  /** The test maze of trial i is maze i of the run's test set. */
  readonly mazeSeed: number;
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
 * (e.g. ‖∂o_t/∂s_{t+k}‖ of SPEC §4 by replaying `trials()` through `network.step` under tf.grad) —
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
  /** The run's test trials (recorded on first call, at the training σs, the trials behind the stored fitness). */
  trials?(): Promise<RecordedTrials>;
  readonly run?: MetricRunContext;
}

export type MetricValue = number | Record<string, number>;

/** A measure of a trained network (a plugin contract, bound to `TYPES.Metric`). */
export interface Metric {
  /** Registry key, e.g. `weight-norms`. */
  readonly name: string;
  readonly description: string;
  /** One number, or named numbers (e.g. one per pathway). */
  measure(input: MetricInput): MetricValue | Promise<MetricValue>;
}
