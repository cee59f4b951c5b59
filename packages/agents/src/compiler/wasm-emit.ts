import { ARITY, OP, activeReferences, inputCount, opCount, type StepProgram } from './program.js';
import { SLOT } from './step-kernel.js';
import { ROLL_DEFAULTS, ShapeTable, WASM_OP, emitRolled, type Fragment, type RollOptions } from './wasm-roll.js';

/*
 * WebAssembly SIMD for a StepProgram, written as bytes: every scalar of the program is a v128 holding
 * 4 networks of one layout (lane l = network l of the chunk). Computed values live in linear memory at
 * reg + 16k (reg: an argument, so the forward can leave each step's values on a tape for the backward),
 * their adjoints at 16k; inputs are read where the caller's pointers say; constants are v128.const at
 * their uses; sum chains stay on the operand stack (see stackResident).
 *
 * Exports: forward(params, state, obs, noise, out, stateOut, reg) and
 * backward(params, state, obs, noise, outAdj, stateAdjIn, stateAdjOut, grad, reg), and the lane copies
 * forwardChunks (forward over consecutive chunks), backwardSteps (backward over a chunk's steps), lanesIn, lanesOut, paramsIn, paramsOut (rows of networks to and from lanes; see StepKernel). The
 * memory is imported (env.memory) so the host can grow it.
 *
 * Gating (shared lanes): the sum chains that exist only for one parameter tensor's weights (`gatedRegions`)
 * run under `if` on that tensor's bit of the chunk's mask, an int32 that forward and backward read once per
 * call at maskBase + 4·(params − paramsBase) / chunkStride (three exported mutable globals, all 0 until the
 * host sets them: then every region runs). A set bit means the tensor is exactly zero in all four lanes:
 * the forward stores its chains' values as +0 instead of summing products with zeros, the backward skips
 * the region (its adjoint terms are ±0; its gradient slots are fixed at zero by the population).
 *
 * exp is range reduction x = n·ln2 + r (|r| ≤ ln2/2, n = nearest(x·log2 e)) and the degree-7 Taylor
 * polynomial of e^r (truncation error below 1e-8 relative), scaled by 2^n built in the exponent bits;
 * x is clamped to [−87.3, 88.3] so 2^n stays a normal float. tanh(x) = m/(m + 2) with m = e^{2x} − 1
 * computed as q·2^n + (2^n − 1) (q = e^r − 1), which keeps tanh's relative accuracy near 0;
 * sigmoid(x) = 1/(1 + e^{−x}).
 */

/** Bumped whenever the emitted code changes (part of the cache key). */
export const EMITTER_VERSION = 13;

const I32 = 0x7f;
const V128 = 0x7b;

