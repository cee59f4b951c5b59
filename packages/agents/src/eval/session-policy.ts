import { PrnnError, Rng } from '@prnn/core';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { GRAPH_CRC32_KEY, graphChecksum, readOnnxModelHeader, type OnnxModelHeader } from '../onnx/onnx-metadata-reader.js';
import {
  META,
  POLICY_ACTIONS,
  POLICY_CONTRACT,
  POLICY_INPUTS,
  POLICY_OUTPUTS,
} from '../onnx/policy-contract.js';
import { graphStructureSignature, matchSplitStatePieces, splitStatePolicy, type SplitStatePiece } from '../onnx/split-state-policy.js';
import { checkCompactRows, gatherRows, type QEngine } from './q-engine.js';

/**
 * The two classes of an onnxruntime JS binding that a policy needs. onnxruntime-node (Node) and onnxruntime-web
 * (browser) both provide them with the same API, so one SessionPolicy serves both.
 */
export interface OrtRuntime {
  readonly Tensor: typeof Tensor;
  readonly InferenceSession: typeof InferenceSession;
}

/**
 * Options of opening an ONNX policy session: label, onnxruntime session options, and whether outputs are preallocated
 * or copied.
 */
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
  /**
   * Run the model's split-state rewrite (splitStatePolicy: no Slice of state, no Concat of state_out; the
   * pieces carried in buffers of their own) when the graph has that form and the rewrite gives the same bits
   * on a check at opening; otherwise the model as stored. Default false. With it, `state` is a copy assembled
   * from the pieces (reading it costs a copy; writing into it has no effect). Only with preallocated outputs.
   */
  readonly splitState?: boolean;
}

/** What opening a split-state engine found for one graph structure and session options (null: no rewrite). */
type SplitStateCheck = { readonly obsSize: number; readonly stateSize: number; readonly pieces: readonly { readonly piece: SplitStatePiece; readonly width: number }[] } | null;

/**
 * Checked graph structures (graphStructureSignature + session options): networks of one architecture open
 * their split-state rewrite straight away after the first was validated and compared bit for bit.
 */
const SPLIT_STATE_CHECKS = new Map<string, SplitStateCheck>();
const SPLIT_STATE_CHECKS_LIMIT = 256;

/** Whether the metadata's contract and sizes (when present) agree with a policy of these sizes. */
function metadataAgrees(meta: Readonly<Record<string, string>>, obsSize: number, stateSize: number): boolean {
  const contract = meta[META.contract];
  if (contract !== undefined && contract !== POLICY_CONTRACT) return false;
  if (meta[META.obsSize] !== undefined && Number(meta[META.obsSize]) !== obsSize) return false;
  return meta[META.stateSize] === undefined || Number(meta[META.stateSize]) === stateSize;
}

/**
 * One piece of a split-state engine's state, double-buffered as the state is: `buffers` hold the full batch,
 * `views` their first `batch` rows (the whole buffers unless compacted), `tensors` the tensors on the views.
 */
interface StatePiece {
  readonly piece: SplitStatePiece;
  readonly width: number;
  readonly offset: number;
  buffers: [Float32Array, Float32Array];
  views: [Float32Array, Float32Array];
  tensors: Tensor[];
  fullTensors: Tensor[];
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
 * An ONNX policy following the prnn policy contract (docs/reference/policy-contract.md) in any onnxruntime binding.
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
  /** Rows the buffers hold (the batch of the last reset); `batch` is fewer after `compact`. */
  private capacity = 0;
  private states: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
  private stateTensors: Tensor[] = [];
  private fullStateTensors: Tensor[] = [];
  private current = 0;
  private obsArray: Float32Array | null = null;
  private obsTensor: Tensor | null = null;
  private qArray: Float32Array | null = null;
  private qTensor: Tensor | null = null;
  private readonly feeds: Record<string, Tensor> = {};
  private readonly fetches: Record<string, Tensor> = {};
  private readonly preallocated: boolean;
  /** The split-state engine's pieces (null: the state is one [batch, S] tensor) and the one that is q, if any. */
  private readonly pieces: StatePiece[] | null = null;
  private readonly qPiece: StatePiece | null = null;

  /** Whether this engine runs the split-state rewrite of its model (see SessionPolicyOptions.splitState). */
  get splitState(): boolean {
    return this.pieces !== null;
  }

  protected constructor(
    ort: OrtRuntime,
    session: InferenceSession,
    header: OnnxModelHeader,
    obsSize: number,
    stateSize: number,
    label: string,
    outputs: 'preallocated' | 'copied' = 'preallocated',
    pieces?: readonly { readonly piece: SplitStatePiece; readonly width: number }[],
  ) {
    this.preallocated = outputs === 'preallocated';
    if (pieces && this.preallocated) {
      let offset = 0;
      this.pieces = pieces.map(({ piece, width }) => {
        const empty: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
        const p: StatePiece = { piece, width, offset, buffers: empty, views: empty, tensors: [], fullTensors: [] };
        offset += width;
        return p;
      });
      this.qPiece = this.pieces.find((p) => p.piece.output === POLICY_OUTPUTS.q) ?? null;
    }
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
    return new SessionPolicy(ort, opened.session, opened.header, opened.obsSize, opened.stateSize, opened.label, options.outputs, opened.pieces);
  }

