import { programHash } from './compile.js';
import type { StepProgram } from './program.js';
import { simdAvailable } from './simd-support.js';
import { dynamicReferences, tangentInputs, tangentPlan, type TangentPlan } from './tangent-plan.js';
import { Body, Bytes } from './wasm-emit.js';

/*
 * The tangent half of a program's float64 Jacobian (jacobian-emit.ts) in WebAssembly SIMD: two columns per
 * f64x2 lane pair. The primal values V and the step's coefficients (the hoisted expressions of V that the
 * JavaScript tangent functions bind before their loop) are still computed in JavaScript, once per step — the
 * latter by an emitted `coef(V, K)` into K, the first float64s of the module's memory. One exported function
 * then does the step's whole tangent work:
 *
 *   step(t, e, x, j, r)  carry: the t·I columns of the earlier inputs s_τ (τ < t) through the step, their state
 *                        tangents in place at x; fresh: the I columns of s_t, their unit input tangents read from
 *                        the identity table at e; every column's output tangents to j; then, for τ = 0 … t,
 *                        ‖∂o_t/∂s_τ‖_F into the float64 at r + 8·(t − τ).
 *
 * Column c lives in pair c >> 1, lane c & 1: its state tangent element i at x + 16·(S·(c >> 1) + i) + 8·(c & 1),
 * its output a at j + 16·(O·(c >> 1) + a) + 8·(c & 1). I = 4·channels is even, so a step's columns fill whole
 * pairs. Every tangent is the same sum of the same products in the same order as the JavaScript functions
 * compute it (f64x2 arithmetic rounds each lane as float64 does, and there is no fused multiply-add), and the
 * norms add the squares column by column, output by output, as the JavaScript does: the same bits.
 */

/** Bumped whenever the emitted module changes (part of the cache key). */
export const JACOBIAN_WASM_VERSION = 1;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** V8's limits on one function: its locals and its body's bytes (a program past either keeps the JavaScript path). */
const MAX_LOCALS = 50_000;
const MAX_BODY_BYTES = 7_000_000;

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const I32_AND = 0x71;
const I32_SHR_U = 0x76;
const F64_LOAD = 0x2b;
const F64_STORE = 0x39;
const F64_CONST = 0x44;
const F64_SQRT = 0x9f;
const F64_ADD = 0xa0;
const F64_MUL = 0xa2;
const LOAD64_SPLAT = 0x0a;
const F64X2_NEG = 0xed;
const F64X2_ADD = 0xf0;
const F64X2_MUL = 0xf2;

// step's parameters and locals
const [T, E, X, J, R] = [0, 1, 2, 3, 4];
const [PAIR, END, XO, JO, EO, TAU, C, CEND] = [5, 6, 7, 8, 9, 10, 11, 12];
const SUM = 13;
/** A 16-byte slot the tangent functions store into (see `ANCHOR_EVERY`), then the coefficients K. */
const SCRATCH = 0;
const K_BASE = 16;
const FIRST_LOCAL_F64 = SUM;

/**
 * Ops between two stores of a tangent to the scratch slot. The stores are dead, but they order the function: V8's
 * optimising compiler keeps wasm loads and stores in program order and schedules pure arithmetic as late as it can,
 * so without them every coefficient load of a tangent function ran first and each splat was spilled to the stack
 * and read back (2 350 spill moves in fc's carry: about 2× slower than with a store every 2 ops, measured).
 */
const ANCHOR_EVERY = 2;

/** The emitted module of one program, its coefficient functions and the sizes its instances lay out. */
export interface WasmJacobianCode {
  readonly module: object;
  /** K[k] = the k-th coefficient, for the coefficients of parameters and constants only: once per network. */
  readonly staticCoef: (V: Float64Array, K: Float64Array) => void;
  /** The same for the coefficients that change from step to step (ReLU masks, tanh′, softmax values …). */
  readonly stepCoef: (V: Float64Array, K: Float64Array) => void;
  readonly coefficients: number;
}

