import { PrnnError } from '@prnn/env';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { GRAPH_CRC32_KEY, graphChecksum, readOnnxModelHeader, type OnnxModelHeader } from '../onnx/onnx-metadata-reader.js';
import {
  META,
  POLICY_ACTIONS,
  POLICY_CONTRACT,
  POLICY_INPUTS,
  POLICY_OUTPUTS,
} from '../onnx/policy-contract.js';
import type { QEngine } from './q-engine.js';

/**
 * The two classes of an onnxruntime JS binding that a policy needs. onnxruntime-node (Node) and onnxruntime-web
 * (browser) both provide them with the same API, so one SessionPolicy serves both.
 */
export interface OrtRuntime {
  readonly Tensor: typeof Tensor;
  readonly InferenceSession: typeof InferenceSession;
}

export interface SessionPolicyOptions {
  /** Name used in error messages. */
  readonly label?: string;
  /** Passed to InferenceSession.create (the caller's threading and logging choices). */
  readonly sessionOptions?: InferenceSession.SessionOptions;
  /**
   * `preallocated` (default; onnxruntime-node): outputs are written straight into the policy's buffers.
   * `copied` (onnxruntime-web, whose wasm backend ignores preallocated CPU outputs): outputs are copied into them.
   */
  readonly outputs?: 'preallocated' | 'copied';
}

const EXPECTED =
  `inputs ${POLICY_INPUTS.obs} float32 [batch, 4·C], ${POLICY_INPUTS.state} float32 [batch, S] and outputs ` +
  `${POLICY_OUTPUTS.q} float32 [batch, ${POLICY_ACTIONS}], ${POLICY_OUTPUTS.stateOut} float32 [batch, S]`;

function describeValue(v: InferenceSession.ValueMetadata): string {
  if (!v.isTensor) return `${v.name} (not a tensor)`;
  return `${v.name} ${v.type} [${v.shape.map((d) => (typeof d === 'number' && d < 0 ? '?' : String(d))).join(', ')}]`;
}

function isDynamic(d: number | string): boolean {
  return typeof d === 'string' || d < 0;
}

/** Fixed size of dimension 1, or undefined when the value does not have shape [dynamic batch, fixed]. */
function rowSize(v: InferenceSession.ValueMetadata | undefined, problems: string[], what: string): number | undefined {
  if (!v) return undefined;
  if (!v.isTensor) {
    problems.push(`${what} ${v.name} must be a tensor`);
    return undefined;
  }
  if (v.type !== 'float32') problems.push(`${what} ${v.name} must be float32 (found ${v.type})`);
  // onnxruntime reports an absent shape as []; then nothing can be checked before running.
  if (v.shape.length === 0) return undefined;
  if (v.shape.length !== 2) {
    problems.push(`${what} ${v.name} must have rank 2 [batch, n] (found rank ${v.shape.length})`);
    return undefined;
  }
  if (!isDynamic(v.shape[0])) {
    problems.push(`${what} ${v.name} must have a dynamic batch dimension (found fixed ${v.shape[0]}; export with a dynamic axis 0)`);
  }
  const n = v.shape[1];
  if (isDynamic(n)) {
    problems.push(`${what} ${v.name} must have a fixed size in dimension 1 (found ${String(n)})`);
    return undefined;
  }
  return n as number;
}

/**
 * An ONNX policy following the prnn policy contract (docs/readme-onnx.md) in any onnxruntime binding.
 * As a QEngine it keeps the recurrent state of `batch` rows in two preallocated buffers that swap roles every
 * step; onnxruntime writes q and state_out straight into preallocated tensors, so a step allocates no arrays.
 */
export class SessionPolicy implements QEngine {
  readonly engine: string = 'onnx';
  readonly obsSize: number;
  readonly stateSize: number;
  readonly header: OnnxModelHeader;
  readonly label: string;
  private readonly ort: OrtRuntime;
  private readonly session: InferenceSession;
  private batch = 0;
  private states: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
  private stateTensors: Tensor[] = [];
  private current = 0;
  private obsArray: Float32Array | null = null;
  private obsTensor: Tensor | null = null;
  private qArray: Float32Array | null = null;
  private qTensor: Tensor | null = null;
  private readonly feeds: Record<string, Tensor> = {};
  private readonly fetches: Record<string, Tensor> = {};
  private readonly preallocated: boolean;

