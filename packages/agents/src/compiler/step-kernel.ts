import { OP, activeReferences, inputCount, opCount, type StepProgram } from './program.js';

/** Lanes per scalar: 4 networks of one layout side by side (a v128 of 4 float32). */
export const LANES = 4;
/** Bytes per scalar slot (one float32 per lane). */
export const SLOT = 4 * LANES;

/**
 * A compiled step over 4 networks at once, in its own linear memory where every scalar is a 16-byte slot of
 * 4 lanes. Arguments are byte offsets of slot arrays: parameters [params], state [S], obs [I], noise [O],
 * out [O], next state [S], and `reg`, where the forward leaves the step's computed values (`registerBytes`
 * long) for the backward; gradients are accumulated (+=) into `grad` [params], dL/d(previous state) is
 * written (overwritten) into `stateAdjOut` [S]. The first `reserved` bytes belong to the kernel.
 */
export interface StepKernel {
  readonly engine: 'wasm-simd' | 'interpreter';
  readonly reserved: number;
  /** Bytes of one step's computed values (the `reg` area). */
  readonly registerBytes: number;
  /** The memory as float32 (a new view after `grow`). */
  view(): Float32Array;
  /** Makes the memory at least `bytes` long (existing contents kept). */
  grow(bytes: number): void;
  /**
   * The step's forward at the given byte offsets: writes the outputs to `out`, the next state to `stateOut`, and the
   * values the backward needs to `reg`.
   */
  forward(params: number, state: number, obs: number, noise: number, out: number, stateOut: number, reg: number): void;
  /**
   * The step's reverse mode over what `forward` left at `reg` (with the same params, state, obs, noise):
   * with dL/d(out) at `outAdj` and dL/d(next state) at `stateAdjIn`, adds dL/dθ into `grad` and writes
   * dL/d(state) to `stateAdjOut`.
   */
  backward(params: number, state: number, obs: number, noise: number, outAdj: number, stateAdjIn: number, stateAdjOut: number, grad: number, reg: number): void;
  /**
   * forward for `count` chunks: chunk i reads and writes at each pointer plus i times its stride (a d… argument).
   */
  forwardChunks(count: number, params: number, dParams: number, state: number, dState: number, obs: number, dObs: number, noise: number, dNoise: number, out: number, dOut: number, stateOut: number, dStateOut: number, reg: number, dReg: number): void;
  /**
   * backward over steps steps − 1 … 0 of one chunk: step t's state, obs, noise, outAdj and reg pointers are
   * the given ones plus t times their strides; dL/d(state) goes from step to step through adjA and adjB
   * (step steps − 1 reads adjA, writes adjB; they swap after every step).
   */
  backwardSteps(steps: number, params: number, state: number, dState: number, obs: number, dObs: number, noise: number, dNoise: number, outAdj: number, dOutAdj: number, adjA: number, adjB: number, grad: number, reg: number, dReg: number): void;
  /**
   * Rows into lanes: for network j < count (chunk j >> 2, lane j & 3) and x < n, slot x of the chunk's
   * area at dst + (j >> 2)·chunkStride gets, in lane j & 3, the float32 at src + members[j]·rowStride + 4x
   * (members: count int32 at byte `members`). Spare lanes are left as they are.
   */
  lanesIn(dst: number, chunkStride: number, src: number, rowStride: number, n: number, members: number, count: number): void;
  /** The inverse of lanesIn: lane j & 3 of the chunk's slots into row members[j] at dst (rows rowStride apart). */
  lanesOut(src: number, chunkStride: number, dst: number, rowStride: number, n: number, members: number, count: number): void;
  /**
   * Parameters into lanes: slot i < np of network j's chunk area (dst + (j >> 2)·chunkStride) gets, in lane
   * j & 3, the float32 at table[2i] + members[j]·table[2i + 1] (table: 2·np int32 at byte `table`, then np
   * bytes: a byte set at slot i says that slots i … i+3 read four consecutive floats of each row, which the
   * compiled kernel moves as one transpose; the flags are read from slot 0 on, skipping the slots a set flag
   * covers. They change where values are read from in no way: a copy that ignores them is the same).
   */
  paramsIn(dst: number, chunkStride: number, members: number, count: number, np: number, table: number): void;
  /** The inverse of paramsIn: lane j & 3 of slot i into table[2i] + members[j]·table[2i + 1]. */
  paramsOut(src: number, chunkStride: number, members: number, count: number, np: number, table: number): void;
  /**
   * Gate masks per chunk: a call whose parameters are at paramsBase + c·chunkStride reads the int32 at
   * masks + 4c, whose bit t says that parameter tensor t is exactly zero in all four lanes of chunk c, and
   * skips the products with that tensor's weights (the emitter's gated regions; the results are the same up to
   * the sign of a zero, and the gradient slots of a skipped tensor are left as they are). masks = 0 (the
   * initial state) turns gating off. The interpreter ignores the masks (it computes every product).
   */
  chunkMasks(paramsBase: number, chunkStride: number, masks: number): void;
}