export class Bytes {
  buf = new Uint8Array(1 << 16);
  length = 0;
  byte(b: number): this {
    if (this.length === this.buf.length) {
      const g = new Uint8Array(this.buf.length * 2);
      g.set(this.buf);
      this.buf = g;
    }
    this.buf[this.length++] = b;
    return this;
  }
  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]);
    return this;
  }
  u32(v: number): this {
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }
  s32(v: number): this {
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

// SIMD opcodes (after the 0xfd prefix)
const S = {
  load: 0x00, store: 0x0b, const: 0x0c,
  f32ge: 70, f32gt: 68, f32le: 69,
  and: 78, andnot: 79, bitselect: 82,
  nearest: 106, i32shl: 171, i32add: 174,
  abs: 224, neg: 225, sqrt: 227, add: 228, sub: 229, mul: 230, div: 231, min: 232, max: 233,
  truncSat: 248, splat: 19, extractLane: 31, replaceLane: 32, shuffle: 13,
  or: 80, f32eq: 65, i32shrU: 173, i32sub: 177, convertI32: 250,
};

/** A function body being written (also used by jacobian-wasm.ts). */
export class Body extends Bytes {
  simd(op: number): this {
    return this.byte(0xfd).u32(op);
  }
  localGet(i: number): this {
    return this.byte(0x20).u32(i);
  }
  localSet(i: number): this {
    return this.byte(0x21).u32(i);
  }
  localTee(i: number): this {
    return this.byte(0x22).u32(i);
  }
  i32(v: number): this {
    return this.byte(0x41).s32(v);
  }
  load(offset: number): this {
    return this.simd(S.load).u32(4).u32(offset);
  }
  store(offset: number): this {
    return this.simd(S.store).u32(4).u32(offset);
  }
  splat(x: number): this {
    const f = new Float32Array([x, x, x, x]);
    return this.simd(S.const).bytes(new Uint8Array(f.buffer));
  }
  splatI32(x: number): this {
    const f = new Int32Array([x, x, x, x]);
    return this.simd(S.const).bytes(new Uint8Array(f.buffer));
  }
  call(f: number): this {
    return this.byte(0x10).u32(f);
  }
  fill(): this {
    return this.byte(0xfc).u32(11).byte(0);
  }
  /** An i32 binary op (0x6a add, 0x6c mul, 0x71 and, 0x74 shl, 0x76 shr_u, 0x4f ge_u). */
  op(code: number): this {
    return this.byte(code);
  }
  /** for (local i = 0; i < local n; i++) body() */
  forLoop(i: number, n: number, body: () => void): this {
    this.i32(0).localSet(i);
    return this.whileBelow(i, n, body);
  }
  /** for (; local i < local n; i++) body() */
  whileBelow(i: number, n: number, body: () => void): this {
    this.byte(0x02).byte(0x40).byte(0x03).byte(0x40);
    this.localGet(i).localGet(n).op(I32_GE_U).byte(0x0d).u32(1);
    body();
    this.localGet(i).i32(1).op(I32_ADD).localSet(i).byte(0x0c).u32(0);
    return this.byte(0x0b).byte(0x0b);
  }
  loadI32(offset = 0): this {
    return this.byte(0x28).u32(2).u32(offset);
  }
  loadF32(): this {
    return this.byte(0x2a).u32(2).u32(0);
  }
  storeF32(): this {
    return this.byte(0x38).u32(2).u32(0);
  }
}

const { I32_ADD, I32_SUB } = WASM_OP;
const I32_MUL = 0x6c;
const I32_AND = 0x71;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const I32_GE_U = 0x4f;
const I32_EQZ = 0x45;
const I32_LOAD8_U = 0x2d;
const I32_DIV_U = 0x6e;
const GLOBAL_GET = 0x23;
const IF = 0x04;
const ELSE = 0x05;
const END = 0x0b;
const VOID = 0x40;

/** The module's mutable i32 globals (exported by these names): where the per-chunk gate masks are (see `gatedRegions`). */
export const GATE_GLOBALS = ['maskBase', 'paramsBase', 'chunkStride'] as const;

/**
 * The code of one op (or one copy or seed) of the forward or backward: a Body that records where an address
 * base is pushed and where a v128 load or store goes instead of writing them, so that wasm-roll.ts can
 * write it plain or inside a loop.
 */
class Frag extends Body {
  readonly marks: number[] = [];
  /** Pushes the base of an address: local `l`, or the absolute address 0 when l < 0. */
  base(l: number): this {
    this.marks.push(this.length, 0, l, 0);
    return this;
  }
  override load(offset: number): this {
    this.marks.push(this.length, 1, S.load, offset);
    return this;
  }
  override store(offset: number): this {
    this.marks.push(this.length, 1, S.store, offset);
    return this;
  }
  fragment(shapes: ShapeTable, clean: boolean): Fragment {
    const raw = this.buf.slice(0, this.length);
    return { raw, marks: this.marks, shape: shapes.shapeOf(raw, this.marks, clean), clean };
  }
}

/**
 * lanesIn (into true) or lanesOut (see StepKernel): parameters lanes, chunkStride, rows, rowStride, n,
 * members, count. Whole chunks four networks at a time: the first 4·⌊n / 4⌋ values of the four rows as 4 × 4
 * transposes (a v128 load per row, shuffles, a v128 store per slot; out: the reverse), the rest four scalar
 * loads into one v128 (or one v128 out to four scalar stores); a last partial chunk network by network.
 * Locals: 7 j / c, 8 x, 9 d, 10 s, 11–14 the chunk's four rows, 15 the whole chunks, 16 n rounded down to a
 * multiple of 4; v128 17–20 the transpose's rows.
 */
function lanesBody(into: boolean): Body {
  const b = new Body();
  const [lanes, cs, rows, rs, n, members, count, j, x, d, s] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [r0, whole, n4] = [11, 15, 16];
  const quad = [17, 18, 19, 20];
  const rowOf = (member: () => void, to: number): void => {
    b.localGet(rows);
    member();
    b.localGet(rs).op(I32_MUL).op(I32_ADD).localSet(to);
  };
  const laneAt = (): Body => b.localGet(d).localGet(x).i32(4).op(I32_SHL).op(I32_ADD);
  const rowAt = (row: number): Body => b.localGet(row).localGet(x).i32(2).op(I32_SHL).op(I32_ADD);
  b.localGet(count).i32(2).op(I32_SHR_U).localSet(whole);
  b.localGet(n).i32(-4).op(I32_AND).localSet(n4);
  b.forLoop(j, whole, () => {
    b.localGet(lanes).localGet(j).localGet(cs).op(I32_MUL).op(I32_ADD).localSet(d);
    for (let l = 0; l < 4; l++) rowOf(() => b.localGet(members).localGet(j).i32(4).op(I32_SHL).op(I32_ADD).loadI32(4 * l), r0 + l);
    // four values of each row at a time: x = 0, 4, … < n4
    b.i32(0).localSet(x);
    b.byte(0x02).byte(VOID).byte(0x03).byte(VOID);
    b.localGet(x).localGet(n4).op(I32_GE_U).byte(0x0d).u32(1);
    moveQuad(b, into, quad, (l) => rowAt(r0 + l), laneAt);
    b.localGet(x).i32(4).op(I32_ADD).localSet(x);
    b.byte(0x0c).u32(0);
    b.byte(END).byte(END);
    // the rest one value of each row at a time
    b.whileBelow(x, n, () => {
      if (into) {
        laneAt();
        rowAt(r0).loadF32().simd(S.splat);
        for (let l = 1; l < 4; l++) rowAt(r0 + l).loadF32().simd(S.replaceLane).byte(l);
        b.store(0);
      } else {
        for (let l = 0; l < 4; l++) rowAt(r0 + l).localGet(d).localGet(x).i32(4).op(I32_SHL).op(I32_ADD).load(0).simd(S.extractLane).byte(l).storeF32();
      }
    });
  });
  b.localGet(whole).i32(2).op(I32_SHL).localSet(j);
  b.whileBelow(j, count, () => {
    b.localGet(lanes).localGet(j).i32(2).op(I32_SHR_U).localGet(cs).op(I32_MUL).op(I32_ADD);
    b.localGet(j).i32(3).op(I32_AND).i32(2).op(I32_SHL).op(I32_ADD).localSet(d);
    rowOf(() => b.localGet(members).localGet(j).i32(2).op(I32_SHL).op(I32_ADD).loadI32(), s);
    b.forLoop(x, n, () => {
      if (into) {
        laneAt();
        rowAt(s).loadF32();
      } else {
        rowAt(s);
        laneAt().loadF32();
      }
      b.storeF32();
    });
  });
  return b;
}

/**
 * forwardChunks(count, params, dParams, state, dState, obs, dObs, noise, dNoise, out, dOut, stateOut,
 * dStateOut, reg, dReg): forward (function 2) for `count` chunks, each pointer advanced by its stride;
 * local 15 the chunk.
 */
function forwardChunksBody(): Body {
  const b = new Body();
  const i = 15;
  b.forLoop(i, 0, () => {
    for (let a = 0; a < 7; a++) b.localGet(1 + 2 * a).localGet(i).localGet(2 + 2 * a).op(I32_MUL).op(I32_ADD);
    b.call(2);
  });
  return b;
}

/**
 * backwardSteps(steps, params, state, dState, obs, dObs, noise, dNoise, outAdj, dOutAdj, adjA, adjB, grad,
 * reg, dReg): backward (function 3) for steps steps − 1 … 0 of one chunk, step t's pointers advanced t
 * strides, the state adjoint passed from step to step through adjA and adjB (which swap after every step);
 * locals 15 t, 16 the swap.
 */
function backwardStepsBody(): Body {
  const b = new Body();
  const [t, swap] = [15, 16];
  b.localGet(0).localSet(t);
  b.byte(0x02).byte(0x40).byte(0x03).byte(0x40);
  b.localGet(t).op(I32_EQZ).byte(0x0d).u32(1);
  b.localGet(t).i32(1).op(I32_SUB).localSet(t);
  b.localGet(1);
  for (const [at, stride] of [[2, 3], [4, 5], [6, 7], [8, 9]]) b.localGet(at).localGet(t).localGet(stride).op(I32_MUL).op(I32_ADD);
  b.localGet(10).localGet(11).localGet(12);
  b.localGet(13).localGet(t).localGet(14).op(I32_MUL).op(I32_ADD);
  b.call(3);
  b.localGet(10).localSet(swap).localGet(11).localSet(10).localGet(swap).localSet(11);
  b.byte(0x0c).u32(0).byte(0x0b).byte(0x0b);
  return b;
}

/** i8x16.shuffle byte indices: i32 lanes [0, 4, 1, 5] / [2, 6, 3, 7] of two vectors; i64 lanes [0, 2] / [1, 3]. */
const SHUFFLE_LOW_PAIRS = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const SHUFFLE_HIGH_PAIRS = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
const SHUFFLE_EVEN_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const SHUFFLE_ODD_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/**
 * Pushes column k of the 4 × 4 float32 matrix whose rows are the v128 locals rows[0 … 3] (lane l of the
 * result = lane k of row l): two shuffles pair the rows' lanes, a third takes the column's halves.
 */
function transposedColumn(b: Body, rows: readonly number[], k: number): void {
  const pairs = k < 2 ? SHUFFLE_LOW_PAIRS : SHUFFLE_HIGH_PAIRS;
  b.localGet(rows[0]).localGet(rows[1]).simd(S.shuffle).bytes(pairs);
  b.localGet(rows[2]).localGet(rows[3]).simd(S.shuffle).bytes(pairs);
  b.simd(S.shuffle).bytes(k % 2 === 0 ? SHUFFLE_EVEN_HALVES : SHUFFLE_ODD_HALVES);
}

/**
 * Four values of each of a chunk's four rows into its four lane slots (into) or back: `rowAt(l)` pushes the
 * address of row l's first value, `laneAt()` that of the first slot (the others 16 bytes apart); the v128
 * locals `quad` hold the four loaded vectors while they are transposed.
 */
function moveQuad(b: Body, into: boolean, quad: readonly number[], rowAt: (l: number) => void, laneAt: () => void): void {
  if (into) {
    for (let l = 0; l < 4; l++) {
      rowAt(l);
      b.load(0).localSet(quad[l]);
    }
    for (let k = 0; k < 4; k++) {
      laneAt();
      transposedColumn(b, quad, k);
      b.store(k * SLOT);
    }
    return;
  }
  for (let k = 0; k < 4; k++) {
    laneAt();
    b.load(k * SLOT).localSet(quad[k]);
  }
  for (let l = 0; l < 4; l++) {
    rowAt(l);
    transposedColumn(b, quad, l);
    b.store(0);
  }
}

/**
 * paramsIn (into true) or paramsOut: parameters lanes, chunkStride, members, count, np, table. Whole chunks
 * four networks at a time: where the table's flag byte of slot i (at table + 8·np + i) is set, slots i … i+3
 * are four consecutive floats of every network's row (one tensor, consecutive offsets), moved as a 4 × 4
 * transpose (a v128 load per network, shuffles, a v128 store per slot; out: the reverse); elsewhere one slot,
 * four scalar loads into one v128 (or one v128 out to four scalar stores). The networks of a last partial
 * chunk one by one. Locals: 6 j / c, 7 i, 8 d, 9 t, 10 m, 11–14 the chunk's four members, 15 the whole chunks,
 * 16 the entry's address, 17 the bytes between networks, 18 the flags; v128 19–22 the transpose's rows.
 */
function paramsBody(into: boolean): Body {
  const b = new Body();
  const [lanes, cs, members, count, np, table, j, i, d, t, m] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [m0, whole, at, rs, flags] = [11, 15, 16, 17, 18];
  const rows = [19, 20, 21, 22];
  const laneAt = (): Body => b.localGet(d).localGet(i).i32(4).op(I32_SHL).op(I32_ADD);
  const entry = (): void => {
    b.localGet(table).localGet(i).i32(3).op(I32_SHL).op(I32_ADD).localSet(t);
    b.localGet(t).loadI32().localSet(at);
    b.localGet(t).loadI32(4).localSet(rs);
  };
  const valueAt = (member: number): Body => b.localGet(at).localGet(member).localGet(rs).op(I32_MUL).op(I32_ADD);
  b.localGet(count).i32(2).op(I32_SHR_U).localSet(whole);
  b.localGet(table).localGet(np).i32(3).op(I32_SHL).op(I32_ADD).localSet(flags);
  b.forLoop(j, whole, () => {
    b.localGet(lanes).localGet(j).localGet(cs).op(I32_MUL).op(I32_ADD).localSet(d);
    for (let l = 0; l < 4; l++) b.localGet(members).localGet(j).i32(4).op(I32_SHL).op(I32_ADD).loadI32(4 * l).localSet(m0 + l);
    b.i32(0).localSet(i);
    // block { loop { if (i ≥ np) break; if (flag[i]) { four slots; i += 4 } else { one slot; i += 1 } } }
    b.byte(0x02).byte(VOID).byte(0x03).byte(VOID);
    b.localGet(i).localGet(np).op(I32_GE_U).byte(0x0d).u32(1);
    b.localGet(flags).localGet(i).op(I32_ADD).byte(I32_LOAD8_U).u32(0).u32(0);
    b.byte(IF).byte(VOID);
    entry();
    moveQuad(b, into, rows, (l) => valueAt(m0 + l), laneAt);
    b.localGet(i).i32(4).op(I32_ADD).localSet(i);
    b.byte(ELSE);
    entry();
    if (into) {
      laneAt();
      valueAt(m0).loadF32().simd(S.splat);
      for (let l = 1; l < 4; l++) valueAt(m0 + l).loadF32().simd(S.replaceLane).byte(l);
      b.store(0);
    } else {
      for (let l = 0; l < 4; l++) valueAt(m0 + l).localGet(d).localGet(i).i32(4).op(I32_SHL).op(I32_ADD).load(0).simd(S.extractLane).byte(l).storeF32();
    }
    b.localGet(i).i32(1).op(I32_ADD).localSet(i);
    b.byte(END);
    b.byte(0x0c).u32(0);
    b.byte(END).byte(END);
  });
  // the last partial chunk, network by network (j continues from 4·whole)
  b.localGet(whole).i32(2).op(I32_SHL).localSet(j);
  b.whileBelow(j, count, () => {
    b.localGet(lanes).localGet(j).i32(2).op(I32_SHR_U).localGet(cs).op(I32_MUL).op(I32_ADD);
    b.localGet(j).i32(3).op(I32_AND).i32(2).op(I32_SHL).op(I32_ADD).localSet(d);
    b.localGet(members).localGet(j).i32(2).op(I32_SHL).op(I32_ADD).loadI32().localSet(m);
    b.forLoop(i, np, () => {
      entry();
      if (into) {
        laneAt();
        valueAt(m).loadF32();
      } else {
        valueAt(m);
        laneAt().loadF32();
      }
      b.storeF32();
    });
  });
  return b;
}

const LN2_HI = 0.693359375;
const LN2_LO = Math.fround(Math.LN2 - LN2_HI);

/** exp (minusOne false) or e^x − 1 (true) of the v128 in local 0; locals 1–3 are v128 scratch. */
function expBody(minusOne: boolean): Body {
  const b = new Body();
  b.localGet(0);
  emitExp(b, [0, 1, 2, 3], minusOne);
  return b;
}

/**
 * exp (minusOne false) or e^x − 1 (true) of the v128 on the stack, inline (locals x, n, q, s: v128 scratch):
 * n = nearest(x·log2 e), r = x − n·ln 2 in two parts, e^r − 1 by a degree-7 Horner polynomial, 2^n from the
 * exponent bits.
 */
function emitExp(b: Body, [x, n, q, s]: readonly number[], minusOne: boolean): void {
  b.localSet(x);
  // x ← clamp(x); n ← nearest(x·log2 e)
  b.localGet(x).splat(-87.3).simd(S.max).splat(88.3).simd(S.min).localSet(x);
  b.localGet(x).splat(Math.LOG2E).simd(S.mul).simd(S.nearest).localSet(n);
  // r ← x − n·ln2_hi − n·ln2_lo (into x)
  b.localGet(x).localGet(n).splat(LN2_HI).simd(S.mul).simd(S.sub).localGet(n).splat(LN2_LO).simd(S.mul).simd(S.sub).localSet(x);
  // q ← r·(1 + r·(1/2 + r·(1/6 + … + r/5040))) by Horner from the highest coefficient
  const coef = [1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];
  b.splat(coef[6]);
  for (let k = 5; k >= 0; k--) b.localGet(x).simd(S.mul).splat(coef[k]).simd(S.add);
  b.localGet(x).simd(S.mul).localSet(q);
  // s ← 2^n from the exponent bits
  b.localGet(n).simd(S.truncSat).splatI32(127).simd(S.i32add).i32(23).simd(S.i32shl).localSet(s);
  // q·s + s (exp) or q·s + (s − 1)
  b.localGet(q).localGet(s).simd(S.mul).localGet(s);
  if (minusOne) b.splat(1).simd(S.sub);
  b.simd(S.add);
}

/**
 * ln of the v128 on the stack, inline (locals x, e, m, s: v128 scratch). x = m·2^e with m in [√½, √2),
 * ln m = 2·atanh(s) = 2s + 2s³/3 + 2s⁵/5 + 2s⁷/7 + 2s⁹/9 (s = (m − 1)/(m + 1), |s| ≤ 0.172: truncation
 * below 3e-9 relative), plus e·ln 2 in two parts; ln 0 = −∞, ln of a negative or NaN is NaN, ln ∞ = ∞.
 * Subnormal inputs are not exact.
 */
function emitLog(b: Body, [x, e, m, s]: readonly number[]): void {
  b.localSet(x);
  b.localGet(x).splatI32(0x7fffff).simd(S.and).splatI32(0x3f800000).simd(S.or).localSet(m);
  b.localGet(x).i32(23).simd(S.i32shrU).splatI32(127).simd(S.i32sub).simd(S.convertI32).localSet(e);
  // m > √2: halve m, e + 1
  b.localGet(m).splat(Math.SQRT2).simd(S.f32gt).localSet(s);
  b.localGet(m).splat(0.5).simd(S.mul).localGet(m).localGet(s).simd(S.bitselect).localSet(m);
  b.localGet(e).localGet(s).splat(1).simd(S.and).simd(S.add).localSet(e);
  // s ← (m − 1)/(m + 1), z = s² (recomputed), ln m = s·(2 + z·(2/3 + z·(2/5 + z·(2/7 + z·2/9))))
  b.localGet(m).splat(1).simd(S.sub).localGet(m).splat(1).simd(S.add).simd(S.div).localSet(s);
  b.splat(2 / 9);
  for (const c of [2 / 7, 2 / 5, 2 / 3, 2]) b.localGet(s).localGet(s).simd(S.mul).simd(S.mul).splat(c).simd(S.add);
  b.localGet(s).simd(S.mul);
  b.localGet(e).splat(LN2_LO).simd(S.mul).simd(S.add).localGet(e).splat(LN2_HI).simd(S.mul).simd(S.add).localSet(m);
  // the special values
  b.splat(-Infinity).localGet(m).localGet(x).splat(0).simd(S.f32eq).simd(S.bitselect);
  b.splat(Number.NaN).localGet(x).splat(0).simd(S.f32ge).simd(S.bitselect);
  b.localSet(m).localGet(x).localGet(m).localGet(x).splat(Infinity).simd(S.f32eq).simd(S.bitselect);
}


/**
 * Ops whose value stays on the wasm operand stack for the next op instead of a round trip through memory:
 * single-use values that the next op reads first and whose backward needs neither value (sum chains of a
 * matrix product: c + a·b, a + b, a − b). In the backward pass their adjoint is the next op's, so it stays
 * in a local too.
 */
export function stackResident(p: StepProgram): Uint8Array {
  const base = inputCount(p.inputs);
  const n = opCount(p);
  const uses = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const op = p.ops[4 * k];
    for (let j = 0; j < ARITY[op]; j++) {
      const r = p.ops[4 * k + 1 + j];
      if (r >= base) uses[r - base]++;
    }
  }
  for (const r of p.outputs) if (r >= base) uses[r - base] += 2;
  for (const r of p.nextState) if (r >= base) uses[r - base] += 2;
  const on = new Uint8Array(n);
  const needsOwnValue = new Set<number>([OP.const, OP.div, OP.tanh, OP.sigmoid, OP.exp, OP.sqrt]);
  for (let k = 0; k + 1 < n; k++) {
    if (uses[k] !== 1 || needsOwnValue.has(p.ops[4 * k])) continue;
    const next = p.ops[4 * (k + 1)];
    const r = base + k;
    if ((next === OP.fma && p.ops[4 * (k + 1) + 3] === r) || ((next === OP.add || next === OP.sub) && p.ops[4 * (k + 1) + 1] === r)) on[k] = 1;
  }
  return on;
}

