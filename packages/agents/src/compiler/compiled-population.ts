import type * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/core';
import type { ArchInfo, PopulationMember, PopulationMemoryOptions } from '../sdk/architecture.js';
import { checkedShapes, stepSizes, type ArchitectureDefinition, type ParameterShapes, type StepSizes } from '../sdk/define-architecture.js';
import { checkForwardBuffers, type EpisodeInputs, type EpisodeVjp, type PopulationModel, type PopulationParameters } from '../sdk/population-model.js';
import { StepPopulation } from '../sdk/step-population.js';
import { adamStoreBytes, createAdamStore } from './adam-wasm.js';
import { compileStep, compiledReserved, type StepEngine } from './compile.js';
import { lowerStep, type LoweringLayout } from './lower.js';
import type { StepProgram } from './program.js';
import { LANES, SLOT, type StepKernel } from './step-kernel.js';

/** Largest tape of forward values kept for the backward per group; past it the backward recomputes each step. */
const TAPE_BYTES = 128 * 1024 * 1024;

/**
 * Environment variable that turns the per-chunk gating off when `off` (every chunk of a shared group then runs
 * the wider member's whole program, as before the gates; for measurements). The constructor's `gate` option wins.
 */
export const COMPILE_GATE_ENV = 'PRNN_COMPILE_GATE';

/** Programs already lowered, per family definition and layout (populations are made per chunk and per run). */
const lowered = new WeakMap<ArchitectureDefinition, Map<string, StepProgram>>();

function loweredStep(def: ArchitectureDefinition, layout: LoweringLayout): StepProgram {
  let byLayout = lowered.get(def);
  if (!byLayout) {
    byLayout = new Map();
    lowered.set(def, byLayout);
  }
  const key = JSON.stringify([layout.arch, layout.shapes, layout.sizes, layout.stateSize]);
  let program = byLayout.get(key);
  if (!program) {
    program = lowerStep(def, layout);
    byLayout.set(key, program);
  }
  return program;
}

/** The implementation name of compiled populations (the `--path` that selects them). */
export const COMPILED_PATH = 'compiled';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A group's layout: its networks, the member whose program they run, and per network its fixed-zero scalars (or null). */
interface GroupLayout {
  readonly list: number[];
  readonly arch: ArchInfo;
  readonly shapes: ParameterShapes;
  readonly S: number;
  readonly fixedZero: (Uint8Array | null)[];
}

/**
 * Groups the networks: networks of one layout (member name, hidden size, parameter shapes, state size) run one
 * program; networks whose members embed (`def.embed`) into one wider member run that member's program together,
 * each with the scalars it lacks fixed at zero — when that joins networks of different layouts (else they keep
 * their own, smaller program). Adding exact zeros to a float32 sum leaves it unchanged, so the outputs and
 * gradients are the bits of the per-layout programs (up to the sign of a zero).
 */
function groupLayouts(def: ArchitectureDefinition, members: readonly PopulationMember[], memberShapes: readonly ParameterShapes[], sizes: StepSizes, masks = true): GroupLayout[] {
  const keyOf = (arch: ArchInfo, shapes: ParameterShapes, S: number): string => JSON.stringify([arch.name, arch.hidden, shapes, S]);
  const own = members.map((m, n) => {
    const S = def.stateSize(m.arch, sizes);
    return { arch: m.arch, shapes: memberShapes[n], S, key: keyOf(m.arch, memberShapes[n], S) };
  });
  const wider = members.map((m, n) => {
    const e = def.embed?.(m.arch, sizes);
    if (!e) return { ...own[n], zero: undefined };
    const where = `${def.family}:${m.arch.name} embeds into ${e.into?.name}`;
    if (e.into?.family !== def.family) throw new PrnnError(`${where}: the wider member must be of family ${def.family}`);
    const shapes = checkedShapes(def, e.into, sizes);
    const S = def.stateSize(e.into, sizes);
    if (S !== own[n].S) throw new PrnnError(`${where}: state sizes differ (${own[n].S} and ${S})`);
    for (const [name, shape] of Object.entries(own[n].shapes)) {
      if (JSON.stringify(shapes[name]) !== JSON.stringify(shape)) throw new PrnnError(`${where}: parameter ${name} must have the same shape in both (${JSON.stringify(shape)} and ${JSON.stringify(shapes[name] ?? null)})`);
    }
    for (const [name, mask] of Object.entries(e.zero ?? {})) {
      if (!shapes[name] || !(mask instanceof Uint8Array) || mask.length !== size(shapes[name])) {
        throw new PrnnError(`${where}: zero.${name} must be a Uint8Array of the size of ${e.into.name}'s parameter ${name}`);
      }
    }
    return { arch: e.into, shapes, S, key: keyOf(e.into, shapes, S), zero: e.zero };
  });
  const byKey = new Map<string, number[]>();
  wider.forEach((w, n) => {
    const list = byKey.get(w.key);
    if (list) list.push(n);
    else byKey.set(w.key, [n]);
  });
  const layouts: GroupLayout[] = [];
  for (const unsorted of byKey.values()) {
    if (unsorted.every((n) => own[n].key === own[unsorted[0]].key)) {
      const list = unsorted;
      // one layout: its own program (a smaller one, when the networks embed into a wider member)
      const { arch, shapes, S } = own[list[0]];
      layouts.push({ list, arch, shapes, S, fixedZero: list.map(() => null) });
      continue;
    }
    // networks of one own layout side by side (in the order each layout first appears), so that chunks hold
    // one architecture and skip the products with the tensors it lacks (`chunkMasks`)
    const rank = new Map<string, number>();
    for (const n of unsorted) if (!rank.has(own[n].key)) rank.set(own[n].key, rank.size);
    const list = [...unsorted].sort((a, b) => rank.get(own[a].key)! - rank.get(own[b].key)! || a - b);
    const { arch, shapes, S } = wider[list[0]];
    const fixedZero = list.map((n) => {
      if (!masks) return null;
      const zero = new Uint8Array(Object.values(shapes).reduce((a, s) => a + size(s), 0));
      let at = 0;
      for (const [name, shape] of Object.entries(shapes)) {
        const count = size(shape);
        if (!own[n].shapes[name]) zero.fill(1, at, at + count);
        else if (wider[n].zero?.[name]) zero.set(wider[n].zero![name], at);
        at += count;
      }
      return zero.includes(1) ? zero : null;
    });
    layouts.push({ list, arch, shapes, S, fixedZero });
  }
  return layouts;
}

/** The scalars [from, to) of parameter tensor `t` of a program (its `tensors` starts; the last ends at NP). */
function tensorRange(program: StepProgram, t: number): readonly [number, number] {
  const starts = program.tensors!;
  return [starts[t], t + 1 < starts.length ? starts[t + 1] : program.inputs.params];
}

/**
 * The gate mask of every chunk of a group: bit t when parameter tensor t (t < 32, the program's `tensors`) is
 * fixed at zero entirely in every network of the chunk (spare lanes of a last partial chunk hold zeros and
 * do not count); null when no network has a fixed-zero scalar or the program does not know its tensors.
 */
function chunkGateMasks(program: StepProgram, fixedZero: readonly (Uint8Array | null)[]): Int32Array | null {
  const tensors = program.tensors;
  if (!tensors || !fixedZero.some((z) => z)) return null;
  const masks = new Int32Array(Math.ceil(fixedZero.length / LANES));
  for (let c = 0; c < masks.length; c++) {
    for (let t = 0; t < Math.min(32, tensors.length); t++) {
      const [from, to] = tensorRange(program, t);
      if (to === from) continue;
      let zero = true;
      for (let j = c * LANES; j < Math.min(fixedZero.length, (c + 1) * LANES) && zero; j++) {
        const z = fixedZero[j];
        if (!z) zero = false;
        else for (let i = from; i < to && zero; i++) zero = z[i] === 1;
      }
      if (zero) masks[c] |= 1 << t;
    }
  }
  return masks;
}

