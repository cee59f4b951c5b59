import type { VectorEnv } from '@prnn/env';
import { POLICY_ACTIONS } from '../onnx/policy-contract.js';
import type { EvaluationObserver } from './policy-evaluator.js';

/** One trial as the evaluator played it: what the agent sensed, its state and Q-values, and where it went. */
export interface RecordedTrial {
  /** Cells visited: the start, then the cell after every executed step (length steps + 1). */
  readonly path: number[];
  /** Actions taken, one per executed step (0 Left, 1 Right, 2 Up, 3 Down, 4 Stay). */
  readonly actions: number[];
  /** Observations sensed before every executed step, [steps·4C]. */
  readonly observations: Float32Array;
  /** Q-values of every executed step, [steps·5]. */
  readonly q: Float32Array;
  /** Recurrent state after every executed step, [steps·S] (empty when no state was given). */
  readonly states: Float32Array;
  readonly obsSize: number;
  readonly stateSize: number;
  /** Trial fitness (docs/spec.md §1.5); NaN when undefined. */
  readonly fitness: number;
}

/** to[k·n …] ← from[r·n …] (no subarray views: recording allocates nothing per step). */
function copyRow(from: Float32Array, r: number, to: Float32Array, k: number, n: number): void {
  for (let j = 0; j < n; j++) to[k * n + j] = from[r * n + j];
}

/**
 * Records row `row` of a PolicyEvaluator run (env i = maze·L + level for L noise levels: PolicyEvaluator.envOf) as an EvaluationObserver. `state`, when
 * given, returns the engine's recurrent state after the current step ([batch·stateSize]). Buffers are sized for
 * `maxSteps` once, so recording allocates nothing per step.
 */
export class TrialRecorder implements EvaluationObserver {
  private readonly obs: Float32Array;
  private readonly qs: Float32Array;
  private readonly st: Float32Array;
  private readonly cells: Int32Array;
  private readonly acts: Int32Array;
  private length = 0;
  private fitness = Number.NaN;

  constructor(
    readonly row: number,
    readonly obsSize: number,
    readonly maxSteps: number,
    private readonly state?: { readonly size: number; read(): Float32Array },
  ) {
    this.obs = new Float32Array(maxSteps * obsSize);
    this.qs = new Float32Array(maxSteps * POLICY_ACTIONS);
    this.st = new Float32Array(maxSteps * (state?.size ?? 0));
    this.cells = new Int32Array(maxSteps + 1);
    this.acts = new Int32Array(maxSteps);
  }

  /**
   * Copies row `row`'s observation, Q-values, action and position of step t into the recording (t = 0 starts it anew).
   */
  step(t: number, env: VectorEnv, q: Float32Array, actions: Int32Array): void {
    const r = this.row;
    if (t === 0) {
      this.length = 0;
      this.fitness = Number.NaN;
    }
    if (env.done[r] === 1 || this.length >= this.maxSteps) return;
    const k = this.length;
    this.cells[k] = env.position[r];
    copyRow(env.observations, r, this.obs, k, this.obsSize);
    copyRow(q, r, this.qs, k, POLICY_ACTIONS);
    if (this.state) copyRow(this.state.read(), r, this.st, k, this.state.size);
    this.acts[k] = actions[r];
    this.length = k + 1;
  }

  /** A finished env stays frozen, so its position now is where the trial ended. */
  end(env: VectorEnv, trialFitness: Float64Array): void {
    this.cells[this.length] = env.position[this.row];
    this.fitness = trialFitness[this.row];
  }

  /** The trial just recorded (copies). */
  result(): RecordedTrial {
    const n = this.length;
    return {
      path: Array.from(this.cells.subarray(0, n + 1)),
      actions: Array.from(this.acts.subarray(0, n)),
      observations: this.obs.slice(0, n * this.obsSize),
      q: this.qs.slice(0, n * POLICY_ACTIONS),
      states: this.st.slice(0, n * (this.state?.size ?? 0)),
      obsSize: this.obsSize,
      stateSize: this.state?.size ?? 0,
      fitness: this.fitness,
    };
  }
}
