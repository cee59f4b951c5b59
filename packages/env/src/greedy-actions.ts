import { PrnnError, describeValue } from '@prnn/core';
import { ACTION_COUNT } from './actions.js';
import { GREEDY_ACTIONS_WASM_BASE64 } from './greedy-actions-wasm.generated.js';
import { embeddedArrays, type WasmMemory } from './vector-env-wasm.js';

/** The exports of assembly/greedy-actions.ts (addresses are byte offsets into `memory`). */
interface GreedyActionsExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  configure(q: number, actions: number, finished: number, rowEnv: number, ties: number): void;
  choose(rows: number, compacted: number): number;
}

/** The module, compiled at the first use. */
const embedded: { compiled?: object | null } = {};

/**
 * The greedy action of every row of a q table ([rows·5], one value per action), for a batch of envs: the
 * evaluator's per-step argmax, in one WebAssembly call where WebAssembly runs (JavaScript otherwise; the same
 * numbers). Its arrays are views of the module's memory, so a policy can write q straight into `q`.
 *
 * `choose` decides every row whose scan (index 0 upwards) never meets a value equal to the largest so far —
 * nearly all of them — and lists the others in `tieRows`, in row order, for the caller to break the tie with
 * its generator (argmaxWithTies): a row that is decided draws nothing, so the caller's draws are those of a
 * scan of every row in order.
 */
export class GreedyActions {
  /** Envs (and the most rows a q table has). */
  readonly numEnvs: number;
  /** Row k's q-values at 5k … 5k+4 (numEnvs·5 values). */
  readonly q: Float32Array;
  /** The chosen action of each env (envs that are finished or tied keep theirs); numEnvs values. */
  readonly actions: Int32Array;
  /** Per env, 1 = finished: no action is chosen for it; numEnvs values. */
  readonly finished: Uint8Array;
  /** The env of each row of a compacted table (see `choose`); numEnvs values. */
  readonly rowEnv: Int32Array;
  /** The rows `choose` left undecided, the first (its result) of numEnvs values. */
  readonly tieRows: Int32Array;
  private readonly wasm: GreedyActionsExports | null;

  constructor(numEnvs: number, options: { readonly backend?: 'wasm' | 'js' } = {}) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1 || numEnvs > 10_000_000) {
      throw new PrnnError(`numEnvs must be an integer in [1, 10000000] (got ${describeValue(numEnvs)})`);
    }
    this.numEnvs = numEnvs;
    const n = numEnvs;
    const { instance: wasm, buffer, at } = embeddedArrays<GreedyActionsExports>(
      embedded,
      GREEDY_ACTIONS_WASM_BASE64,
      [4 * ACTION_COUNT * n, 4 * n, n, 4 * n, 4 * n],
      8,
      (options.backend ?? 'wasm') === 'wasm',
    );
    this.q = new Float32Array(buffer, at[0], ACTION_COUNT * n);
    this.actions = new Int32Array(buffer, at[1], n);
    this.finished = new Uint8Array(buffer, at[2], n);
    this.rowEnv = new Int32Array(buffer, at[3], n);
    this.tieRows = new Int32Array(buffer, at[4], n);
    wasm?.configure(at[0], at[1], at[2], at[3], at[4]);
    this.wasm = wasm;
  }

  /** Where `choose` runs: 'wasm' or 'js' (the same numbers). */
  get backend(): 'wasm' | 'js' {
    return this.wasm === null ? 'js' : 'wasm';
  }

  /**
   * For every row k < `rows` whose env i (rowEnv[k] when `compacted`, else k) is not finished:
   * actions[i] = the index of the largest of q[5k … 5k+4], unless the scan meets a tie, when k is listed in
   * tieRows instead. Returns how many rows were listed.
   */
  choose(rows: number, compacted: boolean): number {
    if (!Number.isInteger(rows) || rows < 0 || rows > this.numEnvs) {
      throw new PrnnError(`rows must be an integer in [0, ${this.numEnvs}] (got ${describeValue(rows)})`);
    }
    if (this.wasm !== null) return this.wasm.choose(rows, compacted ? 1 : 0);
    const { q, actions, finished, rowEnv, tieRows } = this;
    let count = 0;
    for (let k = 0; k < rows; k++) {
      const i = compacted ? rowEnv[k] : k;
      if (finished[i] !== 0) continue;
      const b = k * ACTION_COUNT;
      let value = q[b];
      let index = 0;
      let tie = false;
      for (let a = 1; a < ACTION_COUNT; a++) {
        const v = q[b + a];
        if (v === value) tie = true;
        if (v > value) {
          value = v;
          index = a;
        }
      }
      if (tie) tieRows[count++] = k;
      else actions[i] = index;
    }
    return count;
  }
}
