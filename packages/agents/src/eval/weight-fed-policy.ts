import * as ort from 'onnxruntime-node';
import { PrnnError } from '@prnn/core';
import type { WeightFedOnnxModel } from '../sdk/kernel.js';
import { POLICY_ACTIONS, POLICY_INPUTS, POLICY_OUTPUTS } from '../onnx/policy-contract.js';
import { checkCompactRows, gatherRows, type QEngine } from './q-engine.js';
import { raiseMallocThresholds } from './native-heap.js';

/**
 * A weight-fed ONNX model (WeightFedOnnxKernel) in one onnxruntime-node session, as a QEngine for one network
 * at a time: `use(weights)` switches networks without a new session. State, observation and Q buffers are
 * handled as in SessionPolicy (two state buffers swapping roles, outputs written in place).
 */
export class WeightFedPolicy implements QEngine {
  readonly engine = 'onnx';
  readonly obsSize: number;
  private readonly stateSize: number;
  private readonly feeds: Record<string, ort.Tensor> = {};
  private readonly fetches: Record<string, ort.Tensor> = {};
  private batch = 0;
  /** Rows the state buffers hold (the batch of the last reset); `batch` is fewer after `compact`. */
  private capacity = 0;
  private states: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
  private stateTensors: ort.Tensor[] = [];
  private fullStateTensors: ort.Tensor[] = [];
  private current = 0;
  private obsArray: Float32Array | null = null;
  private qArray: Float32Array | null = null;
  private weighted = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly model: WeightFedOnnxModel,
    private readonly label: string,
  ) {
    const shape = (name: string): number => {
      const v = session.inputMetadata.find((m) => m.name === name);
      const n = v?.isTensor ? v.shape[1] : undefined;
      if (typeof n !== 'number') throw new PrnnError(`weight-fed model ${label} must have input ${name} [batch, n]`);
      return n;
    };
    this.obsSize = shape(POLICY_INPUTS.obs);
    this.stateSize = shape(POLICY_INPUTS.state);
  }

  /**
   * Opens an onnxruntime session on a weight-fed model (same session options as OnnxPolicy); PrnnError naming `label`
   * when its inputs do not fit.
   */
  static async open(model: WeightFedOnnxModel, options: { readonly label?: string } = {}): Promise<WeightFedPolicy> {
    const label = options.label ?? model.key;
    raiseMallocThresholds();
    // the session options of OnnxPolicy, so both run the same kernels
    const session = await ort.InferenceSession.create(model.bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    return new WeightFedPolicy(session, model, label);
  }

  /** Runs the network with these weights from now on (the arrays are read at every step, not copied). */
  use(weights: Readonly<Record<string, Float32Array>>): void {
    for (const f of this.model.feeds(weights)) this.feeds[f.name] = new ort.Tensor('float32', f.data, f.dims);
    this.weighted = true;
  }

  reset(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    if (batch !== this.capacity) {
      this.capacity = batch;
      this.states = [new Float32Array(batch * this.stateSize), new Float32Array(batch * this.stateSize)];
      this.fullStateTensors = this.states.map((s) => new ort.Tensor('float32', s, [batch, this.stateSize]));
    } else {
      this.states[0].fill(0);
      this.states[1].fill(0);
    }
    if (batch !== this.batch || this.stateTensors !== this.fullStateTensors) {
      this.stateTensors = this.fullStateTensors;
      this.obsArray = null;
      this.qArray = null;
    }
    this.batch = batch;
    this.current = 0;
  }

  /** Keeps rows `rows[0 … count)` with their state (QEngine.compact; as SessionPolicy.compact). */
  compact(rows: Int32Array, count: number): void {
    if (checkCompactRows(rows, count, this.batch)) return;
    const S = this.stateSize;
    gatherRows(this.states[this.current], S, rows, count);
    this.stateTensors = this.states.map((s) => new ort.Tensor('float32', s.subarray(0, count * S), [count, S]));
    this.batch = count;
    this.obsArray = null;
    this.qArray = null;
  }

  async step(obs: Float32Array, q: Float32Array): Promise<void> {
    const batch = this.batch;
    if (batch === 0) throw new PrnnError('WeightFedPolicy.step called before reset(batch)');
    if (!this.weighted) throw new PrnnError('WeightFedPolicy.step called before use(weights)');
    if (obs !== this.obsArray) {
      if (obs.length !== batch * this.obsSize) {
        throw new PrnnError(`observations must hold batch × ${this.obsSize} = ${batch * this.obsSize} values (got ${obs.length})`);
      }
      this.obsArray = obs;
      this.feeds[POLICY_INPUTS.obs] = new ort.Tensor('float32', obs, [batch, this.obsSize]);
    }
    if (q !== this.qArray) {
      if (q.length !== batch * POLICY_ACTIONS) {
        throw new PrnnError(`q buffer must hold batch × ${POLICY_ACTIONS} = ${batch * POLICY_ACTIONS} values (got ${q.length})`);
      }
      this.qArray = q;
      this.fetches[POLICY_OUTPUTS.q] = new ort.Tensor('float32', q, [batch, POLICY_ACTIONS]);
    }
    this.feeds[POLICY_INPUTS.state] = this.stateTensors[this.current];
    this.fetches[POLICY_OUTPUTS.stateOut] = this.stateTensors[1 - this.current];
    try {
      await this.session.run(this.feeds, this.fetches);
    } catch (e) {
      const msg = String((e as Error).message ?? e).split('\n')[0];
      throw new PrnnError(`weight-fed model ${this.label} failed in onnxruntime on a batch of ${batch} rows (${msg})`);
    }
    this.current = 1 - this.current;
  }

  /** Releases the onnxruntime session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