  protected constructor(
    ort: OrtRuntime,
    session: InferenceSession,
    header: OnnxModelHeader,
    obsSize: number,
    stateSize: number,
    label: string,
    outputs: 'preallocated' | 'copied' = 'preallocated',
  ) {
    this.preallocated = outputs === 'preallocated';
    this.ort = ort;
    this.session = session;
    this.header = header;
    this.obsSize = obsSize;
    this.stateSize = stateSize;
    this.label = label;
  }

  /** metadata_props of the model (contract version, sizes, and for prnn policies the architecture etc.). */
  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  /**
   * Opens and validates a policy from the model's bytes. Any deviation from the contract — not ONNX, missing
   * or extra inputs/outputs, wrong dtype or shape, inconsistent state sizes or metadata — is a PrnnError
   * stating what was expected and what was found.
   */
  static async create(ort: OrtRuntime, bytes: Uint8Array, options: SessionPolicyOptions = {}): Promise<SessionPolicy> {
    const opened = await SessionPolicy.open(ort, bytes, options);
    return new SessionPolicy(ort, opened.session, opened.header, opened.obsSize, opened.stateSize, opened.label, options.outputs);
  }

  protected static async open(ort: OrtRuntime, bytes: Uint8Array, options: SessionPolicyOptions) {
    const label = options.label ?? 'policy';
    let header: OnnxModelHeader;
    try {
      header = readOnnxModelHeader(bytes);
    } catch {
      throw new PrnnError(`policy ${label} is not an ONNX model (expected a serialised ONNX ModelProto)`);
    }
    const stored = header.metadata[GRAPH_CRC32_KEY];
    if (stored !== undefined && stored !== graphChecksum(header.graph)) {
      throw new PrnnError(
        `policy ${label} is corrupted: its graph's CRC-32 is ${graphChecksum(header.graph)}, the ${GRAPH_CRC32_KEY} recorded at export is ${stored}`,
      );
    }
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, options.sessionOptions ?? {});
    } catch (e) {
      const msg = String((e as Error).message ?? e).split('\n')[0];
      throw new PrnnError(`policy ${label} is not a valid ONNX model: onnxruntime cannot load it (${msg})`);
    }
    try {
      const { obsSize, stateSize } = SessionPolicy.validate(session, header, label);
      return { session, header, obsSize, stateSize, label };
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  private static validate(session: InferenceSession, header: OnnxModelHeader, label: string) {
    const problems: string[] = [];
    const inputs = new Map(session.inputMetadata.map((v) => [v.name, v]));
    const outputs = new Map(session.outputMetadata.map((v) => [v.name, v]));
    for (const name of Object.values(POLICY_INPUTS)) if (!inputs.has(name)) problems.push(`missing input ${name}`);
    for (const name of inputs.keys()) {
      if (!(Object.values(POLICY_INPUTS) as string[]).includes(name)) problems.push(`extra input ${name}`);
    }
    for (const name of Object.values(POLICY_OUTPUTS)) if (!outputs.has(name)) problems.push(`missing output ${name}`);
    for (const name of outputs.keys()) {
      // output heads (head_<name>, e.g. an actor-critic's value) are extra outputs the policy ignores
      if (!(Object.values(POLICY_OUTPUTS) as string[]).includes(name) && !name.startsWith('head_')) problems.push(`extra output ${name}`);
    }
    const obsSize = rowSize(inputs.get(POLICY_INPUTS.obs), problems, 'input');
    const stateSize = rowSize(inputs.get(POLICY_INPUTS.state), problems, 'input');
    const qSize = rowSize(outputs.get(POLICY_OUTPUTS.q), problems, 'output');
    const stateOutSize = rowSize(outputs.get(POLICY_OUTPUTS.stateOut), problems, 'output');
    if (qSize !== undefined && qSize !== POLICY_ACTIONS) {
      problems.push(`output ${POLICY_OUTPUTS.q} must have ${POLICY_ACTIONS} columns, one per action (found ${qSize})`);
    }
    if (stateSize !== undefined && stateOutSize !== undefined && stateSize !== stateOutSize) {
      problems.push(`state (${stateSize}) and state_out (${stateOutSize}) must have the same size S`);
    }
    if (stateSize !== undefined && stateSize < 1) problems.push(`state size S must be ≥ 1 (found ${stateSize})`);
    if (obsSize !== undefined && (obsSize < 4 || obsSize % 4 !== 0)) {
      problems.push(`obs size must be 4·C for C ≥ 1 channels (found ${obsSize})`);
    }
    const meta = header.metadata;
    const contract = meta[META.contract];
    if (contract !== undefined && contract !== POLICY_CONTRACT) {
      problems.push(`metadata ${META.contract} must be ${POLICY_CONTRACT} (found ${contract})`);
    }
    for (const [key, size] of [
      [META.obsSize, obsSize],
      [META.stateSize, stateSize],
    ] as const) {
      if (meta[key] !== undefined && size !== undefined && Number(meta[key]) !== size) {
        problems.push(`metadata ${key} = ${meta[key]} disagrees with the model's shape (${size})`);
      }
    }
    if (problems.length === 0 && (obsSize === undefined || stateSize === undefined)) {
      problems.push('inputs obs and state must declare their shapes [batch, n]');
    }
    if (problems.length > 0) {
      const found =
        `inputs ${session.inputMetadata.map(describeValue).join(', ') || 'none'} and outputs ` +
        `${session.outputMetadata.map(describeValue).join(', ') || 'none'}`;
      throw new PrnnError(
        `policy ${label} does not follow the ${POLICY_CONTRACT} contract: ${problems.join('; ')}. ` +
          `Expected ${EXPECTED}; found ${found}`,
      );
    }
    return { obsSize: obsSize as number, stateSize: stateSize as number };
  }

  reset(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    if (batch !== this.batch) {
      this.batch = batch;
      this.states = [new Float32Array(batch * this.stateSize), new Float32Array(batch * this.stateSize)];
      this.stateTensors = this.states.map((s) => new this.ort.Tensor('float32', s, [batch, this.stateSize]));
      this.obsArray = null;
      this.qArray = null;
    } else {
      this.states[0].fill(0);
      this.states[1].fill(0);
    }
    this.current = 0;
  }

  async step(obs: Float32Array, q: Float32Array): Promise<void> {
    const batch = this.batch;
    if (batch === 0) throw new PrnnError('OnnxPolicy.step called before reset(batch)');
    if (obs !== this.obsArray) {
      if (obs.length !== batch * this.obsSize) {
        throw new PrnnError(`observations must hold batch × ${this.obsSize} = ${batch * this.obsSize} values (got ${obs.length})`);
      }
      this.obsArray = obs;
      this.obsTensor = new this.ort.Tensor('float32', obs, [batch, this.obsSize]);
    }
    if (q !== this.qArray) {
      if (q.length !== batch * POLICY_ACTIONS) {
        throw new PrnnError(`q buffer must hold batch × ${POLICY_ACTIONS} = ${batch * POLICY_ACTIONS} values (got ${q.length})`);
      }
      this.qArray = q;
      this.qTensor = new this.ort.Tensor('float32', q, [batch, POLICY_ACTIONS]);
    }
    const feeds = this.feeds;
    const fetches = this.fetches;
    feeds[POLICY_INPUTS.obs] = this.obsTensor as Tensor;
    feeds[POLICY_INPUTS.state] = this.stateTensors[this.current];
    fetches[POLICY_OUTPUTS.q] = this.qTensor as Tensor;
    fetches[POLICY_OUTPUTS.stateOut] = this.stateTensors[1 - this.current];
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = this.preallocated ? await this.session.run(feeds, fetches) : await this.session.run(feeds);
    } catch (e) {
      const msg = String((e as Error).message ?? e).split('\n')[0];
      throw new PrnnError(`policy ${this.label} failed in onnxruntime on a batch of ${batch} rows (${msg})`);
    }
    if (this.preallocated) {
      this.current = 1 - this.current;
      return;
    }
    const next = this.states[1 - this.current];
    const qOut = results[POLICY_OUTPUTS.q]?.data;
    const stateOut = results[POLICY_OUTPUTS.stateOut]?.data;
    if (qOut !== q) q.set(qOut as Float32Array);
    if (stateOut !== next) next.set(stateOut as Float32Array);
    this.current = 1 - this.current;
  }

  /** The current recurrent state ([batch·S]; valid until the next step). */
  get state(): Float32Array {
    return this.states[this.current];
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
