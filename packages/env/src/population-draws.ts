import { PrnnError, describeValue, type Rng } from '@prnn/core';
import { POPULATION_DRAWS_WASM_BASE64 } from './population-draws-wasm.generated.js';
import { embeddedArrays, type WasmMemory } from './vector-env-wasm.js';

/** The exports of assembly/population-draws.ts (addresses are byte offsets into `memory`). */
interface PopulationDrawsExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  configure(groups: number, outputs: number, tieWords: number, exploreWords: number, tie: number, q: number, active: number, actions: number): void;
  fillTie(amplitude: number): void;
  epsilonGreedy(epsilon: number): void;
}

/** The module, compiled at the first use. */
const embedded: { compiled?: object | null } = {};

/** Where word w of stream n sits in a bank: four streams to a group, word-major inside it. */
function wordIndex(n: number, w: number): number {
  return ((n >> 2) * 4 + w) * 4 + (n & 3);
}

/**
 * The per-step draws of a population of agents (one per network in training), each from its own two Rng
 * streams — tie-breaking noise and exploration — made for the whole population in one WebAssembly call each
 * (four streams side by side in SIMD lanes for the noise), with exactly the numbers the Rngs draw:
 * `fillTie` is `rng.fillFloat(tie, n·O, O, amplitude)` per active agent, `epsilonGreedy` is
 * `rng.float() < ε ? rng.int(O) : argmax q` per active agent. Its arrays are views of the module's memory.
 *
 * The streams live in the module between `load` (which takes the Rngs' states) and `save` (which gives them
 * back): an episode loads once, draws, and saves, so the Rngs are current whenever anything else reads them
 * (a checkpoint). Without WebAssembly the same calls draw from the Rngs themselves (`load` keeps them).
 */
export class PopulationDraws {
  /** Agents (networks). */
  readonly agents: number;
  /** Outputs (actions) per agent. */
  readonly outputs: number;
  /** Tie noise of agent n at n·outputs … (agents·outputs values); `fillTie` writes it. */
  readonly tie: Float32Array;
  /** The q-values `epsilonGreedy` reads, agent n at n·outputs … (agents·outputs values). */
  readonly q: Float32Array;
  /** 1 = the agent draws (the others draw nothing: zero noise, action kept); agents values. */
  readonly active: Uint8Array;
  /** The action `epsilonGreedy` chose for each active agent; agents values. */
  readonly actions: Int32Array;
  private readonly tieWords: Int32Array;
  private readonly exploreWords: Int32Array;
  private readonly wasm: PopulationDrawsExports | null;
  private readonly scratch = new Int32Array(4);
  /** The JavaScript path's streams (from `load`). */
  private tieRngs: readonly Rng[] = [];
  private exploreRngs: readonly Rng[] = [];
  /** The streams between `load` and `save`. */
  private held: readonly [readonly Rng[], readonly Rng[]] | null = null;

  constructor(agents: number, outputs: number, options: { readonly backend?: 'wasm' | 'js' } = {}) {
    if (!Number.isInteger(agents) || agents < 1 || agents > 1_000_000) {
      throw new PrnnError(`agents must be an integer in [1, 1000000] (got ${describeValue(agents)})`);
    }
    if (!Number.isInteger(outputs) || outputs < 1 || outputs > 4096) {
      throw new PrnnError(`outputs must be an integer in [1, 4096] (got ${describeValue(outputs)})`);
    }
    this.agents = agents;
    this.outputs = outputs;
    const groups = Math.ceil(agents / 4);
    const padded = 4 * groups;
    // tie words, exploration words, tie, q, active, actions (each 16-byte aligned)
    const { instance: wasm, buffer, at } = embeddedArrays<PopulationDrawsExports>(
      embedded,
      POPULATION_DRAWS_WASM_BASE64,
      [64 * groups, 64 * groups, 4 * padded * outputs, 4 * padded * outputs, padded, 4 * padded],
      16,
      (options.backend ?? 'wasm') === 'wasm',
    );
    this.tieWords = new Int32Array(buffer, at[0], 16 * groups);
    this.exploreWords = new Int32Array(buffer, at[1], 16 * groups);
    this.tie = new Float32Array(buffer, at[2], agents * outputs);
    this.q = new Float32Array(buffer, at[3], agents * outputs);
    this.active = new Uint8Array(buffer, at[4], agents);
    this.actions = new Int32Array(buffer, at[5], agents);
    wasm?.configure(groups, outputs, at[0], at[1], at[2], at[3], at[4], at[5]);
    this.wasm = wasm;
  }