/** A run of ops [from, to) that exists only for the products with the weights of parameter tensor `tensor`. */
export interface GatedRegion {
  readonly from: number;
  readonly to: number;
  readonly tensor: number;
}

/**
 * The ops that only exist because of one parameter tensor's weights: sum chains (a·w, then c + a·w … with
 * the running sum on the operand stack) whose every product has a weight of tensor t as an operand, each
 * ending in a value that goes through memory (one matrix product with a weight tensor: one chain per
 * output); consecutive chains of one tensor (constants between them emit no code) form one region. When all
 * of a chunk's lanes hold tensor t at exactly zero, every such chain is ±0 (a sum of products with exact
 * zeros, inputs finite) and its backward adds ±0 to the other operands' adjoints and g·x to the tensor's
 * gradient slots, which the population fixes at zero: the emitted code skips the region then (forward: its
 * chain values are stored as +0; backward: nothing). Only tensors 0 … 31 are gated (one i32 bit each).
 * Empty when the program does not know its parameter tensors.
 */
export function gatedRegions(p: StepProgram): GatedRegion[] {
  const tensors = p.tensors;
  if (!tensors || tensors.length === 0) return [];
  const base = inputCount(p.inputs);
  const n = opCount(p);
  const NP = p.inputs.params;
  const onStack = stackResident(p);
  const tensorOf = (r: number): number => {
    if (r < 0 || r >= NP) return -1;
    let t = 0;
    while (t + 1 < tensors.length && tensors[t + 1] <= r) t++;
    return t < 32 ? t : -1;
  };
  const weightOf = (k: number): number => {
    const b = tensorOf(p.ops[4 * k + 2]);
    return b >= 0 ? b : tensorOf(p.ops[4 * k + 1]);
  };
  /** The chain starting at op k: [k, end) and its tensor, or null. */
  const chainAt = (k: number): { end: number; tensor: number } | null => {
    if (k >= n || p.ops[4 * k] !== OP.mul) return null;
    const t = weightOf(k);
    if (t < 0) return null;
    let j = k;
    while (j + 1 < n && onStack[j] && p.ops[4 * (j + 1)] === OP.fma && p.ops[4 * (j + 1) + 3] === base + j && weightOf(j + 1) === t) j++;
    if (onStack[j]) return null; // the chain's value goes on into another op on the operand stack
    return { end: j + 1, tensor: t };
  };
  const regions: GatedRegion[] = [];
  for (let k = 0; k < n; ) {
    const chain = chainAt(k);
    if (!chain) {
      k++;
      continue;
    }
    let end = chain.end;
    for (;;) {
      let j = end;
      while (j < n && p.ops[4 * j] === OP.const) j++;
      const next = chainAt(j);
      if (!next || next.tensor !== chain.tensor) break;
      end = next.end;
    }
    regions.push({ from: k, to: end, tensor: chain.tensor });
    k = end;
  }
  return regions;
}