/** lanesIn/lanesOut/paramsIn/paramsOut of a kernel whose memory is `view()` (the interpreter's). */
function laneCopies(view: () => Float32Array): Pick<StepKernel, 'lanesIn' | 'lanesOut' | 'paramsIn' | 'paramsOut'> {
  const ints = (): Int32Array => new Int32Array(view().buffer);
  const lanes = (into: boolean, lanesAt: number, chunkStride: number, rows: number, rowStride: number, n: number, members: number, count: number): void => {
    const f = view();
    const m = ints();
    for (let j = 0; j < count; j++) {
      const d = (lanesAt + (j >> 2) * chunkStride + (j & 3) * 4) >> 2;
      const s = (rows + m[(members >> 2) + j] * rowStride) >> 2;
      for (let x = 0; x < n; x++) {
        if (into) f[d + x * LANES] = f[s + x];
        else f[s + x] = f[d + x * LANES];
      }
    }
  };
  const params = (into: boolean, lanesAt: number, chunkStride: number, members: number, count: number, np: number, table: number): void => {
    const f = view();
    const m = ints();
    for (let j = 0; j < count; j++) {
      const d = (lanesAt + (j >> 2) * chunkStride + (j & 3) * 4) >> 2;
      const row = m[(members >> 2) + j];
      for (let i = 0; i < np; i++) {
        const s = (m[(table >> 2) + 2 * i] + row * m[(table >> 2) + 2 * i + 1]) >> 2;
        if (into) f[d + i * LANES] = f[s];
        else f[s] = f[d + i * LANES];
      }
    }
  };
  return {
    lanesIn: (dst, cs, src, rs, n, members, count) => lanes(true, dst, cs, src, rs, n, members, count),
    lanesOut: (src, cs, dst, rs, n, members, count) => lanes(false, src, cs, dst, rs, n, members, count),
    paramsIn: (dst, cs, members, count, np, table) => params(true, dst, cs, members, count, np, table),
    paramsOut: (src, cs, members, count, np, table) => params(false, src, cs, members, count, np, table),
  };
}

/**
 * The reference engine: the program interpreted op by op in float32 (Math.fround after every operation,
 * Math.exp/Math.tanh for the transcendental ops). What the WebAssembly emitter is verified against.
 */