/** What `emitJacobianWasm` writes: the module's bytes and the coefficient functions' sources. */
export interface JacobianWasmSource {
  readonly bytes: Uint8Array;
  readonly staticCoef: string;
  readonly stepCoef: string;
  readonly coefficients: number;
}

/** The module and coefficient sources of `p`'s tangents, or null when the program is past V8's limits. */
export function emitJacobianWasm(p: StepProgram): JacobianWasmSource | null {
  const { params: P, state: S, obs: I } = p.inputs;
  const O = p.outputs.length;
  if (I % 2 !== 0) return null;
  const { isState, isObs } = tangentInputs(p);
  const carry = tangentPlan(p, isState);
  const fresh = tangentPlan(p, isObs);
  if (3 + Math.max(carry.inputs.length + carry.ops.length, fresh.inputs.length + fresh.ops.length) > MAX_LOCALS) return null;
  const dynamic = dynamicReferences(p);
  const coefIndex = new Map<string, number>();
  const staticLines: string[] = ["'use strict';"];
  const stepLines: string[] = ["'use strict';"];
  const coefOf = (expr: string): number => {
    let k = coefIndex.get(expr);
    if (k === undefined) {
      k = coefIndex.size;
      coefIndex.set(expr, k);
      const changes = [...expr.matchAll(/V\[(\d+)\]/g)].some((m) => dynamic[Number(m[1])] === 1);
      (changes ? stepLines : staticLines).push(`K[${k}] = ${expr};`);
    }
    return k;
  };
  /**
   * One tangent function's body, for the pair whose addresses are its parameters: (xo, jo) for carry, (eo, xo, jo)
   * for fresh. It is a function of its own, without a loop, so that V8's optimising compiler sees straight-line
   * code: inside the step's loops its hundreds of locals would all become loop phis.
   */
  const tangent = (plan: TangentPlan, fresh: boolean): { body: Body; locals: number } => {
    const b = new Body();
    const [EO_, XO_, JO_] = fresh ? [0, 1, 2] : [-1, 0, 1];
    const first = fresh ? 3 : 2;
    let nextLocal = first;
    const local = new Map<number, number>();
    for (const r of plan.inputs) {
      if (fresh) b.localGet(EO_).load(16 * (r - P - S));
      else b.localGet(XO_).load(16 * (r - P));
      local.set(r, nextLocal);
      b.localSet(nextLocal++);
    }
    let since = 0;
    for (const { r, terms } of plan.ops) {
      terms.forEach((x, i) => {
        if (x.coef !== undefined) b.i32(0).simd(LOAD64_SPLAT).u32(3).u32(K_BASE + 8 * coefOf(x.coef));
        b.localGet(local.get(x.t)!);
        if (x.neg) b.simd(F64X2_NEG);
        else if (x.coef !== undefined) b.simd(F64X2_MUL);
        if (i > 0) b.simd(F64X2_ADD);
      });
      local.set(r, nextLocal);
      b.localSet(nextLocal++);
      if (++since === ANCHOR_EVERY) {
        since = 0;
        b.i32(0).localGet(nextLocal - 1).store(SCRATCH);
      }
    }
    const put = (base: number, offset: number, r: number | null): void => {
      b.localGet(base);
      if (r === null) b.splat(0);
      else b.localGet(local.get(r)!);
      b.store(offset);
    };
    plan.outputs.forEach((r, a) => put(JO_, 16 * a, r));
    plan.nextState.forEach((r, i) => put(XO_, 16 * i, r));
    return { body: b, locals: nextLocal - first };
  };
  const carryFn = tangent(carry, false);
  const freshFn = tangent(fresh, true);
  if (carryFn.body.length > MAX_BODY_BYTES || freshFn.body.length > MAX_BODY_BYTES) return null;
  const FN_CARRY = 1;
  const FN_FRESH = 2;
  const b = new Body();
  const advance = (local: number, by: number): void => void b.localGet(local).i32(by).op(I32_ADD).localSet(local);
  // carry: pairs 0 … t·I/2 − 1
  b.i32(0).localSet(PAIR);
  b.localGet(T).i32(I / 2).op(I32_MUL).localSet(END);
  b.localGet(X).localSet(XO);
  b.localGet(J).localSet(JO);
  b.whileBelow(PAIR, END, () => {
    b.localGet(XO).localGet(JO).call(FN_CARRY);
    advance(XO, 16 * S);
    advance(JO, 16 * O);
  });
  // fresh: the next I/2 pairs
  b.localGet(END).i32(I / 2).op(I32_ADD).localSet(END);
  b.localGet(E).localSet(EO);
  b.whileBelow(PAIR, END, () => {
    b.localGet(EO).localGet(XO).localGet(JO).call(FN_FRESH);
    advance(EO, 16 * I);
    advance(XO, 16 * S);
    advance(JO, 16 * O);
  });
  // norms: for τ = 0 … t, the squares of columns τ·I … τ·I + I − 1, output by output
  b.localGet(T).i32(1).op(I32_ADD).localSet(END);
  b.i32(0).localSet(TAU);
  b.whileBelow(TAU, END, () => {
    b.byte(F64_CONST).bytes(new Uint8Array(new Float64Array([0]).buffer)).localSet(SUM);
    b.localGet(TAU).i32(I).op(I32_MUL).localTee(C).i32(I).op(I32_ADD).localSet(CEND);
    b.whileBelow(C, CEND, () => {
      // the column's first output: j + 16·O·(c >> 1) + 8·(c & 1)
      b.localGet(J).localGet(C).i32(1).op(I32_SHR_U).i32(16 * O).op(I32_MUL).op(I32_ADD);
      b.localGet(C).i32(1).op(I32_AND).i32(8).op(I32_MUL).op(I32_ADD).localSet(XO);
      for (let a = 0; a < O; a++) {
        b.localGet(SUM);
        b.localGet(XO).byte(F64_LOAD).u32(3).u32(16 * a);
        b.localGet(XO).byte(F64_LOAD).u32(3).u32(16 * a);
        b.byte(F64_MUL).byte(F64_ADD).localSet(SUM);
      }
    });
    b.localGet(R).localGet(T).localGet(TAU).op(I32_SUB).i32(8).op(I32_MUL).op(I32_ADD);
    b.localGet(SUM).byte(F64_SQRT).byte(F64_STORE).u32(3).u32(0);
  });

  const m = new Bytes();
  m.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, content: Bytes): void => void m.byte(id).u32(content.length).bytes(content.buf.subarray(0, content.length));
  const name = (to: Bytes, s: string): Bytes => to.u32(s.length).bytes(Array.from(s, (ch) => ch.charCodeAt(0)));
  const types = new Bytes().u32(3);
  types.byte(0x60).u32(5).bytes([I32, I32, I32, I32, I32]).u32(0);
  types.byte(0x60).u32(2).bytes([I32, I32]).u32(0);
  types.byte(0x60).u32(3).bytes([I32, I32, I32]).u32(0);
  section(1, types);
  const imports = name(name(new Bytes().u32(1), 'env'), 'memory').byte(0x02).byte(0x00).u32(1);
  section(2, imports);
  section(3, new Bytes().u32(3).u32(0).u32(1).u32(2));
  section(7, name(new Bytes().u32(1), 'step').byte(0x00).u32(0));
  const code = new Bytes().u32(3);
  const fn = (locals: [number, number][], body: Body): void => {
    const f = new Bytes().u32(locals.length);
    for (const [n, type] of locals) f.u32(n).byte(type);
    f.bytes(body.buf.subarray(0, body.length)).byte(0x0b);
    code.u32(f.length).bytes(f.buf.subarray(0, f.length));
  };
  fn([[FIRST_LOCAL_F64 - PAIR, I32], [1, F64]], b);
  fn([[carryFn.locals, V128]], carryFn.body);
  fn([[freshFn.locals, V128]], freshFn.body);
  section(10, code);
  return { bytes: m.done(), staticCoef: staticLines.join('\n'), stepCoef: stepLines.join('\n'), coefficients: coefIndex.size };
}

