import { OP, activeReferences, inputCount, opCount, type StepProgram } from './program.js';
import { SLOT } from './step-kernel.js';

/*
 * WebAssembly SIMD for a StepProgram, written as bytes: every scalar of the program is a v128 holding
 * 4 networks of one layout (lane l = network l of the chunk). Computed values live in linear memory at
 * REG + 16k, their adjoints at ADJ + 16k; inputs are read where the caller's pointers say.
 *
 * Exports: forward(params, state, obs, noise, out, stateOut) and
 * backward(params, state, obs, noise, outAdj, stateAdjIn, stateAdjOut, grad) (see StepKernel). The memory
 * is imported (env.memory) so the host can grow it.
 *
 * exp is range reduction x = n·ln2 + r (|r| ≤ ln2/2, n = nearest(x·log2 e)) and the degree-7 Taylor
 * polynomial of e^r (truncation error below 1e-8 relative), scaled by 2^n built in the exponent bits;
 * x is clamped to [−87.3, 88.3] so 2^n stays a normal float. tanh(x) = m/(m + 2) with m = e^{2x} − 1
 * computed as q·2^n + (2^n − 1) (q = e^r − 1), which keeps tanh's relative accuracy near 0;
 * sigmoid(x) = 1/(1 + e^{−x}).
 */

/** Bumped whenever the emitted code changes (part of the cache key). */
export const EMITTER_VERSION = 1;

const I32 = 0x7f;
const V128 = 0x7b;

class Bytes {
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
  truncSat: 248,
};

/** A function body being written. */
class Body extends Bytes {
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
}

const LN2_HI = 0.693359375;
const LN2_LO = Math.fround(Math.LN2 - LN2_HI);

/** exp (minusOne false) or e^x − 1 (true) of the v128 in local 0; locals 1–3 are v128 scratch. */
function expBody(minusOne: boolean): Body {
  const b = new Body();
  const [x, n, q, s] = [0, 1, 2, 3];
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
  return b;
}

const FN_EXP = 0;
const FN_EXPM1 = 1;