/** Networks of one layout: one program, one kernel, chunks of 4 networks in the 4 lanes. */
interface Group {
  readonly members: readonly number[];
  /** The batch the inference row table (area.rowTable) was built for (0: none). */
  rowTableBatch: number;
  readonly program: StepProgram;
  readonly kernel: StepKernel;
  readonly chunks: number;
  readonly NP: number;
  readonly S: number;
  /** Parameter scalar i of the layout lives in values[srcArray[i]] at n·padSize + srcOffset[i]. */
  readonly srcArray: Int32Array;
  readonly srcOffset: Int32Array;
  /** Runs of parameter scalars [from, to) stored in one array k (the layout's parameters in order). */
  readonly runs: readonly { k: number; from: number; to: number; contiguous: boolean }[];
  readonly params: number;
  readonly grad: number;
  /**
   * Networks embedded into a wider member (see `embed`): float indices, relative to a lane area (parameters or
   * gradients), of the scalars fixed at zero, set to exactly 0 after the parameters enter the lanes and before
   * the gradients leave them.
   */
  readonly fixed: Int32Array;
  /**
   * Per chunk, the bits of the parameter tensors fixed at zero in all its networks (the kernel skips their
   * products: `StepKernel.chunkMasks`); null when no network of the group has a fixed-zero tensor, or gating is off.
   */
  readonly gateMasks: Int32Array | null;
  /**
   * For the group holding the most networks, when that is at least half the population (e.g. the whole
   * population of one layout, or the 128 architectures in fc's lanes): rows of networks move to and from lanes
   * in the kernel (lanesIn/lanesOut/paramsIn/paramsOut) from network-major copies of whole arrays, instead of
   * element by element in JavaScript. It comes first among the groups: it writes whole arrays (the rows of
   * other networks zero or stale), then the other groups write their networks' rows. Then `members` (int32 member indices), `paramTable` (per parameter
   * scalar: its address in the staged arrays, the bytes between networks) and `paramStage` (the parameter
   * arrays, back to back at `stageOffsets`) are fixed areas after the gradients.
   */
  readonly bulk: boolean;
  readonly memberTable: number;
  readonly paramTable: number;
  readonly paramStage: number;
  readonly stageOffsets: readonly number[];
  /** Where the per-batch and per-episode areas start. */
  readonly fixedEnd: number;
  /** Offsets of the per-batch and per-episode areas (laid out by `layout`). */
  area: Areas;
  /** Float32 views of staging areas, remade when the memory grows or the layout changes. */
  views: { buffer: ArrayBufferLike | null; q: Float32Array | null; seq: Float32Array | null; seqLength: number; rows: Int32Array | null };
}

interface Areas {
  batch: number;
  steps: number;
  inferState: [number, number];
  inferObs: number;
  inferNoise: number;
  inferOut: number;
  inferReg: number;
  /** Each step's outputs of the episode. */
  outs: number;
  /** One register area per (chunk, step) when `taped`, else one area the backward recomputes into. */
  tape: number;
  taped: boolean;
  states: number;
  obs: number;
  noise: number;
  out: number;
  outAdj: number;
  stateAdj: [number, number];
  /** Bulk groups: network-major obs, noise and q of one batch step; the recorded episode's obs and noise ([T][P][·]); a [T][P][O] sequence (vjp outputs, then cotangents); dL/d(out) per (chunk, step). */
  inObs: number;
  inNoise: number;
  outQ: number;
  recObs: number;
  recNoise: number;
  seq: number;
  outAdjs: number;
  /** Bulk groups: a network-major [T][P][S] sequence (vjp states, then state cotangents) and those cotangents in lanes per (chunk, step). */
  stateSeq: number;
  /** Bulk groups: the inference row table (int32 per (chunk, environment, lane): network-major row n·batch + b). */
  rowTable: number;
  stateAdjs: number;
}

/** Offsets of a group's fixed areas (after the kernel's reserved bytes) and where its per-batch areas start. */
function fixedAreas(reserved: number, networks: number, NP: number, valueLengths: readonly number[], bulk: boolean) {
  const chunks = Math.ceil(networks / LANES);
  const params = reserved;
  const grad = params + chunks * NP * SLOT;
  // an int32 per chunk: its gate mask (see `chunkMasks`)
  const masks = grad + chunks * NP * SLOT;
  const memberTable = masks + Math.ceil(chunks / 4) * 16;
  const paramTable = memberTable + Math.ceil(networks / 4) * 16;
  // 2·NP int32 (address, bytes between networks), then NP flag bytes (see StepKernel.paramsIn)
  const paramStage = paramTable + Math.ceil(NP / 2) * 16 + Math.ceil(NP / 16) * 16;
  const stageOffsets: number[] = [];
  let stageEnd = paramStage;
  for (const length of valueLengths) {
    stageOffsets.push(stageEnd - paramStage);
    stageEnd += Math.ceil(length / 4) * 16;
  }
  // a cell the kernel reads (and writes) for scalars no array holds: they are fixed at zero after every copy
  const spareCell = stageEnd;
  stageEnd += 16;
  return { params, grad, masks, memberTable, paramTable, paramStage, stageOffsets, spareCell, fixedEnd: bulk ? stageEnd : memberTable };
}

/** What a group's per-batch and per-episode areas depend on. */
interface AreaShape {
  readonly fixedEnd: number;
  readonly chunks: number;
  readonly batch: number;
  readonly steps: number;
  readonly S: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly registerBytes: number;
  readonly tapeBytes: number;
  readonly bulk: boolean;
  readonly population: number;
  readonly stateSize: number;
}

/** A group's per-batch and per-episode areas for `batch` environments and episodes of `steps` steps, and the bytes they end at. */
function layoutAreas(o: AreaShape): { area: Areas; end: number } {
  const { chunks: C, batch: B, steps: T, S, inputs: I, outputs: O } = o;
  let at = o.fixedEnd;
  const take = (slots: number): number => {
    const r = at;
    at += slots * SLOT;
    return r;
  };
  // the inference state comes first: its place depends on the batch only, so growing the episode keeps it
  const inferState: [number, number] = [take(C * B * S), take(C * B * S)];
  const regSlots = o.registerBytes / SLOT;
  const taped = C * T * o.registerBytes <= o.tapeBytes;
  const area: Areas = {
    batch: B,
    steps: T,
    inferState,
    inferObs: take(C * B * I),
    inferNoise: take(C * B * O),
    inferOut: take(C * B * O),
    inferReg: take(regSlots),
    tape: take(taped ? C * T * regSlots : regSlots),
    taped,
    states: take(C * (T + 1) * S),
    obs: take(C * T * I),
    noise: take(C * T * O),
    outs: take(C * T * O),
    out: take(O),
    outAdj: take(O),
    stateAdj: [take(S), take(S)],
    inObs: 0, inNoise: 0, outQ: 0, recObs: 0, recNoise: 0, seq: 0, outAdjs: 0, stateSeq: 0, stateAdjs: 0, rowTable: 0,
  };
  if (o.bulk) {
    const P = o.population;
    // network-major areas in floats, rounded up to whole slots
    const floats = (n: number): number => take(Math.ceil(n / LANES));
    area.inObs = floats(P * B * I);
    area.inNoise = floats(P * B * O);
    area.outQ = floats(P * B * O);
    area.recObs = floats(T * P * I);
    area.recNoise = floats(T * P * O);
    area.seq = floats(T * P * O);
    area.stateSeq = floats(T * P * o.stateSize);
    area.stateAdjs = take(C * T * S);
    area.rowTable = floats(C * LANES * B);
  }
  // dL/d(out) of every (chunk, step), for the backward over a chunk's steps in one call
  area.outAdjs = take(C * T * O);
  return { area, end: at };
}

/** Bytes of a WebAssembly memory that starts at `initial` bytes (whole pages) and grows to hold `need`. */
function pagedBytes(initial: number, need: number): number {
  return Math.max(initial, Math.ceil(need / 65536) * 65536);
}

/**
 * The largest episode capacity a run's rollouts of at most `steps` steps can grow a group to. The first
 * training step lays out 32 steps; a learning pass over a longer episode lays out its length; a recorded
 * rollout that outgrows the capacity T doubles it (see `forward`), which happens only while T < steps, so
 * the capacity stays 32 up to 32 steps and at most 2·(steps − 1) beyond (an episode one step longer than all
 * before it).
 */
function recordedSteps(steps: number): number {
  return steps <= 32 ? 32 : 2 * (steps - 1);
}

/**
 * Parameter scalars per network above which a step is not compiled (the lowered program is straight-line
 * code, a few ops per parameter: past this V8 cannot hold it). `createCompiledPopulation` trains such members
 * on the generic path; `compiledMemoryEstimate` counts such a layout without its registers (a lower bound).
 */
export const COMPILE_PARAMETER_LIMIT = 1_000_000;

