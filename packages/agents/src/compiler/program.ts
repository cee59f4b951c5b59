/**
 * The step compiler's intermediate form: one network's step as a straight-line program over scalars.
 *
 * Every tensor element of the traced step is a scalar value, named by a reference: references
 * 0 … inputs−1 are the step's inputs in the order parameters | state | obs | noise (each parameter
 * flattened row-major in the layout's parameter order), and reference inputs + k is the value of op k.
 * Shapes are tiny, so a matrix product becomes sums of products and concat/split/slice/reshape/transpose
 * become index remaps that emit no op at all.
 */

/** Scalar operations. Binary ops read a, b; `fma` is c + a·b (rounded after each step); unary ops read a. */
export const OP = {
  const: 0,
  add: 1,
  sub: 2,
  mul: 3,
  div: 4,
  max: 5,
  min: 6,
  fma: 7,
  neg: 8,
  tanh: 9,
  sigmoid: 10,
  relu: 11,
  exp: 12,
  abs: 13,
  sqrt: 14,
  /** Identity in the forward pass, no gradient (the max that softmax subtracts). */
  stop: 15,
  /** Natural logarithm. */
  log: 16,
} as const;
/** Code of one step-program op (a value of {@link OP}). */
export type OpCode = (typeof OP)[keyof typeof OP];

/** Number of operands each op reads. */
export const ARITY: readonly number[] = [0, 2, 2, 2, 2, 2, 2, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1];

/** Sizes of the step's inputs: P parameter scalars, S state, I obs, O noise (= outputs). */
export interface ProgramInputs {
  readonly params: number;
  readonly state: number;
  readonly obs: number;
  readonly noise: number;
}

/** A lowered step. ops[4k … 4k+3] = opcode, a, b, c of op k; constants[k] is op k's value when it is a const. */
export interface StepProgram {
  readonly inputs: ProgramInputs;
  readonly ops: Int32Array;
  readonly constants: Float32Array;
  /** References of the outputs (O) and of the next state (S). */
  readonly outputs: Int32Array;
  readonly nextState: Int32Array;
  /**
   * Where each parameter tensor of the layout starts among the parameter inputs (in the layout's order), when
   * the lowering knows them: tensor t is inputs [tensors[t], tensors[t + 1]) (the last one ends at params).
   * The emitter gates the products with a tensor's weights on a per-chunk bit (see `gatedRegions`).
   */
  readonly tensors?: Int32Array;
}

export function inputCount(p: ProgramInputs): number {
  return p.params + p.state + p.obs + p.noise;
}

export function opCount(p: StepProgram): number {
  return p.ops.length / 4;
}

const f32 = Math.fround;

function foldUnary(op: number, x: number): number {
  switch (op) {
    case OP.neg:
      return -x;
    case OP.tanh:
      return f32(Math.tanh(x));
    case OP.sigmoid:
      return f32(1 / (1 + Math.exp(-x)));
    case OP.relu:
      return x > 0 ? x : 0;
    case OP.exp:
      return f32(Math.exp(x));
    case OP.abs:
      return Math.abs(x);
    case OP.sqrt:
      return f32(Math.sqrt(x));
    case OP.log:
      return f32(Math.log(x));
    default:
      return x;
  }
}

/**
 * Builds a StepProgram op by op, folding constants (x+0, x·1, x·0, const∘const) and sharing equal constants,
 * so that masked weights and constant inputs cost nothing.
 */
export class ProgramBuilder {
  private readonly ops: number[] = [];
  private readonly values: number[] = [];
  private readonly constRefs = new Map<number, number>();
  readonly base: number;

  constructor(readonly inputs: ProgramInputs) {
    this.base = inputCount(inputs);
  }

  private emit(op: number, a = 0, b = 0, c = 0, value = 0): number {
    this.ops.push(op, a, b, c);
    this.values.push(value);
    return this.base + this.values.length - 1;
  }

  /** The constant's value when `r` is a const op, else undefined. */
  constantOf(r: number): number | undefined {
    const k = r - this.base;
    return k >= 0 && this.ops[4 * k] === OP.const ? this.values[k] : undefined;
  }

  /** Register of the float32 constant v, shared with earlier uses of the same value (−0 kept apart from 0). */
  constant(v: number): number {
    const x = f32(v);
    const key = Object.is(x, -0) ? -0.5e-45 : x; // keep −0 apart from 0
    const seen = this.constRefs.get(key);
    if (seen !== undefined) return seen;
    const r = this.emit(OP.const, 0, 0, 0, x);
    this.constRefs.set(key, r);
    return r;
  }