const codes = new Map<string, WasmJacobianCode | null>();

/** `p`'s WebAssembly tangent code, emitted and compiled once per program; null without SIMD or past V8's limits. */
export function compileJacobianWasm(p: StepProgram): WasmJacobianCode | null {
  if (!wasm || !simdAvailable()) return null;
  const key = `${JACOBIAN_WASM_VERSION}/${programHash(p)}`;
  let code = codes.get(key);
  if (code === undefined) {
    const made = emitJacobianWasm(p);
    code = made && {
      module: new wasm.Module(made.bytes),
      staticCoef: new Function('V', 'K', made.staticCoef) as WasmJacobianCode['staticCoef'],
      stepCoef: new Function('V', 'K', made.stepCoef) as WasmJacobianCode['stepCoef'],
      coefficients: made.coefficients,
    };
    codes.set(key, code);
  }
  return code;
}

/** One instance of a program's tangent code and its memory, laid out for trials of `steps` steps. */
export class WasmJacobian {
  /** The coefficients (written by `code.staticCoef` and `code.stepCoef`). */
  readonly K: Float64Array;
  /** Output tangents, column c's output a at J[2·(O·(c >> 1) + a) + (c & 1)]. */
  readonly J: Float64Array;
  /** The step's norms: R[t − τ] = ‖∂o_t/∂s_τ‖_F. */
  readonly R: Float64Array;
  private readonly run: (t: number, e: number, x: number, j: number, r: number) => void;
  private readonly at: { readonly e: number; readonly x: number; readonly j: number; readonly r: number };