/** A compiled population's estimated memory: its WebAssembly memories and its JavaScript arrays. */
export interface CompiledMemoryEstimate {
  /** The groups' kernel memories and the Adam update's, page-rounded (what `wasmMemoryBytes()` reports). */
  readonly wasm: number;
  /** JavaScript typed arrays: the generic population's parameter copy, the episode records, the VJP scratch. */
  readonly js: number;
  /** wasm + js. */
  readonly total: number;
}

/**
 * Memory a compiled population of `members` holds over a training run with episodes of `steps` steps and
 * greedy tests of `testBatch` environments per network, computed from the population's own layout (its
 * groups, the lowered programs' register areas, the fixed, per-batch and per-episode areas, the Adam
 * update's arrays): the WebAssembly memories at the largest episode capacity training can reach
 * (`recordedSteps`) and a greedy test's batch, page-rounded, plus the JavaScript arrays around them. Lowers (and compiles,
 * through the module cache) each group's program, as creating the population does (so it needs the tfjs
 * backend); a layout of more than COMPILE_PARAMETER_LIMIT parameters per network is counted without its
 * registers. V8 and tfjs overheads are not counted.
 */
export function compiledMemoryEstimate(def: ArchitectureDefinition, members: readonly PopulationMember[], opts: PopulationMemoryOptions): CompiledMemoryEstimate {
  if (members.length === 0) throw new PrnnError('members must name at least 1 network (got 0)');
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new PrnnError(`steps must be an integer ≥ 1 (got ${opts.steps})`);
  const sizes = stepSizes(opts.channels);
  const P = members.length;
  const I = sizes.inputs;
  const O = sizes.outputs;
  const memberShapes = members.map((m) => checkedShapes(def, m.arch, sizes));
  // the generic population's padded arrays: every parameter name at its largest shape
  const padded: Record<string, number[]> = {};
  for (const shapes of memberShapes) {
    for (const [name, shape] of Object.entries(shapes)) padded[name] = padded[name] ? padded[name].map((d, k) => Math.max(d, shape[k])) : [...shape];
  }
  const valueLengths = Object.values(padded).map((shape) => P * size(shape));
  // the grouping only: the fixed-zero masks change no size
  const layouts = groupLayouts(def, members, memberShapes, sizes, false);
  const stateSize = Math.max(...layouts.map((l) => l.S));
  const largest = layouts.reduce((a, l) => (l.list.length > a.list.length ? l : a), layouts[0]);
  const bulkLayout = 2 * largest.list.length >= P ? largest : null;
  const batch = Math.max(1, opts.testBatch);
  const steps = recordedSteps(opts.steps);
  let wasm = adamStoreBytes(valueLengths, P);
  for (const layout of layouts) {
    // a program too large to lower is too large to compile: its registers are left out (a lower bound)
    const scalars = Object.values(layout.shapes).reduce((a, shape) => a + size(shape), 0);
    const program = scalars <= COMPILE_PARAMETER_LIMIT ? loweredStep(def, { arch: layout.arch, shapes: layout.shapes, sizes, stateSize: layout.S }) : null;
    const reserved = program ? compiledReserved(program) : 0;
    const chunks = Math.ceil(layout.list.length / LANES);
    const bulk = layout === bulkLayout;
    const { fixedEnd } = fixedAreas(reserved, layout.list.length, program ? program.inputs.params : scalars, valueLengths, bulk);
    const shape = { fixedEnd, chunks, S: layout.S, inputs: I, outputs: O, registerBytes: reserved, tapeBytes: TAPE_BYTES, bulk, population: P, stateSize };
    const initial = (Math.ceil(reserved / 65536) + 1) * 65536;
    wasm += pagedBytes(initial, layoutAreas({ ...shape, batch, steps }).end);
  }
  const params = valueLengths.reduce((s, l) => s + l, 0);
  const records = 4 * opts.steps * P * (I + 2 + O) + 4 * P;
  const vjpScratch = 2 * 4 * opts.steps * P * O;
  const js = 4 * params + records + vjpScratch;
  return { wasm, js, total: wasm + js };
}

/**
 * A family's population run by its compiled step (see docs/guides/step-compiler.md): the step is traced
 * and lowered once per layout, compiled to a kernel that runs 4 networks in the lanes of each scalar, and
 * differentiated by the compiled reverse mode (BPTT: the forward keeps each step's state, the backward
 * recomputes each step from it and walks back). Parameters are StepPopulation's (same names, [P, ...padded]
 * shapes, same initial values), so optimisers, checkpoints and weight files work unchanged; they live in the
 * memory of a WebAssembly Adam update (`parameters.adam`, the optimiser's float32 operations in its order).
 * `unroll` stays available for losses without cotangents.
 */
export class CompiledPopulation implements PopulationModel {
  readonly family: string;
  readonly implementation = COMPILED_PATH;
  readonly population: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly parameters: PopulationParameters;
  /** The largest network's recurrent state size (what `vjp.forward` writes with `states`). */
  readonly stateSize: number;
  private readonly inner: StepPopulation;
  private readonly groups: Group[];
  private readonly padSize: number[];
  private dirty = true;
  private batch = 1;
  /**
   * Environments per chunk the inference forward runs: the batch, or fewer after `retireRows` dropped finished
   * rows (then the row table maps each chunk's first `areas` areas, lane by lane, to the rows still running).
   */
  private areas = 1;
  private current = 0;
  private vjpSteps = -1;
  private disposed = false;
  /** Bumped whenever the parameter values may have changed. */
  private version = 0;
  /** The rollout being recorded at batch 1 since resetState (steps so far, at parameter version). */
  private rollout: { steps: number; version: number } | null = null;
  /** Whether the last vjp.forward reused the recorded rollout (for tests). */
  reused = false;
  private readonly tapeBytes: number;

