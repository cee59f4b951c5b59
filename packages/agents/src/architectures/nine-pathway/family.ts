import { PrnnError, type Rng } from '@prnn/core';

/** The 7 optional pathways in the reference's flag order (ii is the most significant bit of the index). */
export const OPTIONAL_PATHWAYS = ['ii', 'hh', 'oo', 'io', 'oi', 'hi', 'oh'] as const;
/** Name of one of the 7 optional pathways. */
export type OptionalPathway = (typeof OPTIONAL_PATHWAYS)[number];
/** All 9 pathways in the canonical order used by weight files, ONNX initialisers and the population models' parameters. */
export const PATHWAYS = ['ih', 'ho', 'ii', 'hh', 'oo', 'io', 'oi', 'hi', 'oh'] as const;
/** Name of one of the 9 pathways `ab` (from layer a to layer b). */
export type Pathway = (typeof PATHWAYS)[number];
/** A layer: input (i), hidden (h) or output (o). */
export type Layer = 'i' | 'h' | 'o';
/** Which optional pathways a member has (ih and ho are always present). */
export type PathwayFlags = Record<OptionalPathway, boolean>;

/** Output units: one Q-value per action. */
export const OUTPUTS = 5;
/** Hidden units of every member except ff-large (docs/spec.md §2). */
export const DEFAULT_HIDDEN = 8;
/** Hidden units of ff-large, the feedforward network with about as many parameters as fc. */
export const LARGE_FF_HIDDEN = 34;

/** One member of the 9-pathway family: which optional pathways exist, and the layer sizes. */
export interface NinePathwayArch {
  /** Canonical name: `ff`, `fc`, `ff-large`, or the present pathways joined by `+` in flag order. */
  readonly name: string;
  /** Flags read as binary, ii most significant (0 = feed-forward, 127 = fully connected). */
  readonly referenceIndex: number;
  readonly flags: PathwayFlags;
  readonly inputs: number;
  readonly hidden: number;
  readonly outputs: number;
}

/** The layer pathway `ab` reads from (a). */
export function fromLayer(p: Pathway): Layer {
  return p[0] as Layer;
}
/** The layer pathway `ab` writes to (b). */
export function toLayer(p: Pathway): Layer {
  return p[1] as Layer;
}

/**
 * The optional-pathway flags of a reference index 0 … 127 (bit 6 is ii, bit 0 is oh); a PrnnError outside that range.
 */
export function flagsFromIndex(index: number): PathwayFlags {
  if (!Number.isInteger(index) || index < 0 || index > 127) {
    throw new PrnnError(`architecture index must be an integer from 0 to 127 (got ${index})`);
  }
  const flags = {} as PathwayFlags;
  OPTIONAL_PATHWAYS.forEach((p, k) => {
    flags[p] = ((index >> (OPTIONAL_PATHWAYS.length - 1 - k)) & 1) === 1;
  });
  return flags;
}

/** The reference index 0 … 127 of a set of flags (inverse of {@link flagsFromIndex}). */
export function indexFromFlags(flags: PathwayFlags): number {
  return OPTIONAL_PATHWAYS.reduce((acc, p) => (acc << 1) | (flags[p] ? 1 : 0), 0);
}

/**
 * Canonical name of a flag set: `ff` (none), `fc` (all 7), else the present optional pathways joined by `+` in flag
 * order.
 */
export function nameFromFlags(flags: PathwayFlags): string {
  const index = indexFromFlags(flags);
  if (index === 0) return 'ff';
  if (index === 127) return 'fc';
  return OPTIONAL_PATHWAYS.filter((p) => flags[p]).join('+');
}

/** Whether the member has pathway p (ih and ho always). */
export function hasPathway(arch: NinePathwayArch, p: Pathway): boolean {
  return p === 'ih' || p === 'ho' || arch.flags[p];
}

/** Units of a layer: 4·channels inputs, `hidden` hidden units, 5 outputs. */
export function layerSize(arch: NinePathwayArch, layer: Layer): number {
  return layer === 'i' ? arch.inputs : layer === 'h' ? arch.hidden : arch.outputs;
}