/** The WebAssembly module of `p` (bytes). Returns also the bytes its kernel reserves at the start of memory. */
export function emitWasm(p: StepProgram): { bytes: Uint8Array; reserved: number } {
  const base = inputCount(p.inputs);
  const n = opCount(p);
  const { params: NP, state: NS, obs: NI } = p.inputs;
  const REG = 0;
  const ADJ = n * SLOT;
  const reserved = 2 * n * SLOT;
  const active = activeReferences(p);

  // operand r: [local or -1 for absolute, offset]
  const addr = (r: number): [number, number] => {
    if (r >= base) return [-1, REG + (r - base) * SLOT];
    if (r < NP) return [0, r * SLOT];
    if (r < NP + NS) return [1, (r - NP) * SLOT];
    if (r < NP + NS + NI) return [2, (r - NP - NS) * SLOT];
    return [3, (r - NP - NS - NI) * SLOT];
  };
  const push = (b: Body, [l]: [number, number]): Body => (l < 0 ? b.i32(0) : b.localGet(l));
  const load = (b: Body, r: number): Body => {
    const a = addr(r);
    return push(b, a).load(a[1]);
  };

  /** The forward ops into REG (tmp: a v128 local). */
  const forwardOps = (b: Body, tmp: number): void => {
    for (let k = 0; k < n; k++) {
      const op = p.ops[4 * k];
      const [ra, rb, rc] = [p.ops[4 * k + 1], p.ops[4 * k + 2], p.ops[4 * k + 3]];
      b.i32(0);
      switch (op) {
        case OP.const: b.splat(p.constants[k]); break;
        case OP.add: load(b, ra); load(b, rb).simd(S.add); break;
        case OP.sub: load(b, ra); load(b, rb).simd(S.sub); break;
        case OP.mul: load(b, ra); load(b, rb).simd(S.mul); break;
        case OP.div: load(b, ra); load(b, rb).simd(S.div); break;
        case OP.max: load(b, ra); load(b, rb).simd(S.max); break;
        case OP.min: load(b, ra); load(b, rb).simd(S.min); break;
        case OP.fma: load(b, rc); load(b, ra); load(b, rb).simd(S.mul).simd(S.add); break;
        case OP.neg: load(b, ra).simd(S.neg); break;
        case OP.abs: load(b, ra).simd(S.abs); break;
        case OP.sqrt: load(b, ra).simd(S.sqrt); break;
        case OP.tanh: load(b, ra).splat(2).simd(S.mul).call(FN_EXPM1).localTee(tmp).localGet(tmp).splat(2).simd(S.add).simd(S.div); break;
        case OP.sigmoid: b.splat(1); load(b, ra).simd(S.neg).call(FN_EXP).splat(1).simd(S.add).simd(S.div); break;
        case OP.relu: load(b, ra).splat(0).simd(S.max); break;
        case OP.exp: load(b, ra).call(FN_EXP); break;
        default: load(b, ra); // stop
      }
      b.store(REG + k * SLOT);
    }
  };

  // forward(params, state, obs, noise, out, stateOut); local 6: v128 tmp
  const fwd = new Body();
  forwardOps(fwd, 6);
  const copy = (refs: Int32Array, local: number): void => {
    refs.forEach((r, j) => {
      fwd.localGet(local);
      load(fwd, r).store(j * SLOT);
    });
  };
  copy(p.outputs, 4);
  copy(p.nextState, 5);

  // backward(params, state, obs, noise, outAdj, stateAdjIn, stateAdjOut, grad); locals 8: g, 9: tmp
  const bwd = new Body();
  const G = 8;
  forwardOps(bwd, 9);
  if (n > 0) bwd.i32(ADJ).i32(0).i32(n * SLOT).fill();
  if (NS > 0) bwd.localGet(6).i32(0).i32(NS * SLOT).fill();
  /** Adjoint slot of r: [local or -1, offset], or null when r has none. */
  const adjAddr = (r: number): [number, number] | null => {
    if (!active[r]) return null;
    if (r >= base) return [-1, ADJ + (r - base) * SLOT];
    if (r < NP) return [7, r * SLOT];
    if (r < NP + NS) return [6, (r - NP) * SLOT];
    return null;
  };
  /** adj(r) ← adj(r) ± (what `term` pushes). */
  const accumulate = (r: number, term: (b: Body) => void, subtract = false): void => {
    const a = adjAddr(r);
    if (!a) return;
    push(bwd, a);
    push(bwd, a).load(a[1]);
    term(bwd);
    bwd.simd(subtract ? S.sub : S.add).store(a[1]);
  };
  const g = (b: Body): Body => b.localGet(G);
  const y = (k: number) => (b: Body): Body => b.i32(0).load(REG + k * SLOT);
  const seed = (refs: Int32Array, local: number): void => {
    refs.forEach((r, j) => accumulate(r, (b) => b.localGet(local).load(j * SLOT)));
  };
  seed(p.outputs, 4);
  seed(p.nextState, 5);
  for (let k = n - 1; k >= 0; k--) {
    if (!active[base + k]) continue;
    const op = p.ops[4 * k];
    const [ra, rb, rc] = [p.ops[4 * k + 1], p.ops[4 * k + 2], p.ops[4 * k + 3]];
    bwd.i32(0).load(ADJ + k * SLOT).localSet(G);
    const la = (b: Body): Body => load(b, ra);
    const lb = (b: Body): Body => load(b, rb);
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
        accumulate(rc, g);
        accumulate(ra, (b) => lb(g(b)).simd(S.mul));
        accumulate(rb, (b) => la(g(b)).simd(S.mul));
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
      default:
        break;
    }
  }

  const m = new Bytes();
  m.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, content: Bytes): void => {
    m.byte(id).u32(content.length).bytes(content.buf.subarray(0, content.length));
  };
  const types = new Bytes().u32(3);
  types.byte(0x60).u32(1).byte(V128).u32(1).byte(V128);
  types.byte(0x60).u32(6).bytes(new Array(6).fill(I32)).u32(0);
  types.byte(0x60).u32(8).bytes(new Array(8).fill(I32)).u32(0);
  section(1, types);
  const name = (b: Bytes, s: string): Bytes => b.u32(s.length).bytes(Array.from(s, (c) => c.charCodeAt(0)));
  const imports = new Bytes().u32(1);
  name(name(imports, 'env'), 'memory').byte(0x02).byte(0x00).u32(Math.ceil(reserved / 65536) + 1);
  section(2, imports);
  section(3, new Bytes().u32(4).u32(0).u32(0).u32(1).u32(2));
  const exports = new Bytes().u32(2);
  name(exports, 'forward').byte(0x00).u32(2);
  name(exports, 'backward').byte(0x00).u32(3);
  section(7, exports);
  const code = new Bytes().u32(4);
  const fn = (locals: [number, number][], body: Body): void => {
    const f = new Bytes().u32(locals.length);
    for (const [count, type] of locals) f.u32(count).byte(type);
    f.bytes(body.buf.subarray(0, body.length)).byte(0x0b);
    code.u32(f.length).bytes(f.buf.subarray(0, f.length));
  };
  fn([[3, V128]], expBody(false));
  fn([[3, V128]], expBody(true));
  fn([[1, V128]], fwd);
  fn([[2, V128]], bwd);
  section(10, code);
  return { bytes: m.done(), reserved };
}