  /**
   * `engine`: `wasm-simd` (default) or the reference `interpreter`; `tapeBytes`: the largest tape of forward
   * values kept per group for the backward (default 128 MiB; past it the backward recomputes each step);
   * `gate`: skip, per chunk, the products with the parameter tensors fixed at zero in all its networks (default
   * true unless $PRNN_COMPILE_GATE is `off`; the WebAssembly engine only).
   */
  constructor(def: ArchitectureDefinition, members: readonly PopulationMember[], channels: number, engine: StepEngine = 'wasm-simd', opts: { tapeBytes?: number; gate?: boolean } = {}) {
    this.tapeBytes = opts.tapeBytes ?? TAPE_BYTES;
    this.inner = new StepPopulation(def, members, channels);
    this.family = def.family;
    this.population = members.length;
    const sizes: StepSizes = stepSizes(channels);
    this.inputs = sizes.inputs;
    this.outputs = sizes.outputs;
    const { names, shapes } = this.inner.parameters;
    this.padSize = shapes.map((s) => size(s.slice(1)));
    const memberShapes = members.map((m) => checkedShapes(def, m.arch, sizes));
    // the values live in the WebAssembly memory of the Adam update (StepPopulation's arrays are synced to them on
    // demand); it skips each network's slices of the parameters the network does not have (zero gradient, always)
    const store = createAdamStore(
      this.inner.parameters.values.map((v) => v.length),
      members.length,
      (k, n) => memberShapes[n][names[k]] !== undefined,
    );
    const values = store.values;
    values.forEach((v, k) => v.set(this.inner.parameters.values[k]));
    this.parameters = {
      names,
      shapes,
      values,
      commit: () => {
        this.dirty = true;
        this.version++;
      },
      adam: store.adam,
    };
    const layouts = groupLayouts(def, members, memberShapes, sizes);
    this.stateSize = Math.max(...layouts.map((l) => l.S));
    // the largest group moves whole arrays (when it holds half the population or more); it goes first
    const largest = layouts.reduce((a, l) => (l.list.length > a.list.length ? l : a), layouts[0]);
    const bulkLayout = 2 * largest.list.length >= members.length ? largest : null;
    if (bulkLayout) {
      layouts.splice(layouts.indexOf(bulkLayout), 1);
      layouts.unshift(bulkLayout);
    }
    this.groups = layouts.map((layout) => {
      const { list, arch, shapes: layoutShapes, S, fixedZero } = layout;
      const program = loweredStep(def, { arch, shapes: layoutShapes, sizes, stateSize: S });
      const kernel = compileStep(program, engine);
      const NP = program.inputs.params;
      // scalar i of the layout: array srcArray[i] at srcOffset[i] of a network's padded slice (−1: no array holds it)
      const srcArray = new Int32Array(NP);
      const srcOffset = new Int32Array(NP);
      let i = 0;
      for (const [name, shape] of Object.entries(layoutShapes)) {
        const k = names.indexOf(name);
        const padded = k < 0 ? shape : shapes[k].slice(1);
        const ps = padded.map((_, j) => size(padded.slice(j + 1)));
        const c = new Array<number>(shape.length).fill(0);
        for (let e = 0; e < size(shape); e++) {
          const inside = k >= 0 && c.every((cj, j) => cj < padded[j]);
          srcArray[i] = inside ? k : -1;
          srcOffset[i++] = inside ? c.reduce((s, cj, j) => s + cj * ps[j], 0) : 0;
          for (let j = shape.length - 1; j >= 0; j--) {
            if (++c[j] < shape[j]) break;
            c[j] = 0;
          }
        }
      }
      // the gate masks (the WebAssembly kernel skips a chunk's products with a tensor zero in all its lanes)
      const gate = opts.gate ?? process.env[COMPILE_GATE_ENV] !== 'off';
      const gateMasks = !gate || kernel.engine !== 'wasm-simd' ? null : chunkGateMasks(program, fixedZero);
      // the fixed-zero scalars as float indices into a lane area (params or gradients) of the group; a gated
      // tensor's are left out: the kernel reads none of its parameters and writes none of its gradients
      // (which start each backward at zero)
      const gated = new Uint8Array(NP);
      const fixed: number[] = [];
      fixedZero.forEach((zero, j) => {
        if (!zero) return;
        const mask = gateMasks ? gateMasks[j >> 2] : 0;
        gated.fill(0);
        for (let t = 0; mask !== 0 && t < Math.min(32, program.tensors!.length); t++) {
          if (mask & (1 << t)) gated.fill(1, ...tensorRange(program, t));
        }
        for (let s = 0; s < NP; s++) if (zero[s] && !gated[s]) fixed.push((j >> 2) * NP * LANES + s * LANES + (j & 3));
      });
      const runs: { k: number; from: number; to: number; contiguous: boolean }[] = [];
      for (let j = 0; j < NP; j++) {
        const last = runs[runs.length - 1];
        if (last && last.k === srcArray[j]) last.to = j + 1;
        else runs.push({ k: srcArray[j], from: j, to: j + 1, contiguous: true });
      }
      // a run whose member shape is the padded shape reads its array's slice in order
      for (const r of runs) r.contiguous = srcOffset.subarray(r.from, r.to).every((o, i) => o === i);
      const chunks = Math.ceil(list.length / LANES);
      const bulk = layout === bulkLayout;
      const { params, grad, masks, memberTable, paramTable, paramStage, stageOffsets, spareCell, fixedEnd } = fixedAreas(
        kernel.reserved, list.length, NP, values.map((v) => v.length), bulk,
      );
      const group: Group = {
        members: list, program, kernel, chunks, NP, S, srcArray, srcOffset, runs, params, grad, fixed: Int32Array.from(fixed),
        gateMasks,
        bulk, memberTable, paramTable, paramStage, stageOffsets, fixedEnd,
        area: { batch: 0, steps: -1, inferState: [0, 0], inferObs: 0, inferNoise: 0, inferOut: 0, inferReg: 0, outs: 0, tape: 0, taped: false, states: 0, obs: 0, noise: 0, out: 0, outAdj: 0, stateAdj: [0, 0], inObs: 0, inNoise: 0, outQ: 0, recObs: 0, recNoise: 0, seq: 0, outAdjs: 0, stateSeq: 0, stateAdjs: 0, rowTable: 0 },
        rowTableBatch: 0,
        views: { buffer: null, q: null, seq: null, seqLength: 0, rows: null },
      };
      this.layout(group, 1, 0);
      if (group.gateMasks) {
        new Int32Array(kernel.view().buffer).set(group.gateMasks, masks >> 2);
        kernel.chunkMasks(params, NP * SLOT, masks);
      }
      if (bulk) {
        const ints = new Int32Array(kernel.view().buffer);
        list.forEach((m, j) => (ints[(memberTable >> 2) + j] = m));
        for (let i = 0; i < NP; i++) {
          const k = srcArray[i];
          ints[(paramTable >> 2) + 2 * i] = k < 0 ? spareCell : paramStage + stageOffsets[k] + 4 * srcOffset[i];
          ints[(paramTable >> 2) + 2 * i + 1] = k < 0 ? 0 : 4 * this.padSize[k];
        }
        // flag i: slots i … i+3 are four consecutive floats of one array's rows (moved as one 4 × 4 transpose);
        // set greedily from slot 0, as the kernel walks them
        const flags = new Uint8Array(kernel.view().buffer, paramTable + 8 * NP, NP);
        flags.fill(0);
        for (let i = 0; i < NP; ) {
          const k = srcArray[i];
          let four = k >= 0 && i + 3 < NP;
          for (let x = 1; four && x < 4; x++) four = srcArray[i + x] === k && srcOffset[i + x] === srcOffset[i] + x;
          flags[i] = four ? 1 : 0;
          i += four ? 4 : 1;
        }
      }
      return group;
    });
  }

  /** Per group (in the order they run), the gate mask of each chunk (see `chunkGateMasks`), or null. */
  get gateMasks(): (Int32Array | null)[] {
    return this.groups.map((g) => (g.gateMasks ? g.gateMasks.slice() : null));
  }

  /** How many groups (programs, instances, memories) the population runs as. */
  get groupCount(): number {
    return this.groups.length;
  }

  /** Environments per chunk the inference forward runs now: the batch, fewer after retireRows compacted. */
  get inferenceAreas(): number {
    return this.areas;
  }

  /** The engine every group runs on (`wasm-simd` or `interpreter`). */
  get engine(): string {
    return this.groups[0].kernel.engine;
  }

  /** Lays out (and grows) a group's memory for `batch` environments and episodes of `steps` steps. */
  private layout(g: Group, batch: number, steps: number): void {
    const a = g.area;
    if (batch <= a.batch && steps <= a.steps) return;
    const { area, end } = layoutAreas({
      fixedEnd: g.fixedEnd, chunks: g.chunks, batch: Math.max(batch, a.batch), steps: Math.max(steps, a.steps, 0), S: g.S,
      inputs: this.inputs, outputs: this.outputs, registerBytes: g.kernel.registerBytes, tapeBytes: this.tapeBytes,
      bulk: g.bulk, population: this.population, stateSize: this.stateSize,
    });
    g.area = area;
    g.rowTableBatch = 0;
    g.views.buffer = null;
    g.kernel.grow(end);
  }

  /**
   * Bytes of the WebAssembly memories the population holds now: each group's kernel memory and the Adam
   * update's (what `compiledMemoryEstimate` predicts as `wasm`).
   */
  wasmMemoryBytes(): number {
    return this.groups.reduce((s, g) => s + g.kernel.view().buffer.byteLength, 0) + (this.parameters.values[0]?.buffer.byteLength ?? 0);
  }

  // Episode areas, indexed by chunk and step at the capacity `area.steps`: what the rollout records and
  // what vjp.forward and vjp.backward read.
  private obsAt(g: Group, c: number, t: number): number {
    return g.area.obs + (c * g.area.steps + t) * this.inputs * SLOT;
  }
  private noiseAt(g: Group, c: number, t: number): number {
    return g.area.noise + (c * g.area.steps + t) * this.outputs * SLOT;
  }
  private outsAt(g: Group, c: number, t: number): number {
    return g.area.outs + (c * g.area.steps + t) * this.outputs * SLOT;
  }
  private stateAt(g: Group, c: number, t: number): number {
    return g.area.states + (c * (g.area.steps + 1) + t) * g.S * SLOT;
  }
  private regAt(g: Group, c: number, t: number): number {
    return g.area.taped ? g.area.tape + (c * g.area.steps + t) * g.kernel.registerBytes : g.area.tape;
  }

  private outAdjAt(g: Group, c: number, t: number): number {
    return g.area.outAdjs + (c * g.area.steps + t) * this.outputs * SLOT;
  }
  private stateAdjAt(g: Group, c: number, t: number): number {
    return g.area.stateAdjs + (c * g.area.steps + t) * g.S * SLOT;
  }

  /** A group's cached views, emptied when its memory's buffer changed (the memory grew). */
  private views(g: Group): Group['views'] {
    const v = g.views;
    const buffer = g.kernel.view().buffer;
    if (v.buffer !== buffer) {
      v.buffer = buffer;
      v.q = null;
      v.seq = null;
      v.rows = null;
    }
    return v;
  }