/** Shape [A, B] of pathway `ab` (rows = from-layer, cols = to-layer), present or not. */
export function pathwayShape(arch: NinePathwayArch, p: Pathway): [number, number] {
  return [layerSize(arch, fromLayer(p)), layerSize(arch, toLayer(p))];
}

/** The member's pathways, in the canonical {@link PATHWAYS} order. */
export function presentPathways(arch: NinePathwayArch): Pathway[] {
  return PATHWAYS.filter((p) => hasPathway(arch, p));
}

/** Trainable parameters of a member: Σ A·B over its pathways. */
export function parameterCount(arch: NinePathwayArch): number {
  return presentPathways(arch).reduce((n, p) => {
    const [a, b] = pathwayShape(arch, p);
    return n + a * b;
  }, 0);
}

/** Summed sizes of the layers that feed `layer` (docs/spec.md §2, initialisation). */
export function fanIn(arch: NinePathwayArch, layer: Layer): number {
  return presentPathways(arch)
    .filter((p) => toLayer(p) === layer)
    .reduce((n, p) => n + layerSize(arch, fromLayer(p)), 0);
}

/** Layer sizes of a member: hidden units (default 8) and cue channels (default 2). */
export interface ArchOptions {
  hidden?: number;
  channels?: number;
}

function checkSizes(hidden: number, channels: number): void {
  if (!Number.isInteger(hidden) || hidden < 1) throw new PrnnError(`hidden must be an integer ≥ 1 (got ${hidden})`);
  if (!Number.isInteger(channels) || channels < 1) {
    throw new PrnnError(`channels must be an integer ≥ 1 (got ${channels})`);
  }
}

/** The member with these flags and sizes; a PrnnError when hidden or channels is not an integer ≥ 1. */
export function archFromFlags(flags: PathwayFlags, opts: ArchOptions = {}): NinePathwayArch {
  const hidden = opts.hidden ?? DEFAULT_HIDDEN;
  const channels = opts.channels ?? 2;
  checkSizes(hidden, channels);
  return {
    name: nameFromFlags(flags),
    referenceIndex: indexFromFlags(flags),
    flags: { ...flags },
    inputs: 4 * channels,
    hidden,
    outputs: OUTPUTS,
  };
}

/** The large feed-forward network of the paper's sweep: no optional pathways, H = 34 unless overridden. */
export function largeFeedForward(opts: ArchOptions = {}): NinePathwayArch {
  const arch = archFromFlags(flagsFromIndex(0), { ...opts, hidden: opts.hidden ?? LARGE_FF_HIDDEN });
  return { ...arch, name: 'ff-large' };
}

/**
 * Parses `ff`, `fc`, `ff-large`, a pathway list such as `hh+oh` (any order), or a reference index `0`…`127`.
 */
export function parseArch(spec: string, opts: ArchOptions = {}): NinePathwayArch {
  const s = spec.trim().toLowerCase();
  // ff-large is defined by its size (parameter-matched to fc at H = 8), so the population's hidden size does not apply.
  if (s === 'ff-large') return largeFeedForward({ channels: opts.channels });
  if (/^\d+$/.test(s)) return archFromFlags(flagsFromIndex(Number(s)), opts);
  if (s === 'ff') return archFromFlags(flagsFromIndex(0), opts);
  if (s === 'fc') return archFromFlags(flagsFromIndex(127), opts);
  const flags = flagsFromIndex(0);
  for (const part of s.split('+')) {
    if (!(OPTIONAL_PATHWAYS as readonly string[]).includes(part) || flags[part as OptionalPathway]) {
      throw new PrnnError(
        `unknown architecture "${spec}": use ff, fc, ff-large, an index 0–127, or optional pathways ` +
          `(${OPTIONAL_PATHWAYS.join(', ')}) joined by "+", each at most once, e.g. hh+oh`,
      );
    }
    flags[part as OptionalPathway] = true;
  }
  return archFromFlags(flags, opts);
}