  /** Where the draws run: 'wasm' or 'js' (the same numbers). */
  get backend(): 'wasm' | 'js' {
    return this.wasm === null ? 'js' : 'wasm';
  }

  /** Takes the streams' current states: agent n's tie noise from tieNoise[n], its exploration from exploration[n]. */
  load(tieNoise: readonly Rng[], exploration: readonly Rng[]): void {
    const n = this.agents;
    if (tieNoise.length !== n || exploration.length !== n) {
      throw new PrnnError(`load needs one tie-noise and one exploration Rng per agent (${n}; got ${tieNoise.length} and ${exploration.length})`);
    }
    this.held = [tieNoise, exploration];
    if (this.wasm === null) {
      this.tieRngs = tieNoise;
      this.exploreRngs = exploration;
      return;
    }
    const { scratch, tieWords, exploreWords } = this;
    for (let k = 0; k < n; k++) {
      tieNoise[k].saveWords(scratch, 0);
      for (let w = 0; w < 4; w++) tieWords[wordIndex(k, w)] = scratch[w];
      exploration[k].saveWords(scratch, 0);
      for (let w = 0; w < 4; w++) exploreWords[wordIndex(k, w)] = scratch[w];
    }
  }

  /** Gives the streams their states after the draws since `load` (the Rngs continue from there). */
  save(tieNoise: readonly Rng[], exploration: readonly Rng[]): void {
    const n = this.agents;
    if (tieNoise.length !== n || exploration.length !== n) {
      throw new PrnnError(`save needs one tie-noise and one exploration Rng per agent (${n}; got ${tieNoise.length} and ${exploration.length})`);
    }
    this.held = null;
    if (this.wasm === null) return;
    const { scratch, tieWords, exploreWords } = this;
    for (let k = 0; k < n; k++) {
      for (let w = 0; w < 4; w++) scratch[w] = tieWords[wordIndex(k, w)];
      tieNoise[k].loadWords(scratch, 0);
      for (let w = 0; w < 4; w++) scratch[w] = exploreWords[wordIndex(k, w)];
      exploration[k].loadWords(scratch, 0);
    }
  }

  /** Whether the draws hold these streams (the arrays given to `load`, not yet saved). */
  holds(tieNoise: readonly Rng[], exploration: readonly Rng[]): boolean {
    return this.held !== null && this.held[0] === tieNoise && this.held[1] === exploration;
  }

  /** tie[n·O …] ← O uniform draws in [0, amplitude) for every active agent; zeros (and no draws) for the others. */
  fillTie(amplitude: number): void {
    if (this.wasm !== null) {
      this.wasm.fillTie(amplitude);
      return;
    }
    const { tie, active, outputs: O } = this;
    for (let n = 0; n < this.agents; n++) {
      if (active[n] === 1) this.tieRngs[n].fillFloat(tie, n * O, O, amplitude);
      else tie.fill(0, n * O, (n + 1) * O);
    }
  }

  /**
   * actions[n] for every active agent: with probability ε a uniform action (rng.int(O)), else the first index
   * of the largest of q[n·O …]; the others draw nothing and keep their action.
   */
  epsilonGreedy(epsilon: number): void {
    if (this.wasm !== null) {
      this.wasm.epsilonGreedy(epsilon);
      return;
    }
    const { q, active, actions, outputs: O } = this;
    for (let n = 0; n < this.agents; n++) {
      if (active[n] === 0) continue;
      const rng = this.exploreRngs[n];
      if (rng.float() < epsilon) {
        actions[n] = rng.int(O);
        continue;
      }
      let a = n * O;
      for (let k = 1; k < O; k++) if (q[n * O + k] > q[a]) a = n * O + k;
      actions[n] = a - n * O;
    }
  }
}