  /** A bulk group's float32 view of its q area (P·batch·O) or its sequence area (`length` floats), cached. */
  private stageView(g: Group, which: 'q' | 'seq' | 'states', length: number): Float32Array {
    const v = this.views(g);
    const buffer = v.buffer as ArrayBufferLike;
    if (which === 'states') return new Float32Array(buffer, g.area.stateSeq, length);
    if (which === 'q') {
      if (!v.q || v.q.length !== length) v.q = new Float32Array(buffer, g.area.outQ, length);
      return v.q;
    }
    if (!v.seq || v.seqLength !== length) {
      v.seq = new Float32Array(buffer, g.area.seq, length);
      v.seqLength = length;
    }
    return v.seq;
  }

  // Where a rollout step of chunk c, environment b reads and writes: the recorded episode at step t, or the
  // inference buffers.
  private stepObs(g: Group, episode: boolean, t: number, c: number, b: number): number {
    return episode ? this.obsAt(g, c, t) : g.area.inferObs + (c * this.batch + b) * this.inputs * SLOT;
  }
  private stepNoise(g: Group, episode: boolean, t: number, c: number, b: number): number {
    return episode ? this.noiseAt(g, c, t) : g.area.inferNoise + (c * this.batch + b) * this.outputs * SLOT;
  }
  private stepOut(g: Group, episode: boolean, t: number, c: number, b: number): number {
    return episode ? this.outsAt(g, c, t) : g.area.inferOut + (c * this.batch + b) * this.outputs * SLOT;
  }

  private check(): void {
    if (this.disposed) throw new PrnnError('this population model has been disposed');
  }

  /** Copies the parameter values into each group's lanes when they changed. */
  private pack(): void {
    if (!this.dirty) return;
    const values = this.parameters.values;
    for (const g of this.groups) {
      const f = g.kernel.view();
      const members = g.members;
      // spare lanes of the last chunk hold zeros
      if (members.length % LANES !== 0) f.fill(0, (g.params >> 2) + (g.chunks - 1) * g.NP * LANES, ((g.params + g.chunks * g.NP * SLOT) >> 2));
      if (g.bulk) {
        values.forEach((v, k) => f.set(v, (g.paramStage + g.stageOffsets[k]) >> 2));
        g.kernel.paramsIn(g.params, g.NP * SLOT, g.memberTable, members.length, g.NP, g.paramTable);
        this.zeroFixed(g, g.params);
        continue;
      }
      const off = g.srcOffset;
      for (const { k, from, to, contiguous } of g.runs) {
        if (k < 0) continue;
        const v = values[k];
        const ps = this.padSize[k];
        for (let j = 0; j < members.length; j++) {
          const at = (g.params >> 2) + (j >> 2) * g.NP * LANES + (j & 3);
          const src = members[j] * ps;
          if (contiguous) {
            for (let i = from, x = src, y = at + from * LANES; i < to; i++, x++, y += LANES) f[y] = v[x];
          } else {
            for (let i = from; i < to; i++) f[at + i * LANES] = v[src + off[i]];
          }
        }
      }
      this.zeroFixed(g, g.params);
    }
    this.dirty = false;
  }

  /** Sets a group's fixed-zero scalars (networks embedded into a wider member) to 0 in the lane area at `base`. */
  private zeroFixed(g: Group, base: number): void {
    const fixed = g.fixed;
    if (fixed.length === 0) return;
    const f = g.kernel.view();
    const at = base >> 2;
    for (let i = 0; i < fixed.length; i++) f[at + fixed[i]] = 0;
  }

  resetState(batch: number): void {
    this.check();
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    this.batch = batch;
    this.areas = batch;
    this.current = 0;
    for (const g of this.groups) {
      this.layout(g, batch, 0);
      // (the row table may hold a retireRows compaction)
      g.rowTableBatch = 0;
      const f = g.kernel.view();
      const n = g.chunks * batch * g.S * LANES;
      f.fill(0, (g.area.inferState[0] >> 2), (g.area.inferState[0] >> 2) + n);
      if (batch === 1) for (let c = 0; c < g.chunks; c++) f.fill(0, (this.stateAt(g, c, 0) >> 2), (this.stateAt(g, c, 0) >> 2) + g.S * LANES);
    }
    // at batch 1 the rollout is recorded where vjp.forward would compute it (while the tape fits)
    this.rollout = batch === 1 && this.groups.every((g) => g.area.taped || g.area.steps === 0) ? { steps: 0, version: this.version } : null;
  }

  /** Leaves recording: the state reached moves to the inference state buffers. */
  private stopRollout(): void {
    const r = this.rollout;
    if (!r) return;
    this.rollout = null;
    for (const g of this.groups) {
      const f = g.kernel.view();
      for (let c = 0; c < g.chunks; c++) {
        const from = (this.stateAt(g, c, r.steps) >> 2);
        f.copyWithin(((g.area.inferState[this.current] + c * g.S * SLOT) >> 2), from, from + g.S * LANES);
      }
    }
  }

  /**
   * Keeps rows `rows[0 … count)` (strictly increasing) of the network-major [P][batch] rows (network n,
   * environment b is row n·batch + b) with their recurrent state, as rows 0 … count−1 of a batch of
   * b′ = ⌈count / P⌉ (new row k is network ⌊k / b′⌋, environment k mod b′; the rows past count start from
   * the zero state). For a population of copies of one network whose rows are one long batch (an evaluation
   * dropping its finished trials); a row may move to another network, so every network must be in one group
   * (one layout). One pass over the kept rows, from one inference state buffer to the other.
   */
  compactRows(rows: Int32Array, count: number): void {
    this.check();
    const { population: P, batch: B } = this;
    if (this.groups.length !== 1) throw new PrnnError(`compactRows needs every network in one layout (got ${this.groups.length} groups)`);
    if (!Number.isInteger(count) || count < 1 || count > P * B || count > rows.length) {
      throw new PrnnError(`compact count must be an integer in [1, ${Math.min(P * B, rows.length)}] (got ${count})`);
    }
    if (this.areas !== B) throw new PrnnError('compactRows cannot follow retireRows before the next resetState');
    // a batch-1 rollout being recorded holds its state on the tape: move it to the inference buffers first
    this.stopRollout();
    const g = this.groups[0];
    const S = g.S;
    const f = g.kernel.view();
    const lane = new Int32Array(P);
    g.members.forEach((n, j) => (lane[n] = j));
    const nb = Math.ceil(count / P);
    const cur = this.current;
    const from = g.area.inferState[cur] >> 2;
    const to = g.area.inferState[1 - cur] >> 2;
    f.fill(0, to, to + g.chunks * nb * S * LANES);
    let previous = -1;
    for (let k = 0; k < count; k++) {
      const r = rows[k];
      if (!(r > previous && r < P * B)) throw new PrnnError(`compact rows must be strictly increasing row indices in [0, ${P * B - 1}] (rows[${k}] = ${r})`);
      previous = r;
      const js = lane[(r / B) | 0];
      const jd = lane[(k / nb) | 0];
      const src = from + (((js >> 2) * B + (r % B)) * S) * LANES + (js & 3);
      const dst = to + (((jd >> 2) * nb + (k % nb)) * S) * LANES + (jd & 3);
      for (let s = 0; s < S * LANES; s += LANES) f[dst + s] = f[src + s];
    }
    this.batch = nb;
    this.areas = nb;
    this.current = 1 - cur;
  }