/** The paper's sweep: the 128 architectures (reference index order) and the large feed-forward. */
export function paperArchitectures(opts: ArchOptions = {}): NinePathwayArch[] {
  const archs: NinePathwayArch[] = [];
  for (let i = 0; i < 128; i++) archs.push(archFromFlags(flagsFromIndex(i), opts));
  archs.push(largeFeedForward({ channels: opts.channels }));
  return archs;
}

/** Weights of one network: each present pathway as a row-major [A, B] Float32Array. */
export type NinePathwayWeights = Partial<Record<Pathway, Float32Array>>;

/**
 * docs/spec.md §2 initialisation: every matrix into layer b is Uniform(−k_b, k_b), k_b = sqrt(1 / fanIn_b).
 * Matrices are drawn in canonical pathway order, row-major, from `rng`.
 */
export function initWeights(arch: NinePathwayArch, rng: Rng): NinePathwayWeights {
  const weights: NinePathwayWeights = {};
  for (const p of presentPathways(arch)) {
    const [a, b] = pathwayShape(arch, p);
    const k = Math.sqrt(1 / fanIn(arch, toLayer(p)));
    const w = new Float32Array(a * b);
    for (let j = 0; j < w.length; j++) w[j] = (2 * rng.float() - 1) * k;
    weights[p] = w;
  }
  return weights;
}

/** State carried between steps: previous input-layer activity x, hidden h and output o. */
export interface NinePathwayState {
  x: Float32Array;
  h: Float32Array;
  o: Float32Array;
}

/** The zero state of one network of this member: previous input x, hidden h and output o activity. */
export function zeroState(arch: NinePathwayArch): NinePathwayState {
  return { x: new Float32Array(arch.inputs), h: new Float32Array(arch.hidden), o: new Float32Array(arch.outputs) };
}

/** out[b] += Σ_a v[a]·W[a, b]. */
function accumulate(out: Float64Array, v: ArrayLike<number>, w: Float32Array | undefined, cols: number): void {
  if (!w) return;
  for (let a = 0; a < v.length; a++) {
    const va = v[a];
    if (va === 0) continue;
    const row = a * cols;
    for (let b = 0; b < cols; b++) out[b] += va * w[row + b];
  }
}

/**
 * One step of a single network, written plainly (double-precision accumulation) as the reference that the
 * batched tfjs path, the compiled step and the ONNX export are tested against. Returns the new state; its `o`
 * holds the Q-values softmax(z + tieNoise).
 */
export function referenceStep(
  arch: NinePathwayArch,
  w: NinePathwayWeights,
  prev: NinePathwayState,
  sensed: ArrayLike<number>,
  tieNoise?: ArrayLike<number>,
): NinePathwayState {
  const { inputs: I, hidden: H, outputs: O } = arch;
  const x = new Float64Array(I);
  for (let j = 0; j < I; j++) x[j] = sensed[j];
  accumulate(x, prev.x, w.ii, I);
  accumulate(x, prev.o, w.oi, I);
  accumulate(x, prev.h, w.hi, I);
  const h = new Float64Array(H);
  accumulate(h, x, w.ih, H);
  accumulate(h, prev.h, w.hh, H);
  accumulate(h, prev.o, w.oh, H);
  for (let j = 0; j < H; j++) h[j] = Math.max(0, h[j]);
  const z = new Float64Array(O);
  accumulate(z, h, w.ho, O);
  accumulate(z, prev.o, w.oo, O);
  accumulate(z, x, w.io, O);
  let max = -Infinity;
  for (let j = 0; j < O; j++) {
    z[j] += tieNoise ? tieNoise[j] : 0;
    max = Math.max(max, z[j]);
  }
  let sum = 0;
  for (let j = 0; j < O; j++) {
    z[j] = Math.exp(z[j] - max);
    sum += z[j];
  }
  const o = new Float32Array(O);
  for (let j = 0; j < O; j++) o[j] = z[j] / sum;
  return { x: Float32Array.from(x), h: Float32Array.from(h), o };
}