  /** Register of op(a, b); folded to a constant when both operands are constants. */
  binary(op: number, a: number, b: number): number {
    const va = this.constantOf(a);
    const vb = this.constantOf(b);
    if (va !== undefined && vb !== undefined) {
      const v = op === OP.add ? va + vb : op === OP.sub ? va - vb : op === OP.mul ? va * vb : op === OP.div ? va / vb : op === OP.max ? Math.max(va, vb) : Math.min(va, vb);
      return this.constant(v);
    }
    if (op === OP.add) {
      if (va === 0) return b;
      if (vb === 0) return a;
    } else if (op === OP.sub) {
      if (vb === 0) return a;
      if (va === 0) return this.unary(OP.neg, b);
    } else if (op === OP.mul) {
      if (va === 0 || vb === 0) return this.constant(0);
      if (va === 1) return b;
      if (vb === 1) return a;
    } else if (op === OP.div) {
      if (vb === 1) return a;
    }
    return this.emit(op, a, b);
  }

  /** c + a·b. */
  fma(c: number, a: number, b: number): number {
    const va = this.constantOf(a);
    const vb = this.constantOf(b);
    if (va === 0 || vb === 0) return c;
    if (this.constantOf(c) === 0) return this.binary(OP.mul, a, b);
    if (va !== undefined && vb !== undefined) return this.binary(OP.add, c, this.constant(f32(va * vb)));
    if (va === 1) return this.binary(OP.add, c, b);
    if (vb === 1) return this.binary(OP.add, c, a);
    return this.emit(OP.fma, a, b, c);
  }

  /** Register of op(a); folded to a constant when the operand is a constant. */
  unary(op: number, a: number): number {
    const va = this.constantOf(a);
    if (va !== undefined) return this.constant(foldUnary(op, va));
    return this.emit(op, a);
  }

  /** The program computing `outputs` and `nextState`, with ops nothing reads removed and references renumbered. */
  finish(outputs: readonly number[], nextState: readonly number[]): StepProgram {
    const n = this.values.length;
    const live = new Uint8Array(n);
    const mark = (r: number): void => {
      if (r >= this.base) live[r - this.base] = 1;
    };
    outputs.forEach(mark);
    nextState.forEach(mark);
    for (let k = n - 1; k >= 0; k--) {
      if (!live[k]) continue;
      const op = this.ops[4 * k];
      for (let j = 0; j < ARITY[op]; j++) mark(this.ops[4 * k + 1 + j]);
    }
    const renumber = new Int32Array(n).fill(-1);
    let m = 0;
    for (let k = 0; k < n; k++) if (live[k]) renumber[k] = m++;
    const map = (r: number): number => (r < this.base ? r : this.base + renumber[r - this.base]);
    const ops = new Int32Array(4 * m);
    const constants = new Float32Array(m);
    for (let k = 0; k < n; k++) {
      if (!live[k]) continue;
      const at = renumber[k];
      const op = this.ops[4 * k];
      ops[4 * at] = op;
      for (let j = 0; j < 3; j++) ops[4 * at + 1 + j] = j < ARITY[op] ? map(this.ops[4 * k + 1 + j]) : 0;
      constants[at] = this.values[k];
    }
    return { inputs: this.inputs, ops, constants, outputs: Int32Array.from(outputs, map), nextState: Int32Array.from(nextState, map) };
  }
}

/**
 * Which references take part in the backward pass: `active[r]` when r depends on a parameter or the state
 * through differentiable ops and some output or next-state element depends on r through them.
 */
export function activeReferences(p: StepProgram): Uint8Array {
  const base = inputCount(p.inputs);
  const n = opCount(p);
  const dep = new Uint8Array(base + n);
  dep.fill(1, 0, p.inputs.params + p.inputs.state);
  for (let k = 0; k < n; k++) {
    const op = p.ops[4 * k];
    if (op === OP.const || op === OP.stop) continue;
    for (let j = 0; j < ARITY[op]; j++) if (dep[p.ops[4 * k + 1 + j]]) dep[base + k] = 1;
  }
  const reach = new Uint8Array(base + n);
  for (const r of p.outputs) reach[r] = 1;
  for (const r of p.nextState) reach[r] = 1;
  for (let k = n - 1; k >= 0; k--) {
    if (!reach[base + k]) continue;
    const op = p.ops[4 * k];
    if (op === OP.stop) continue;
    for (let j = 0; j < ARITY[op]; j++) reach[p.ops[4 * k + 1 + j]] = 1;
  }
  for (let r = 0; r < dep.length; r++) dep[r] &= reach[r];
  return dep;
}

/** A stable text key of the program (what compiled modules are cached by, with the emitter's version). */
export function programKey(p: StepProgram): Uint8Array {
  const { params, state, obs, noise } = p.inputs;
  const head = Int32Array.from([params, state, obs, noise, p.ops.length, p.outputs.length, p.nextState.length]);
  const parts = [head, p.ops, p.constants, p.outputs, p.nextState, ...(p.tensors ? [Int32Array.of(p.tensors.length), p.tensors] : [])];
  const bytes = new Uint8Array(parts.reduce((s, a) => s + a.byteLength, 0));
  let at = 0;
  for (const a of parts) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return bytes;
}