  /**
   * Rows whose `done` flag is 1 ([P·batch], network-major) have finished: the forward may stop computing them
   * until the next resetState. Runs where each chunk's inference goes through the row table (one group of
   * whole chunks): when every lane has at most 3/4 of the chunk's areas still running, each lane's running
   * rows move, in order and with their state, to the first areas; the chunk then runs as many areas as its
   * busiest lane needs, and a lane with fewer points its spare areas at one of its finished rows (their outputs
   * land where nobody reads them). Lanes never mix, so every running row computes the same bits. Elsewhere
   * it computes every row, as before.
   */
  retireRows(done: Uint8Array): void {
    this.check();
    const { population: P, batch: B } = this;
    if (done.length !== P * B) throw new PrnnError(`done must have ${P * B} flags (got ${done.length})`);
    if (this.rollout !== null || this.groups.length !== 1) return;
    const g = this.groups[0];
    if (!g.bulk || g.members.length % LANES !== 0) return;
    const A = this.areas;
    // (built here if no forward ran since the reset)
    this.rowTable(g);
    const table = this.rowView(g);
    let busiest = 0;
    for (let e = 0; e < g.chunks * LANES; e++) {
      const c = e >> 2;
      const l = e & 3;
      let running = 0;
      for (let k = 0, i = c * A * LANES + l; k < A; k++, i += LANES) running += 1 - done[table[i]];
      if (running > busiest) busiest = running;
    }
    // moving pays only for a quarter of the areas or more
    if (4 * busiest > 3 * A) return;
    const nb = Math.max(1, busiest);
    const S = g.S;
    const f = g.kernel.view();
    const cur = this.current;
    const from = g.area.inferState[cur] >> 2;
    const to = g.area.inferState[1 - cur] >> 2;
    for (let c = 0; c < g.chunks; c++) {
      for (let l = 0; l < LANES; l++) {
        // in place: entry k of the lane moves to entry kept ≤ k, read before it is written
        let kept = 0;
        let sink = -1;
        for (let k = 0; k < A; k++) {
          const row = table[(c * A + k) * LANES + l];
          if (done[row] === 1) {
            if (sink < 0) sink = row;
            continue;
          }
          table[(c * nb + kept) * LANES + l] = row;
          const src = from + (c * A + k) * S * LANES + l;
          const dst = to + (c * nb + kept) * S * LANES + l;
          for (let s = 0; s < S * LANES; s += LANES) f[dst + s] = f[src + s];
          kept++;
        }
        for (; kept < nb; kept++) table[(c * nb + kept) * LANES + l] = sink;
      }
    }
    this.areas = nb;
    this.current = 1 - cur;
  }

  /**
   * A bulk group's inference row table for the current batch (built when the batch changed): entry
   * (c·batch + b)·4 + l is the network-major row members[4c + l]·batch + b, so one lanesIn/lanesOut moves
   * every (chunk, environment) between the network-major arrays and the lanes.
   */
  private rowTable(g: Group): number {
    const B = this.batch;
    if (g.rowTableBatch !== B) {
      const ints = this.rowView(g);
      const members = g.members;
      for (let c = 0; c < g.chunks; c++) {
        for (let b = 0; b < B; b++) {
          for (let l = 0; l < LANES; l++) {
            const j = c * LANES + l;
            ints[(c * B + b) * LANES + l] = j < members.length ? members[j] * B + b : 0;
          }
        }
      }
      g.rowTableBatch = B;
    }
    return g.area.rowTable;
  }

  /** A bulk group's int32 view of its row table (every entry a layout's batch can use), cached. */
  private rowView(g: Group): Int32Array {
    const v = this.views(g);
    const buffer = v.buffer as ArrayBufferLike;
    const length = g.chunks * LANES * g.area.batch;
    if (!v.rows || v.rows.byteOffset !== g.area.rowTable || v.rows.length !== length) v.rows = new Int32Array(buffer, g.area.rowTable, length);
    return v.rows;
  }

  forward(obs: Float32Array, noise: Float32Array | null, q: Float32Array, advance: boolean): void {
    this.check();
    const { population: P, batch: B, inputs: I, outputs: O } = this;
    checkForwardBuffers(P, B, I, O, obs, noise, q);
    this.pack();
    const r = this.rollout;
    let outgrown = false;
    for (const g of this.groups) if (r && (r.steps + 1 > g.area.steps || !g.area.taped)) outgrown = true;
    if (r && (r.version !== this.version || outgrown)) {
      // the episode outgrew the recording (or the parameters changed): grow for the next one, step as usual
      this.stopRollout();
      for (const g of this.groups) this.layout(g, B, Math.max(r.steps + 1, 2 * g.area.steps, 32));
    }
    const recording = this.rollout !== null;
    const cur = this.current;
    for (const g of this.groups) {
      const a = g.area;
      const kernel = g.kernel;
      const members = g.members;
      const G = members.length;
      const t = this.rollout?.steps ?? 0;
      // where this step reads and writes: the recorded episode (recording, advancing) or the inference buffers
      const intoEpisode = recording && advance;
      const f = kernel.view();
      // inference: every (chunk, environment) area in one run, chunk c's environments consecutive
      const inference = !recording;
      if (inference && !noise) f.fill(0, a.inferNoise >> 2, (a.inferNoise >> 2) + g.chunks * B * O * LANES);
      for (let c = inference && G % LANES === 0 ? g.chunks : 0; c < g.chunks; c++) {
        for (let b = 0; b < B; b++) {
          // lanes past the last network read zeros; without noise every lane does
          const ob = (this.stepObs(g, intoEpisode, t, c, b) >> 2);
          const ub = (this.stepNoise(g, intoEpisode, t, c, b) >> 2);
          if (c === g.chunks - 1 && G % LANES !== 0) f.fill(0, ob, ob + I * LANES);
          if (!noise || (c === g.chunks - 1 && G % LANES !== 0)) f.fill(0, ub, ub + O * LANES);
        }
      }
      if (g.bulk) {
        // the whole obs (and noise) network-major into the kernel's memory (kept per step while recording), then into lanes
        const obsAt = intoEpisode ? a.recObs + t * P * I * 4 : a.inObs;
        const noiseAt = intoEpisode ? a.recNoise + t * P * O * 4 : a.inNoise;
        f.set(obs, obsAt >> 2);
        if (noise) f.set(noise, noiseAt >> 2);
        else if (intoEpisode) f.fill(0, noiseAt >> 2, (noiseAt >> 2) + P * O);
        if (inference && G % LANES === 0) {
          // every (chunk, environment) in one call through the row table (the running ones after retireRows)
          const table = this.rowTable(g);
          kernel.lanesIn(a.inferObs, I * SLOT, obsAt, I * 4, I, table, G * this.areas);
          if (noise) kernel.lanesIn(a.inferNoise, O * SLOT, noiseAt, O * 4, O, table, G * this.areas);
        }
        for (let b = 0; inference && G % LANES === 0 ? false : b < B; b++) {
          const ob = this.stepObs(g, intoEpisode, t, 0, b);
          kernel.lanesIn(ob, this.stepObs(g, intoEpisode, t, 1, b) - ob, obsAt + b * I * 4, B * I * 4, I, g.memberTable, G);
          if (!noise) continue;
          const ub = this.stepNoise(g, intoEpisode, t, 0, b);
          kernel.lanesIn(ub, this.stepNoise(g, intoEpisode, t, 1, b) - ub, noiseAt + b * O * 4, B * O * 4, O, g.memberTable, G);
        }
      }
      for (let j = 0; j < (g.bulk ? 0 : G); j++) {
        const n = members[j];
        const c = j >> 2;
        const l = j & 3;
        for (let b = 0; b < B; b++) {
          const ob = (this.stepObs(g, intoEpisode, t, c, b) >> 2) + l;
          const src = (n * B + b) * I;
          for (let x = 0; x < I; x++) f[ob + x * LANES] = obs[src + x];
          if (noise) {
            const ub = (this.stepNoise(g, intoEpisode, t, c, b) >> 2) + l;
            const us = (n * B + b) * O;
            for (let k = 0; k < O; k++) f[ub + k * LANES] = noise[us + k];
          }
        }
      }
      // every chunk of environment b in one call: each area's address at chunk 0 and its stride between chunks
      const stateFrom = (c: number, b: number): number => (recording ? this.stateAt(g, c, t) : a.inferState[cur] + (c * B + b) * g.S * SLOT);
      const stateTo = (c: number, b: number): number => (intoEpisode ? this.stateAt(g, c, t + 1) : a.inferState[recording ? 0 : 1 - cur] + (c * B + b) * g.S * SLOT);
      const regOf = (c: number): number => (intoEpisode ? this.regAt(g, c, t) : a.inferReg);
      // (areas = B but after retireRows, which only a group of whole chunks honours)
      const E = inference && G % LANES === 0 ? this.areas : B;
      for (let c = 0; inference && c < g.chunks; c++) {
        // the E environments of chunk c in one call (same parameters, consecutive areas)
        kernel.forwardChunks(
          E, g.params + c * g.NP * SLOT, 0, a.inferState[cur] + c * E * g.S * SLOT, g.S * SLOT, a.inferObs + c * E * I * SLOT, I * SLOT,
          a.inferNoise + c * E * O * SLOT, O * SLOT, a.inferOut + c * E * O * SLOT, O * SLOT, a.inferState[1 - cur] + c * E * g.S * SLOT, g.S * SLOT, a.inferReg, 0,
        );
      }
      for (let b = 0; !inference && b < B; b++) {
        const [s0, n0, o0, u0, q0] = [stateFrom(0, b), stateTo(0, b), this.stepObs(g, intoEpisode, t, 0, b), this.stepNoise(g, intoEpisode, t, 0, b), this.stepOut(g, intoEpisode, t, 0, b)];
        kernel.forwardChunks(
          g.chunks, g.params, g.NP * SLOT, s0, stateFrom(1, b) - s0, o0, this.stepObs(g, intoEpisode, t, 1, b) - o0, u0, this.stepNoise(g, intoEpisode, t, 1, b) - u0,
          q0, this.stepOut(g, intoEpisode, t, 1, b) - q0, n0, stateTo(1, b) - n0, regOf(0), regOf(1) - regOf(0),
        );
      }
      if (g.bulk) {
        if (inference && G % LANES === 0) kernel.lanesOut(a.inferOut, O * SLOT, a.outQ, O * 4, O, this.rowTable(g), G * this.areas);
        for (let b = 0; inference && G % LANES === 0 ? false : b < B; b++) {
          const at = this.stepOut(g, intoEpisode, t, 0, b);
          kernel.lanesOut(at, this.stepOut(g, intoEpisode, t, 1, b) - at, a.outQ + b * O * 4, B * O * 4, O, g.memberTable, G);
        }
        q.set(this.stageView(g, 'q', P * B * O));
      }
      for (let j = 0; j < (g.bulk ? 0 : G); j++) {
        const n = members[j];
        const c = j >> 2;
        const l = j & 3;
        for (let b = 0; b < B; b++) {
          const src = (this.stepOut(g, intoEpisode, t, c, b) >> 2) + l;
          const dst = (n * B + b) * O;
          for (let k = 0; k < O; k++) q[dst + k] = f[src + k * LANES];
        }
      }
    }
    if (advance) {
      if (this.rollout) this.rollout.steps++;
      else this.current = 1 - cur;
    }
  }