  constructor(
    readonly code: WasmJacobianCode,
    readonly steps: number,
    inputs: number,
    state: number,
    outputs: number,
  ) {
    const pairs = (steps * inputs) / 2;
    const align = (n: number): number => Math.ceil(n / 16) * 16;
    const e = align(K_BASE + 8 * code.coefficients);
    const x = e + 16 * (inputs / 2) * inputs;
    const j = x + 16 * pairs * state;
    const r = j + 16 * pairs * outputs;
    const bytes = r + 8 * steps;
    const memory = new wasm!.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
    const buffer = memory.buffer;
    this.run = (new wasm!.Instance(code.module, { env: { memory } }).exports as { step: WasmJacobian['run'] }).step;
    this.at = { e, x, j, r };
    this.K = new Float64Array(buffer, K_BASE, code.coefficients);
    this.J = new Float64Array(buffer, j, 2 * pairs * outputs);
    this.R = new Float64Array(buffer, r, steps);
    // the identity table: pair q's input k holds lanes (2q = k, 2q + 1 = k)
    const identity = new Float64Array(buffer, e, inputs * inputs);
    for (let q = 0; q < inputs / 2; q++) for (let k = 0; k < inputs; k++) for (let lane = 0; lane < 2; lane++) identity[2 * (q * inputs + k) + lane] = 2 * q + lane === k ? 1 : 0;
  }

  /** The tangent work of step t (after the coefficient functions wrote K); norms into R. */
  step(t: number): void {
    const { e, x, j, r } = this.at;
    this.run(t, e, x, j, r);
  }
}

const instances = new Map<string, WasmJacobian | null>();
const byProgram = new WeakMap<StepProgram, Map<number, WasmJacobian | null>>();

/**
 * This thread's instance of `p`'s tangent code for trials of `steps` steps (made once per program and step count,
 * then shared: a `ProgramJacobian` uses it only inside its synchronous `run`); null where `compileJacobianWasm` is.
 */
export function wasmJacobianFor(p: StepProgram, steps: number): WasmJacobian | null {
  let mine = byProgram.get(p);
  if (!mine) {
    mine = new Map();
    byProgram.set(p, mine);
  }
  let made = mine.get(steps);
  if (made !== undefined) return made;
  const code = compileJacobianWasm(p);
  const key = `${JACOBIAN_WASM_VERSION}/${programHash(p)}/${steps}`;
  made = instances.get(key);
  if (made === undefined) {
    made = code && new WasmJacobian(code, steps, p.inputs.obs, p.inputs.state, p.outputs.length);
    instances.set(key, made);
  }
  mine.set(steps, made);
  return made;
}