export function interpretedKernel(p: StepProgram): StepKernel {
  const base = inputCount(p.inputs);
  const n = opCount(p);
  const active = activeReferences(p);
  const reserved = n * SLOT;
  let regBase = 0;
  const adjBase = 0;
  let f = new Float32Array(Math.max(reserved, 1024) / 4);
  const { params: NP, state: S, obs: NI } = p.inputs;
  const fr = Math.fround;
  // float index of reference r's slot given the call's pointers
  const slot = (r: number, ptr: Int32Array): number => {
    if (r >= base) return (regBase + (r - base) * SLOT) / 4;
    if (r < NP) return (ptr[0] + r * SLOT) / 4;
    if (r < NP + S) return (ptr[1] + (r - NP) * SLOT) / 4;
    if (r < NP + S + NI) return (ptr[2] + (r - NP - S) * SLOT) / 4;
    return (ptr[3] + (r - NP - S - NI) * SLOT) / 4;
  };
  // float index of reference r's adjoint, or -1 when it has none (obs, noise, inactive)
  const adjSlot = (r: number, grad: number, stateAdj: number): number => {
    if (!active[r]) return -1;
    if (r >= base) return (adjBase + (r - base) * SLOT) / 4;
    if (r < NP) return (grad + r * SLOT) / 4;
    if (r < NP + S) return (stateAdj + (r - NP) * SLOT) / 4;
    return -1;
  };
  const ptr = new Int32Array(4);
  const run = (): void => {
    for (let k = 0; k < n; k++) {
      const op = p.ops[4 * k];
      const d = (regBase + k * SLOT) / 4;
      const a = slot(p.ops[4 * k + 1], ptr);
      const b2 = slot(p.ops[4 * k + 2], ptr);
      const c = slot(p.ops[4 * k + 3], ptr);
      for (let l = 0; l < LANES; l++) {
        const x = f[a + l];
        const y = f[b2 + l];
        let v: number;
        switch (op) {
          case OP.const: v = p.constants[k]; break;
          case OP.add: v = x + y; break;
          case OP.sub: v = x - y; break;
          case OP.mul: v = x * y; break;
          case OP.div: v = x / y; break;
          case OP.max: v = Math.max(x, y); break;
          case OP.min: v = Math.min(x, y); break;
          case OP.fma: v = f[c + l] + fr(x * y); break;
          case OP.neg: v = -x; break;
          case OP.tanh: v = Math.tanh(x); break;
          case OP.sigmoid: v = 1 / (1 + Math.exp(-x)); break;
          case OP.relu: v = x > 0 ? x : 0; break;
          case OP.exp: v = Math.exp(x); break;
          case OP.abs: v = Math.abs(x); break;
          case OP.sqrt: v = Math.sqrt(x); break;
          case OP.log: v = Math.log(x); break;
          default: v = x;
        }
        f[d + l] = v;
      }
    }
  };
  const copyOut = (refs: Int32Array, to: number): void => {
    refs.forEach((r, j) => {
      const s = slot(r, ptr);
      for (let l = 0; l < LANES; l++) f[to / 4 + j * LANES + l] = f[s + l];
    });
  };
  return {
    engine: 'interpreter',
    reserved,
    registerBytes: n * SLOT,
    view: () => f,
    ...laneCopies(() => f),
    chunkMasks() {},
    backwardSteps(steps, params, state, dState, obs, dObs, noise, dNoise, outAdj, dOutAdj, adjA, adjB, grad, reg, dReg) {
      for (let t = steps - 1; t >= 0; t--) {
        this.backward(params, state + t * dState, obs + t * dObs, noise + t * dNoise, outAdj + t * dOutAdj, adjA, adjB, grad, reg + t * dReg);
        [adjA, adjB] = [adjB, adjA];
      }
    },
    forwardChunks(count, params, dParams, state, dState, obs, dObs, noise, dNoise, out, dOut, stateOut, dStateOut, reg, dReg) {
      for (let i = 0; i < count; i++) this.forward(params + i * dParams, state + i * dState, obs + i * dObs, noise + i * dNoise, out + i * dOut, stateOut + i * dStateOut, reg + i * dReg);
    },
    grow(bytes) {
      if (bytes <= f.byteLength) return;
      const g = new Float32Array(Math.ceil(bytes / 4));
      g.set(f);
      f = g;
    },
    forward(params, state, obs, noise, out, stateOut, reg) {
      ptr.set([params, state, obs, noise]);
      regBase = reg;
      run();
      copyOut(p.outputs, out);
      copyOut(p.nextState, stateOut);
    },
    backward(params, state, obs, noise, outAdj, stateAdjIn, stateAdjOut, grad, reg) {
      ptr.set([params, state, obs, noise]);
      regBase = reg;
      f.fill(0, adjBase / 4, (adjBase + n * SLOT) / 4);
      f.fill(0, stateAdjOut / 4, stateAdjOut / 4 + S * LANES);
      const seed = (refs: Int32Array, from: number): void => {
        refs.forEach((r, j) => {
          const at = adjSlot(r, grad, stateAdjOut);
          if (at < 0) return;
          for (let l = 0; l < LANES; l++) f[at + l] = fr(f[at + l] + f[from / 4 + j * LANES + l]);
        });
      };
      seed(p.outputs, outAdj);
      seed(p.nextState, stateAdjIn);
      for (let k = n - 1; k >= 0; k--) {
        if (!active[base + k]) continue;
        const op = p.ops[4 * k];
        const ra = p.ops[4 * k + 1];
        const rb = p.ops[4 * k + 2];
        const rc = p.ops[4 * k + 3];
        const ya = slot(ra, ptr);
        const yb = slot(rb, ptr);
        const yk = (regBase + k * SLOT) / 4;
        const ga = adjSlot(ra, grad, stateAdjOut);
        const gb = op === OP.add || op === OP.sub || op === OP.mul || op === OP.div || op === OP.max || op === OP.min || op === OP.fma ? adjSlot(rb, grad, stateAdjOut) : -1;
        const gc = op === OP.fma ? adjSlot(rc, grad, stateAdjOut) : -1;
        for (let l = 0; l < LANES; l++) {
          const g = f[(adjBase + k * SLOT) / 4 + l];
          const a = f[ya + l];
          const bv = f[yb + l];
          const y = f[yk + l];
          let da = 0;
          let db = 0;
          switch (op) {
            case OP.add: da = g; db = g; break;
            case OP.sub: da = g; db = -g; break;
            case OP.mul: da = fr(g * bv); db = fr(g * a); break;
            case OP.fma: da = fr(g * bv); db = fr(g * a); if (gc >= 0) f[gc + l] = fr(f[gc + l] + g); break;
            case OP.div: da = fr(g / bv); db = -fr(fr(g * y) / bv); break;
            case OP.max: if (a >= bv) da = g; else db = g; break;
            case OP.min: if (a <= bv) da = g; else db = g; break;
            case OP.neg: da = -g; break;
            case OP.tanh: da = fr(g * fr(1 - fr(y * y))); break;
            case OP.sigmoid: da = fr(fr(g * y) * fr(1 - y)); break;
            case OP.relu: da = a > 0 ? g : 0; break;
            case OP.exp: da = fr(g * y); break;
            case OP.abs: da = a > 0 ? g : -g; break;
            case OP.sqrt: da = fr(g / fr(2 * y)); break;
            case OP.log: da = fr(g / a); break;
            default: break;
          }
          if (ga >= 0) f[ga + l] = fr(f[ga + l] + da);
          if (gb >= 0) f[gb + l] = fr(f[gb + l] + db);
        }
      }
    },
  };
}