  unroll(params: readonly tf.Tensor[], episode: EpisodeInputs, steps: number): tf.Tensor3D {
    return this.inner.unroll(params, episode, steps);
  }

  /** Whether the recorded rollout is `episode`'s first `steps` steps (same obs and noise bits, same parameters). */
  private recorded(episode: EpisodeInputs, steps: number): boolean {
    const r = this.rollout;
    if (!r || r.version !== this.version || r.steps < steps) return false;
    const { population: P, inputs: I, outputs: O } = this;
    for (const g of this.groups) {
      if (g.bulk) {
        // the rollout kept each step's obs and noise as given: compare the bits
        const buffer = g.kernel.view().buffer;
        const same = (at: number, x: Float32Array, n: number): boolean => Buffer.compare(Buffer.from(buffer, at, 4 * n), Buffer.from(x.buffer, x.byteOffset, 4 * n)) === 0;
        if (!same(g.area.recObs, episode.obs, steps * P * I) || !same(g.area.recNoise, episode.tieNoise, steps * P * O)) return false;
        continue;
      }
      const f = g.kernel.view();
      for (let j = 0; j < g.members.length; j++) {
        const m = g.members[j];
        const c = j >> 2;
        const l = j & 3;
        for (let t = 0; t < steps; t++) {
          const ob = (this.obsAt(g, c, t) >> 2) + l;
          const src = (t * P + m) * I;
          for (let x = 0; x < I; x++) if (!Object.is(f[ob + x * LANES], episode.obs[src + x])) return false;
          const ub = (this.noiseAt(g, c, t) >> 2) + l;
          const us = (t * P + m) * O;
          for (let k = 0; k < O; k++) if (!Object.is(f[ub + k * LANES], episode.tieNoise[us + k])) return false;
        }
      }
    }
    return true;
  }