/** How `emitWasm` writes the forward and backward functions. */
export interface EmitOptions {
  /**
   * A function whose straight-line body has at least this many bytes gets its repeated runs written as loops
   * (wasm-roll.ts: the same float operations in the same order, so the same bits); Infinity: never.
   */
  readonly rollAbove?: number;
  /** Periods and run sizes that roll (default ROLL_DEFAULTS). */
  readonly roll?: RollOptions;
}

/**
 * Straight-line bytes from which the forward and the backward roll by default: 6 kB of wasm is about 12 kB of
 * machine code, so both fit a 32 kB instruction cache beside the rest of the step's code (measured: FC's
 * rate per parameter drops by a third from H = 4 to H = 8, where the backward alone outgrows it).
 */
export const ROLL_ABOVE = 6144;

/**
 * The WebAssembly module of `p` (bytes), and the bytes its kernel reserves at the start of memory (the
 * adjoints), which are also the bytes of one step's registers: one 16-byte slot per op whose value goes
 * through memory.
 */
export function emitWasm(p: StepProgram, opts: EmitOptions = {}): { bytes: Uint8Array; reserved: number } {
  const rollAbove = opts.rollAbove ?? ROLL_ABOVE;
  const base = inputCount(p.inputs);
  const n = opCount(p);
  const { params: NP, state: NS, obs: NI } = p.inputs;
  const ADJ = 0;
  const onStack = stackResident(p);
  // a slot (value in the registers, adjoint in the reserved area) only for ops whose value goes through
  // memory: not constants (inlined) and not values kept on the operand stack
  const slotOf = new Int32Array(n);
  let slots = 0;
  for (let k = 0; k < n; k++) slotOf[k] = p.ops[4 * k] === OP.const || onStack[k] ? -1 : slots++;
  const reserved = slots * SLOT;
  const active = activeReferences(p);
  const isConst = (r: number): boolean => r >= base && p.ops[4 * (r - base)] === OP.const;
  const shapes = new ShapeTable();
  // the gated regions: region index per op (−1: none)
  const regions = gatedRegions(p);
  const regionOf = new Int32Array(n).fill(-1);
  regions.forEach((g, i) => regionOf.fill(i, g.from, g.to));
  /** Fragments written in a row: ungated (region −1), or one gated region's with the forward's zero stores. */
  interface Segment {
    readonly region: number;
    readonly frags: Fragment[];
    readonly zeros: Fragment[];
  }
  const segmentFor = (segs: Segment[], region: number): Segment => {
    const last = segs[segs.length - 1];
    if (last && last.region === region) return last;
    const seg: Segment = { region, frags: [], zeros: [] };
    segs.push(seg);
    return seg;
  };
  /**
   * Loads the chunk's gate mask into i32 local `mask`: the word at maskBase + 4·(params − paramsBase) / chunkStride,
   * or 0 when maskBase is 0 (no masks: every region runs).
   */
  const loadMask = (body: Body, mask: number): void => {
    if (regions.length === 0) return;
    body.byte(GLOBAL_GET).u32(0).localTee(mask).byte(IF).byte(I32);
    body.localGet(mask).localGet(0).byte(GLOBAL_GET).u32(1).op(I32_SUB).byte(GLOBAL_GET).u32(2).op(I32_DIV_U).i32(2).op(I32_SHL).op(I32_ADD).loadI32();
    body.byte(ELSE).i32(0).byte(END).localSet(mask);
  };

  // operand r: [local holding the base, offset]; computed values are relative to the `reg` local
  const addr = (r: number, reg: number): [number, number] => {
    if (r >= base) return [reg, slotOf[r - base] * SLOT];
    if (r < NP) return [0, r * SLOT];
    if (r < NP + NS) return [1, (r - NP) * SLOT];
    if (r < NP + NS + NI) return [2, (r - NP - NS) * SLOT];
    return [3, (r - NP - NS - NI) * SLOT];
  };

  /** The forward ops into the registers at local `reg` (tmp: a v128 local), one fragment per op. */
  // the forward's v128 locals 8–11: scratch of log and of the inline exp
  const logLocals = [8, 9, 10, 11];
  const forwardOps = (segs: Segment[], reg: number, tmp: number): void => {
    for (let k = 0; k < n; k++) {
      const op = p.ops[4 * k];
      if (op === OP.const) continue;
      const seg = segmentFor(segs, regionOf[k]);
      if (seg.region >= 0 && !onStack[k]) seg.zeros.push(new Frag().base(reg).splat(0).store(slotOf[k] * SLOT).fragment(shapes, true));
      const b = new Frag();
      const load = (r: number): Frag => {
        if (isConst(r)) return b.splat(p.constants[r - base]);
        const a = addr(r, reg);
        return b.base(a[0]).load(a[1]);
      };
      const [ra, rb, rc] = [p.ops[4 * k + 1], p.ops[4 * k + 2], p.ops[4 * k + 3]];
      const chained = k > 0 && onStack[k - 1] === 1;
      if (!chained) b.base(reg); // the address of the store that ends this chain
      const first = (r: number): void => void (chained ? b : load(r));
      switch (op) {
        case OP.add: first(ra); load(rb).simd(S.add); break;
        case OP.sub: first(ra); load(rb).simd(S.sub); break;
        case OP.mul: load(ra); load(rb).simd(S.mul); break;
        case OP.div: load(ra); load(rb).simd(S.div); break;
        case OP.max: load(ra); load(rb).simd(S.max); break;
        case OP.min: load(ra); load(rb).simd(S.min); break;
        case OP.fma: first(rc); load(ra); load(rb).simd(S.mul).simd(S.add); break;
        case OP.neg: load(ra).simd(S.neg); break;
        case OP.abs: load(ra).simd(S.abs); break;
        case OP.sqrt: load(ra).simd(S.sqrt); break;
        case OP.tanh: load(ra).splat(2).simd(S.mul); emitExp(b, logLocals, true); b.localTee(tmp).localGet(tmp).splat(2).simd(S.add).simd(S.div); break;
        case OP.sigmoid: b.splat(1); load(ra).simd(S.neg); emitExp(b, logLocals, false); b.splat(1).simd(S.add).simd(S.div); break;
        case OP.relu: load(ra).splat(0).simd(S.max); break;
        case OP.exp: load(ra); emitExp(b, logLocals, false); break;
        case OP.log: load(ra); emitLog(b, logLocals); break;
        default: load(ra); // stop
      }
      if (!onStack[k]) b.store(slotOf[k] * SLOT);
      seg.frags.push(b.fragment(shapes, !chained));
    }
  };
  /**
   * Writes the segments, each plain or rolled when the whole function is long; a gated region runs under
   * `if` on its tensor's bit of the mask in local `mask` (forward: the set bit stores its chains' values as
   * +0, else computes them; backward: the set bit skips it). Returns the i32 locals from firstLocal on that loops use.
   */
  const write = (body: Body, segs: Segment[], firstLocal: number, mask: number, forward: boolean): number => {
    const size = (frags: Fragment[]): number => frags.reduce((s, f) => s + f.raw.length + (3 * f.marks.length) / 4, 0);
    const plain = segs.reduce((s, seg) => s + size(seg.frags), 0);
    const roll = plain < rollAbove ? { maxPeriod: 0, minRunBytes: Infinity } : (opts.roll ?? ROLL_DEFAULTS);
    let locals = 0;
    for (const seg of segs) {
      if (seg.region < 0) {
        locals = Math.max(locals, emitRolled(body, seg.frags, firstLocal, roll));
        continue;
      }
      body.localGet(mask).i32(1 << regions[seg.region].tensor).op(I32_AND);
      if (forward) {
        body.byte(IF).byte(VOID);
        locals = Math.max(locals, emitRolled(body, seg.zeros, firstLocal, roll));
        body.byte(ELSE);
      } else {
        body.op(I32_EQZ).byte(IF).byte(VOID);
      }
      locals = Math.max(locals, emitRolled(body, seg.frags, firstLocal, roll));
      body.byte(END);
    }
    return locals;
  };

  // forward(params, state, obs, noise, out, stateOut, reg); local 7: v128 tmp; 8–11 log's scratch; 12 the
  // gate mask; 13… loops
  const fwd = new Body();
  const fwdSegs: Segment[] = [];
  loadMask(fwd, 12);
  forwardOps(fwdSegs, 6, 7);
  const fwdFrags = segmentFor(fwdSegs, -1).frags;
  const copy = (refs: Int32Array, local: number): void => {
    refs.forEach((r, j) => {
      const b = new Frag().base(local);
      if (isConst(r)) b.splat(p.constants[r - base]);
      else {
        const a = addr(r, 6);
        b.base(a[0]).load(a[1]);
      }
      b.store(j * SLOT);
      fwdFrags.push(b.fragment(shapes, true));
    });
  };
  copy(p.outputs, 4);
  copy(p.nextState, 5);
  const fwdLoops = write(fwd, fwdSegs, 13, 12, true);

  // backward(params, state, obs, noise, outAdj, stateAdjIn, stateAdjOut, grad, reg) over the registers the
  // forward left at `reg`; local 9: g; 10 the gate mask; 11… loops
  const bwd = new Body();
  const bwdSegs: Segment[] = [];
  let bwdFrags = segmentFor(bwdSegs, -1).frags;
  const REG = 8;
  const G = 9;
  if (slots > 0) bwd.i32(ADJ).i32(0).i32(slots * SLOT).fill();
  if (NS > 0) bwd.localGet(6).i32(0).i32(NS * SLOT).fill();
  loadMask(bwd, 10);
  /** Adjoint slot of r: [local or -1 for absolute, offset], or null when r has none. */
  const adjAddr = (r: number): [number, number] | null => {
    if (!active[r]) return null;
    if (r >= base) return [-1, ADJ + slotOf[r - base] * SLOT];
    if (r < NP) return [7, r * SLOT];
    if (r < NP + NS) return [6, (r - NP) * SLOT];
    return null;
  };
  let f = new Frag();
  const load = (b: Frag, r: number): Frag => {
    if (isConst(r)) return b.splat(p.constants[r - base]);
    const a = addr(r, REG);
    return b.base(a[0]).load(a[1]);
  };
  /** adj(r) ← adj(r) ± (what `term` pushes). */
  const accumulate = (r: number, term: (b: Frag) => void, subtract = false): void => {
    if (r >= base && onStack[r - base]) return; // its adjoint is this op's: it stays in g
    const a = adjAddr(r);
    if (!a) return;
    f.base(a[0]);
    f.base(a[0]).load(a[1]);
    term(f);
    f.simd(subtract ? S.sub : S.add).store(a[1]);
  };
  const done = (): void => {
    bwdFrags.push(f.fragment(shapes, true));
    f = new Frag();
  };
  const g = (b: Frag): Frag => b.localGet(G);
  const y = (k: number) => (b: Frag): Frag => b.base(REG).load(slotOf[k] * SLOT);
  const seed = (refs: Int32Array, local: number): void => {
    refs.forEach((r, j) => {
      accumulate(r, (b) => b.base(local).load(j * SLOT));
      done();
    });
  };
  seed(p.outputs, 4);
  seed(p.nextState, 5);
  for (let k = n - 1; k >= 0; k--) {
    if (!active[base + k]) continue;
    bwdFrags = segmentFor(bwdSegs, regionOf[k]).frags;
    const op = p.ops[4 * k];
    const [ra, rb, rc] = [p.ops[4 * k + 1], p.ops[4 * k + 2], p.ops[4 * k + 3]];
    if (!onStack[k]) f.base(-1).load(ADJ + slotOf[k] * SLOT).localSet(G);
    const la = (b: Frag): Frag => load(b, ra);
    const lb = (b: Frag): Frag => load(b, rb);
    switch (op) {
      case OP.add:
        accumulate(ra, g);
        accumulate(rb, g);
        break;
      case OP.sub:
        accumulate(ra, g);
        accumulate(rb, g, true);
        break;
      case OP.mul:
        accumulate(ra, (b) => lb(g(b)).simd(S.mul));
        accumulate(rb, (b) => la(g(b)).simd(S.mul));
        break;
      case OP.fma:
        accumulate(ra, (b) => lb(g(b)).simd(S.mul));
        accumulate(rb, (b) => la(g(b)).simd(S.mul));
        accumulate(rc, g);
        break;
      case OP.div:
        accumulate(ra, (b) => lb(g(b)).simd(S.div));
        accumulate(rb, (b) => lb(y(k)(g(b)).simd(S.mul)).simd(S.div), true);
        break;
      case OP.max:
      case OP.min: {
        const cmp = op === OP.max ? S.f32ge : S.f32le;
        accumulate(ra, (b) => lb(la(g(b))).simd(cmp).simd(S.and));
        accumulate(rb, (b) => lb(la(g(b))).simd(cmp).simd(S.andnot));
        break;
      }
      case OP.neg:
        accumulate(ra, g, true);
        break;
      case OP.tanh:
        accumulate(ra, (b) => y(k)(y(k)(g(b).splat(1))).simd(S.mul).simd(S.sub).simd(S.mul));
        break;
      case OP.sigmoid:
        accumulate(ra, (b) => y(k)(y(k)(g(b)).simd(S.mul).splat(1)).simd(S.sub).simd(S.mul));
        break;
      case OP.relu:
        accumulate(ra, (b) => la(g(b)).splat(0).simd(S.f32gt).simd(S.and));
        break;
      case OP.exp:
        accumulate(ra, (b) => y(k)(g(b)).simd(S.mul));
        break;
      case OP.abs:
        accumulate(ra, (b) => la(g(g(b)).simd(S.neg)).splat(0).simd(S.f32gt).simd(S.bitselect));
        break;
      case OP.sqrt:
        accumulate(ra, (b) => y(k)(g(b)).splat(2).simd(S.mul).simd(S.div));
        break;
      case OP.log:
        accumulate(ra, (b) => la(g(b)).simd(S.div));
        break;
      default:
        break;
    }
    done();
  }
  const bwdLoops = write(bwd, bwdSegs, 11, 10, false);
  const m = new Bytes();
  m.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, content: Bytes): void => {
    m.byte(id).u32(content.length).bytes(content.buf.subarray(0, content.length));
  };
  const types = new Bytes().u32(5);
  types.byte(0x60).u32(1).byte(V128).u32(1).byte(V128);
  types.byte(0x60).u32(7).bytes(new Array(7).fill(I32)).u32(0);
  types.byte(0x60).u32(9).bytes(new Array(9).fill(I32)).u32(0);
  types.byte(0x60).u32(6).bytes(new Array(6).fill(I32)).u32(0);
  types.byte(0x60).u32(15).bytes(new Array(15).fill(I32)).u32(0);
  section(1, types);
  const name = (b: Bytes, s: string): Bytes => b.u32(s.length).bytes(Array.from(s, (c) => c.charCodeAt(0)));
  const imports = new Bytes().u32(1);
  name(name(imports, 'env'), 'memory').byte(0x02).byte(0x00).u32(Math.ceil(reserved / 65536) + 1);
  section(2, imports);
  section(3, new Bytes().u32(10).u32(0).u32(0).u32(1).u32(2).u32(1).u32(1).u32(3).u32(3).u32(4).u32(4));
  const globals = new Bytes().u32(GATE_GLOBALS.length);
  for (let i = 0; i < GATE_GLOBALS.length; i++) globals.byte(I32).byte(0x01).byte(0x41).byte(0x00).byte(END);
  section(6, globals);
  const exports = new Bytes().u32(8 + GATE_GLOBALS.length);
  GATE_GLOBALS.forEach((g, i) => name(exports, g).byte(0x03).u32(i));
  name(exports, 'backwardSteps').byte(0x00).u32(9);
  name(exports, 'forwardChunks').byte(0x00).u32(8);
  name(exports, 'forward').byte(0x00).u32(2);
  name(exports, 'backward').byte(0x00).u32(3);
  name(exports, 'lanesIn').byte(0x00).u32(4);
  name(exports, 'lanesOut').byte(0x00).u32(5);
  name(exports, 'paramsIn').byte(0x00).u32(6);
  name(exports, 'paramsOut').byte(0x00).u32(7);
  section(7, exports);
  const code = new Bytes().u32(10);
  const fn = (locals: [number, number][], body: Body): void => {
    const f = new Bytes().u32(locals.length);
    for (const [count, type] of locals) f.u32(count).byte(type);
    f.bytes(body.buf.subarray(0, body.length)).byte(0x0b);
    code.u32(f.length).bytes(f.buf.subarray(0, f.length));
  };
  fn([[3, V128]], expBody(false));
  fn([[3, V128]], expBody(true));
  fn([[5, V128], [1 + fwdLoops, I32]], fwd);
  fn([[1, V128], [1 + bwdLoops, I32]], bwd);
  fn([[10, I32], [4, V128]], lanesBody(true));
  fn([[10, I32], [4, V128]], lanesBody(false));
  fn([[13, I32], [4, V128]], paramsBody(true));
  fn([[13, I32], [4, V128]], paramsBody(false));
  fn([[1, I32]], forwardChunksBody());
  fn([[2, I32]], backwardStepsBody());
  section(10, code);
  return { bytes: m.done(), reserved };
}