  /**
   * Opens an onnxruntime session on `bytes` and checks the model against the policy contract; PrnnError naming `label`
   * when it does not follow it.
   */
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
    const split = options.splitState === true && options.outputs !== 'copied';
    const signature = split ? graphStructureSignature(header.graph) : null;
    const key = signature === null ? null : `${signature}|${JSON.stringify(options.sessionOptions ?? {})}`;
    const known = key === null ? undefined : SPLIT_STATE_CHECKS.get(key);
    if (known && metadataAgrees(header.metadata, known.obsSize, known.stateSize)) {
      // a structure validated and checked before: only the rewrite is opened
      const model = splitStatePolicy(bytes, known.obsSize, known.stateSize);
      if (model) {
        try {
          const fast = await ort.InferenceSession.create(model.bytes, options.sessionOptions ?? {});
          return { session: fast, header, obsSize: known.obsSize, stateSize: known.stateSize, label, pieces: known.pieces };
        } catch {
          // open it the long way below
        }
      }
    }
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, options.sessionOptions ?? {});
    } catch (e) {
      const msg = String((e as Error).message ?? e).split('\n')[0];
      throw new PrnnError(`policy ${label} is not a valid ONNX model: onnxruntime cannot load it (${msg})`);
    }
    let sizes: { obsSize: number; stateSize: number };
    try {
      sizes = SessionPolicy.validate(session, header, label);
    } catch (e) {
      await session.release();
      throw e;
    }
    const { obsSize, stateSize } = sizes;
    if (split && known !== null) {
      const opened = await SessionPolicy.openSplitState(ort, bytes, session, obsSize, stateSize, options);
      if (key !== null) {
        if (SPLIT_STATE_CHECKS.size >= SPLIT_STATE_CHECKS_LIMIT) SPLIT_STATE_CHECKS.clear();
        SPLIT_STATE_CHECKS.set(key, opened ? { obsSize, stateSize, pieces: opened.pieces } : null);
      }
      if (opened) {
        await session.release();
        return { session: opened.session, header, obsSize, stateSize, label, pieces: opened.pieces };
      }
    }
    return { session, header, obsSize, stateSize, label, pieces: undefined };
  }

  /**
   * The session of the split-state rewrite and its pieces' widths, or null when the model has no such
   * rewrite, or it does not open, or its outputs differ in any bit from `original`'s on a few random rows.
   */
  private static async openSplitState(
    ort: OrtRuntime,
    bytes: Uint8Array,
    original: InferenceSession,
    obsSize: number,
    stateSize: number,
    options: SessionPolicyOptions,
  ) {
    const model = splitStatePolicy(bytes, obsSize, stateSize);
    if (!model) return null;
    let fast: InferenceSession;
    try {
      fast = await ort.InferenceSession.create(model.bytes, options.sessionOptions ?? {});
    } catch {
      return null;
    }
    try {
      const rows = 4;
      const rng = new Rng(0x5eed);
      const obs = Float32Array.from({ length: rows * obsSize }, () => rng.float());
      const state = Float32Array.from({ length: rows * stateSize }, () => 2 * rng.float() - 1);
      const reference = await original.run({
        [POLICY_INPUTS.obs]: new ort.Tensor('float32', obs, [rows, obsSize]),
        [POLICY_INPUTS.state]: new ort.Tensor('float32', state, [rows, stateSize]),
      });
      const feeds: Record<string, Tensor> = { [POLICY_INPUTS.obs]: new ort.Tensor('float32', obs, [rows, obsSize]) };
      for (const s of model.slices) {
        const w = s.end - s.start;
        const piece = new Float32Array(rows * w);
        for (let r = 0; r < rows; r++) piece.set(state.subarray(r * stateSize + s.start, r * stateSize + s.end), r * w);
        feeds[s.name] = new ort.Tensor('float32', piece, [rows, w]);
      }
      const out = await fast.run(feeds);
      const widths = model.pieceOutputs.map((p) => (out[p]?.dims.length === 2 && out[p].dims[0] === rows ? out[p].dims[1] : -1));
      const pieces = matchSplitStatePieces(model, widths, stateSize);
      if (!pieces) throw new Error('pieces do not tile the state');
      const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, k: number) => Object.is(v, b[k]));
      if (!same(out[POLICY_OUTPUTS.q].data as Float32Array, reference[POLICY_OUTPUTS.q].data as Float32Array)) throw new Error('q differs');
      const next = reference[POLICY_OUTPUTS.stateOut].data as Float32Array;
      let offset = 0;
      for (let k = 0; k < pieces.length; k++) {
        const w = widths[k];
        const got = out[pieces[k].output].data as Float32Array;
        for (let r = 0; r < rows; r++) {
          if (!same(got.subarray(r * w, (r + 1) * w), next.subarray(r * stateSize + offset, r * stateSize + offset + w))) throw new Error('state differs');
        }
        offset += w;
      }
      return { session: fast, pieces: pieces.map((piece, k) => ({ piece, width: widths[k] })) };
    } catch {
      await fast.release();
      return null;
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
    if (batch !== this.capacity) {
      this.capacity = batch;
      if (this.pieces) {
        for (const p of this.pieces) {
          p.buffers = [new Float32Array(batch * p.width), new Float32Array(batch * p.width)];
          p.fullTensors = p.buffers.map((b) => new this.ort.Tensor('float32', b, [batch, p.width]));
        }
      } else {
        this.states = [new Float32Array(batch * this.stateSize), new Float32Array(batch * this.stateSize)];
        this.fullStateTensors = this.states.map((s) => new this.ort.Tensor('float32', s, [batch, this.stateSize]));
      }
    } else if (this.pieces) {
      for (const p of this.pieces) {
        p.buffers[0].fill(0);
        p.buffers[1].fill(0);
      }
    } else {
      this.states[0].fill(0);
      this.states[1].fill(0);
    }
    if (batch !== this.batch || this.stateTensors !== this.fullStateTensors) {
      // the full batch's tensors (after a new size or a compaction)
      if (this.pieces) {
        for (const p of this.pieces) {
          p.views = p.buffers;
          p.tensors = p.fullTensors;
        }
      }
      this.stateTensors = this.fullStateTensors;
      this.obsArray = null;
      this.qArray = null;
    }
    this.batch = batch;
    this.current = 0;
  }

  /**
   * Keeps rows `rows[0 … count)` (strictly increasing) with their state, as row 0 … count−1 of a batch of
   * `count` (QEngine.compact); the next steps take `count` rows. onnxruntime computes each row on its own, so
   * a row's q and state are the same bits in the smaller batch. Makes a few tensor views (not per step).
   */
  compact(rows: Int32Array, count: number): void {
    if (checkCompactRows(rows, count, this.batch)) return;
    const cur = this.current;
    if (this.pieces) {
      for (const p of this.pieces) {
        gatherRows(p.buffers[cur], p.width, rows, count);
        p.views = [p.buffers[0].subarray(0, count * p.width), p.buffers[1].subarray(0, count * p.width)];
        p.tensors = p.views.map((v) => new this.ort.Tensor('float32', v, [count, p.width]));
      }
      // (the full-batch state tensors are left for reset)
      this.stateTensors = [];
    } else {
      const S = this.stateSize;
      gatherRows(this.states[cur], S, rows, count);
      this.stateTensors = this.states.map((s) => new this.ort.Tensor('float32', s.subarray(0, count * S), [count, S]));
    }
    this.batch = count;
    this.obsArray = null;
    this.qArray = null;
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
    if (this.pieces) return this.stepSplit(batch, q);
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

  /** A step of the split-state engine: obs and the pieces that are read back in, q and every piece out. */
  private async stepSplit(batch: number, q: Float32Array): Promise<void> {
    const feeds = this.feeds;
    const fetches = this.fetches;
    const cur = this.current;
    feeds[POLICY_INPUTS.obs] = this.obsTensor as Tensor;
    for (const p of this.pieces as StatePiece[]) {
      if (p.piece.input) feeds[p.piece.input.name] = p.tensors[cur];
      fetches[p.piece.output] = p.tensors[1 - cur];
    }
    if (!this.qPiece) fetches[POLICY_OUTPUTS.q] = this.qTensor as Tensor;
    try {
      await this.session.run(feeds, fetches);
    } catch (e) {
      const msg = String((e as Error).message ?? e).split('\n')[0];
      throw new PrnnError(`policy ${this.label} failed in onnxruntime on a batch of ${batch} rows (${msg})`);
    }
    if (this.qPiece) q.set(this.qPiece.views[1 - cur]);
    this.current = 1 - cur;
  }

  /**
   * The current recurrent state ([batch·S]; valid until the next step). A split-state engine assembles a
   * copy from its pieces (see SessionPolicyOptions.splitState).
   */
  get state(): Float32Array {
    if (!this.pieces) return this.batch === this.capacity ? this.states[this.current] : this.states[this.current].subarray(0, this.batch * this.stateSize);
    const S = this.stateSize;
    const out = new Float32Array(this.batch * S);
    for (const p of this.pieces) {
      const b = p.buffers[this.current];
      for (let r = 0; r < this.batch; r++) out.set(b.subarray(r * p.width, (r + 1) * p.width), r * S + p.offset);
    }
    return out;
  }

  /** Releases the onnxruntime session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