  /**
   * The compiled vector-Jacobian product (see EpisodeVjp). When the episode is the rollout this model just
   * ran at batch 1 (checked value by value), its forward values are already on the tape and are reused.
   */
  readonly vjp: EpisodeVjp = {
    forward: (episode, steps, outputs, states) => {
      this.check();
      const { population: P, inputs: I, outputs: O, stateSize: SP } = this;
      const n = steps * P * O;
      if (outputs.length < n) throw new PrnnError(`outputs must have at least steps·P·O = ${n} values (got ${outputs.length})`);
      if (states && states.length < steps * P * SP) throw new PrnnError(`states must have at least steps·P·S = ${steps * P * SP} values (got ${states.length})`);
      if (states) states.fill(0, 0, steps * P * SP);
      if (episode.population !== P) throw new PrnnError(`episode.population must be ${P} (got ${episode.population})`);
      if (!Number.isInteger(steps) || steps < 0 || steps > episode.steps) throw new PrnnError(`steps must be an integer from 0 to ${episode.steps} (got ${steps})`);
      this.pack();
      const reuse = this.recorded(episode, steps);
      if (!reuse) {
        this.stopRollout();
        for (const g of this.groups) this.layout(g, this.batch, steps);
      }
      this.reused = reuse;
      for (const g of this.groups) {
        const f = g.kernel.view();
        const C = g.chunks;
        if (!reuse) {
          // lane-interleave the episode; states[c][0] = 0
          for (let c = 0; c < C; c++) {
            f.fill(0, (this.obsAt(g, c, 0) >> 2), (this.obsAt(g, c, steps) >> 2));
            f.fill(0, (this.noiseAt(g, c, 0) >> 2), (this.noiseAt(g, c, steps) >> 2));
            f.fill(0, (this.stateAt(g, c, 0) >> 2), (this.stateAt(g, c, 0) >> 2) + g.S * LANES);
          }
          if (g.bulk) {
            const a = g.area;
            f.set(episode.obs.subarray(0, steps * P * I), a.recObs >> 2);
            f.set(episode.tieNoise.subarray(0, steps * P * O), a.recNoise >> 2);
            for (let t = 0; t < steps; t++) {
              const ob = this.obsAt(g, 0, t);
              g.kernel.lanesIn(ob, this.obsAt(g, 1, t) - ob, a.recObs + t * P * I * 4, I * 4, I, g.memberTable, g.members.length);
              const ub = this.noiseAt(g, 0, t);
              g.kernel.lanesIn(ub, this.noiseAt(g, 1, t) - ub, a.recNoise + t * P * O * 4, O * 4, O, g.memberTable, g.members.length);
            }
          }
          for (let j = 0; j < (g.bulk ? 0 : g.members.length); j++) {
            const m = g.members[j];
            const c = j >> 2;
            const l = j & 3;
            for (let t = 0; t < steps; t++) {
              const ob = (this.obsAt(g, c, t) >> 2) + l;
              const src = (t * P + m) * I;
              for (let x = 0; x < I; x++) f[ob + x * LANES] = episode.obs[src + x];
              const ub = (this.noiseAt(g, c, t) >> 2) + l;
              const us = (t * P + m) * O;
              for (let k = 0; k < O; k++) f[ub + k * LANES] = episode.tieNoise[us + k];
            }
          }
        }
        for (let c = 0; c < C; c++) {
          const lanes = Math.min(LANES, g.members.length - c * LANES);
          for (let t = 0; t < steps; t++) {
            const out = this.outsAt(g, c, t);
            if (!reuse) g.kernel.forward(g.params + c * g.NP * SLOT, this.stateAt(g, c, t), this.obsAt(g, c, t), this.noiseAt(g, c, t), out, this.stateAt(g, c, t + 1), this.regAt(g, c, t));
            for (let l = 0; l < (g.bulk ? 0 : lanes); l++) {
              const m = g.members[c * LANES + l];
              for (let k = 0; k < O; k++) outputs[(t * P + m) * O + k] = f[(out >> 2) + k * LANES + l];
              if (states) {
                const next = (this.stateAt(g, c, t + 1) >> 2) + l;
                const dst = (t * P + m) * SP;
                for (let j = 0; j < g.S; j++) states[dst + j] = f[next + j * LANES];
              }
            }
          }
        }
        if (g.bulk) {
          for (let t = 0; t < steps; t++) {
            const out = this.outsAt(g, 0, t);
            g.kernel.lanesOut(out, this.outsAt(g, 1, t) - out, g.area.seq + t * P * O * 4, O * 4, O, g.memberTable, g.members.length);
          }
          outputs.set(this.stageView(g, 'seq', steps * P * O));
          if (states) {
            // rows of SP values, this group's S of them (the rest and other networks' rows zero)
            f.fill(0, g.area.stateSeq >> 2, (g.area.stateSeq >> 2) + steps * P * SP);
            for (let t = 0; t < steps; t++) {
              const at = this.stateAt(g, 0, t + 1);
              g.kernel.lanesOut(at, this.stateAt(g, 1, t + 1) - at, g.area.stateSeq + t * P * SP * 4, SP * 4, g.S, g.memberTable, g.members.length);
            }
            states.set(this.stageView(g, 'states', steps * P * SP));
          }
        }
      }
      this.vjpSteps = steps;
    },
    backward: (cotangents, gradients, stateCotangents) => {
      this.check();
      const steps = this.vjpSteps;
      if (steps < 0) throw new PrnnError('vjp.backward needs a vjp.forward over the episode first');
      this.vjpSteps = -1;
      const { population: P, outputs: O } = this;
      const values = this.parameters.values;
      if (gradients.length !== values.length) throw new PrnnError(`expected ${values.length} gradient arrays (got ${gradients.length})`);
      gradients.forEach((g, k) => {
        if (g.length !== values[k].length) throw new PrnnError(`gradients[${k}] must have ${values[k].length} values (got ${g.length})`);
        g.fill(0);
      });
      const n = steps * P * O;
      if (cotangents.length < n) throw new PrnnError(`cotangents must have at least steps·P·O = ${n} values (got ${cotangents.length})`);
      const SP = this.stateSize;
      if (stateCotangents && stateCotangents.length < steps * P * SP) {
        throw new PrnnError(`stateCotangents must have at least steps·P·S = ${steps * P * SP} values (got ${stateCotangents.length})`);
      }
      for (const g of this.groups) {
        const a = g.area;
        const f = g.kernel.view();
        const C = g.chunks;
        f.fill(0, (g.grad >> 2), ((g.grad + C * g.NP * SLOT) >> 2));
        if (g.bulk) {
          // the cotangents network-major into the kernel's memory, then into lanes for every (chunk, step)
          f.set(cotangents.subarray(0, n), a.seq >> 2);
          f.fill(0, a.outAdjs >> 2, (this.outAdjAt(g, C, 0) >> 2));
          for (let t = 0; t < steps; t++) {
            const at = this.outAdjAt(g, 0, t);
            g.kernel.lanesIn(at, this.outAdjAt(g, 1, t) - at, a.seq + t * P * O * 4, O * 4, O, g.memberTable, g.members.length);
          }
          if (stateCotangents) {
            // the state cotangents likewise (spare lanes zero), added to dL/d(next state) slot by slot below
            f.set(stateCotangents.subarray(0, steps * P * SP), a.stateSeq >> 2);
            f.fill(0, a.stateAdjs >> 2, this.stateAdjAt(g, C, 0) >> 2);
            for (let t = 0; t < steps; t++) {
              const at = this.stateAdjAt(g, 0, t);
              g.kernel.lanesIn(at, this.stateAdjAt(g, 1, t) - at, a.stateSeq + t * P * SP * 4, SP * 4, g.S, g.memberTable, g.members.length);
            }
          }
        } else if (a.taped) {
          // a group of a mixed population: the cotangents into lanes element by element
          f.fill(0, a.outAdjs >> 2, (this.outAdjAt(g, C, 0) >> 2));
          for (let j = 0; j < g.members.length; j++) {
            const m = g.members[j];
            for (let t = 0; t < steps; t++) {
              const at = (this.outAdjAt(g, j >> 2, t) >> 2) + (j & 3);
              for (let k = 0; k < O; k++) f[at + k * LANES] = cotangents[(t * P + m) * O + k];
            }
          }
        }
        for (let c = 0; c < C; c++) {
          const lanes = Math.min(LANES, g.members.length - c * LANES);
          let adjIn = a.stateAdj[0];
          let adjOut = a.stateAdj[1];
          f.fill(0, (adjIn >> 2), (adjIn >> 2) + g.S * LANES);
          f.fill(0, (a.outAdj >> 2), (a.outAdj >> 2) + O * LANES);
          if (a.taped && steps > 0 && !stateCotangents) {
            // every step of the chunk in one call, each area's step-t address a stride apart
            const k = g.kernel;
            const d = (at: (g: Group, c: number, t: number) => number): [number, number] => [at.call(this, g, c, 0), at.call(this, g, c, 1) - at.call(this, g, c, 0)];
            const [s0, ds] = d(this.stateAt);
            const [o0, dob] = d(this.obsAt);
            const [u0, du] = d(this.noiseAt);
            const [q0, dq] = d(this.outAdjAt);
            const [r0, dr] = d(this.regAt);
            k.backwardSteps(steps, g.params + c * g.NP * SLOT, s0, ds, o0, dob, u0, du, q0, dq, adjIn, adjOut, g.grad + c * g.NP * SLOT, r0, dr);
            continue;
          }
          const S = g.S;
          for (let t = steps - 1; t >= 0; t--) {
            const stateAdj = adjIn >> 2;
            if (g.bulk && stateCotangents) {
              for (let y = stateAdj, x = this.stateAdjAt(g, c, t) >> 2, end = stateAdj + S * LANES; y < end; y++, x++) f[y] += f[x];
            }
            for (let l = 0; l < (g.bulk ? 0 : lanes); l++) {
              const m = g.members[c * LANES + l];
              if (!g.bulk) for (let k = 0; k < O; k++) f[(a.outAdj >> 2) + k * LANES + l] = cotangents[(t * P + m) * O + k];
              // a loss that reads the state after step t adds its cotangent to dL/d(next state)
              if (stateCotangents) {
                const from = (t * P + m) * SP;
                for (let j = 0, y = stateAdj + l; j < S; j++, y += LANES) f[y] += stateCotangents[from + j];
              }
            }
            const params = g.params + c * g.NP * SLOT;
            const state = this.stateAt(g, c, t);
            const obs = this.obsAt(g, c, t);
            const noise = this.noiseAt(g, c, t);
            const reg = this.regAt(g, c, t);
            // without a tape, recompute the step (it rewrites the same next state)
            if (!a.taped) g.kernel.forward(params, state, obs, noise, a.out, this.stateAt(g, c, t + 1), reg);
            g.kernel.backward(params, state, obs, noise, g.bulk ? this.outAdjAt(g, c, t) : a.outAdj, adjIn, adjOut, g.grad + c * g.NP * SLOT, reg);
            [adjIn, adjOut] = [adjOut, adjIn];
          }
        }
        // a scalar fixed at zero has gradient exactly 0 (so Adam and the clip norms leave it as it is)
        this.zeroFixed(g, g.grad);
        if (g.bulk) {
          // lanes into the staged arrays (zero where no network's parameter is), then out whole
          f.fill(0, g.paramStage >> 2, g.fixedEnd >> 2);
          g.kernel.paramsOut(g.grad, g.NP * SLOT, g.memberTable, g.members.length, g.NP, g.paramTable);
          const buffer = g.kernel.view().buffer;
          gradients.forEach((out, k) => out.set(new Float32Array(buffer, g.paramStage + g.stageOffsets[k], out.length)));
          continue;
        }
        const off = g.srcOffset;
        const members = g.members;
        for (const { k, from, to, contiguous } of g.runs) {
          if (k < 0) continue;
          const out = gradients[k];
          const ps = this.padSize[k];
          for (let j = 0; j < members.length; j++) {
            const at = (g.grad >> 2) + (j >> 2) * g.NP * LANES + (j & 3);
            const dst = members[j] * ps;
            if (contiguous) {
              for (let i = from, x = dst, y = at + from * LANES; i < to; i++, x++, y += LANES) out[x] = f[y];
            } else {
              for (let i = from; i < to; i++) out[dst + off[i]] = f[at + i * LANES];
            }
          }
        }
      }
    },
  };

  exportWeights(n: number): Record<string, Float32Array> {
    this.inner.parameters.values.forEach((v, k) => v.set(this.parameters.values[k]));
    return this.inner.exportWeights(n);
  }

  /**
   * Sets network n's weights by parameter name (through the generic population, then copied into the compiled layout).
   */
  importWeights(n: number, weights: Record<string, Float32Array>): void {
    this.inner.parameters.values.forEach((v, k) => v.set(this.parameters.values[k]));
    this.inner.importWeights(n, weights);
    this.parameters.values.forEach((v, k) => v.set(this.inner.parameters.values[k]));
    this.dirty = true;
    this.version++;
  }

  /** Disposes the population and the generic population it wraps. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.inner.dispose();
  }
}
