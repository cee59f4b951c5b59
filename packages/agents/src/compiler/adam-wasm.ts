import type { AdamConstants, AdamUpdate } from '../sdk/population-model.js';

/*
 * PopulationOptimizer's Adam step in WebAssembly (scalar f32, written as bytes), over parameter, gradient
 * and moment arrays that live in one WebAssembly memory: the same float32 operations in the same order as
 * the optimiser's JavaScript (a float32 operation rounded once equals the double operation rounded to
 * float32 for +, −, ×, ÷ and √), so the result is the same bits.
 */

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function u32(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

/**
 * adam(table, count, coef, P, b1, b2, omb1, omb2, omAcc1, omAcc2, eps, negLr): for each of `count` arrays
 * (table entry k: five i32 = values, grads, m, v byte offsets and `per`, the values per network) and each
 * network n (clip coefficient coef[n]) whose presence byte is not 0, the optimiser's update of every element.
 * The presence bytes follow the table: byte k·P + n at table + 20·count (see `createAdamStore`).
 */
function adamModule(): Uint8Array {
  const F32 = 0x7d;
  const I32 = 0x7f;
  // params 0 table, 1 count, 2 coef, 3 P, 4 b1, 5 b2, 6 omb1, 7 omb2, 8 omAcc1, 9 omAcc2, 10 eps, 11 negLr
  // i32 locals 12 k, 13 n, 14 j, 15 val, 16 gr, 17 mm, 18 vv, 19 per, 20 o, 21 t; f32 locals 22 c, 23 gj, 24 mj, 25 vj
  const [k, n, j, val, gr, mm, vv, per, o, t] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const [c, gj, mj, vj] = [22, 23, 24, 25];
  const b: number[] = [];
  const get = (i: number) => b.push(0x20, i);
  const set = (i: number) => b.push(0x21, i);
  const i32c = (v: number) => {
    b.push(0x41); // small non-negative constants only
    u32(b, v);
  };
  const i32load = (off: number) => {
    b.push(0x28, 2);
    u32(b, off);
  };
  const f32load = () => b.push(0x2a, 2, 0);
  const f32store = () => b.push(0x38, 2, 0);
  const [add, mul, geu] = [0x6a, 0x6c, 0x4f];
  // i32 local 26 nv (the elements per network done four at a time); v128 locals 27 … 38
  const nv = 26;
  const [vc, vgj, vmj, vvj, vb1, vb2, vomb1, vomb2, va1, va2, veps, vlr] = [27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38];
  const [VADD, VMUL, VDIV, VSQRT] = [228, 230, 231, 227];
  const simd = (op: number): void => {
    b.push(0xfd);
    u32(b, op);
  };
  const vload = (): void => {
    simd(0);
    b.push(4, 0);
  };
  const vstore = (): void => {
    simd(11);
    b.push(4, 0);
  };
  const vsplat = (from: number, to: number): void => {
    get(from);
    simd(19);
    set(to);
  };
  /** for (counter = (fromStart ? 0 : counter); counter < limit; counter += step) */
  const loopFrom = (counter: number, limit: number, step: number, body: () => void, fromStart = false): void => {
    if (fromStart) {
      i32c(0);
      set(counter);
    }
    b.push(0x02, 0x40, 0x03, 0x40);
    get(counter);
    get(limit);
    b.push(geu, 0x0d, 1);
    body();
    get(counter);
    i32c(step);
    b.push(add);
    set(counter);
    b.push(0x0c, 0, 0x0b, 0x0b);
  };
  for (const [from, to] of [[4, vb1], [5, vb2], [6, vomb1], [7, vomb2], [8, va1], [9, va2], [10, veps], [11, vlr]]) vsplat(from, to);
  const [fadd, fmul, fdiv, fsqrt] = [0x92, 0x94, 0x95, 0x91];
  const loop = (counter: number, limit: number, body: () => void): void => {
    i32c(0);
    set(counter);
    b.push(0x02, 0x40, 0x03, 0x40); // block, loop
    get(counter);
    get(limit);
    b.push(geu, 0x0d, 1); // br_if out of the block
    body();
    get(counter);
    i32c(1);
    b.push(add);
    set(counter);
    b.push(0x0c, 0, 0x0b, 0x0b); // br loop; end loop; end block
  };
  loop(k, 1, () => {
    get(0);
    get(k);
    i32c(20);
    b.push(mul, add);
    set(t);
    for (const [local, off] of [[val, 0], [gr, 4], [mm, 8], [vv, 12], [per, 16]]) {
      get(t);
      i32load(off);
      set(local);
    }
    loop(n, 3, () => {
      // a network without this array's parameter (presence byte 0) is skipped: its gradient and moments are zero
      get(0);
      get(1);
      i32c(20);
      b.push(mul, add);
      get(k);
      get(3);
      b.push(mul, add);
      get(n);
      b.push(add);
      b.push(0x2d, 0, 0); // i32.load8_u
      b.push(0x04, 0x40); // if
      get(2);
      get(n);
      i32c(4);
      b.push(mul, add);
      f32load();
      set(c);
      // four networks' elements at a time while four remain (the same float32 operations per lane), then one at a time
      get(per);
      i32c(3);
      b.push(0x71 /* and */);
      get(per);
      b.push(0x73 /* xor: per & ~3 */);
      set(nv);
      vsplat(c, vc);
      loopFrom(j, nv, 4, () => {
        get(n);
        get(per);
        b.push(mul);
        get(j);
        b.push(add);
        i32c(4);
        b.push(mul);
        set(o);
        const at = (base: number) => {
          get(base);
          get(o);
          b.push(add);
        };
        at(gr);
        vload();
        get(vc);
        simd(VMUL);
        set(vgj);
        at(mm);
        vload();
        get(vb1);
        simd(VMUL);
        get(vgj);
        get(vomb1);
        simd(VMUL);
        simd(VADD);
        set(vmj);
        at(vv);
        vload();
        get(vb2);
        simd(VMUL);
        get(vgj);
        get(vgj);
        simd(VMUL);
        get(vomb2);
        simd(VMUL);
        simd(VADD);
        set(vvj);
        at(mm);
        get(vmj);
        vstore();
        at(vv);
        get(vvj);
        vstore();
        at(val);
        get(vmj);
        get(va1);
        simd(VDIV);
        get(vvj);
        get(va2);
        simd(VDIV);
        simd(VSQRT);
        get(veps);
        simd(VADD);
        simd(VDIV);
        get(vlr);
        simd(VMUL);
        at(val);
        vload();
        simd(VADD);
        vstore();
      }, true);
      loopFrom(j, per, 1, () => {
        // o ← (n·per + j)·4
        get(n);
        get(per);
        b.push(mul);
        get(j);
        b.push(add);
        i32c(4);
        b.push(mul);
        set(o);
        const at = (base: number) => {
          get(base);
          get(o);
          b.push(add);
        };
        // gj = g·c
        at(gr);
        f32load();
        get(c);
        b.push(fmul);
        set(gj);
        // mj = m·b1 + gj·omb1
        at(mm);
        f32load();
        get(4);
        b.push(fmul);
        get(gj);
        get(6);
        b.push(fmul, fadd);
        set(mj);
        // vj = v·b2 + (gj·gj)·omb2
        at(vv);
        f32load();
        get(5);
        b.push(fmul);
        get(gj);
        get(gj);
        b.push(fmul);
        get(7);
        b.push(fmul, fadd);
        set(vj);
        at(mm);
        get(mj);
        f32store();
        at(vv);
        get(vj);
        f32store();
        // value = ((mj/omAcc1) / (√(vj/omAcc2) + eps))·negLr + value
        at(val);
        get(mj);
        get(8);
        b.push(fdiv);
        get(vj);
        get(9);
        b.push(fdiv, fsqrt);
        get(10);
        b.push(fadd, fdiv);
        get(11);
        b.push(fmul);
        at(val);
        f32load();
        b.push(fadd);
        f32store();
      });
      b.push(0x0b); // end if
    });
  });
  const body = [4, 10, I32, 4, F32, 1, I32, 12, 0x7b, ...b, 0x0b];
  const normsBody = [...normsFunction(), 0x0b];
  const code: number[] = [2];
  u32(code, body.length);
  code.push(...body);
  u32(code, normsBody.length);
  code.push(...normsBody);
  const type = [2, 0x60, 12, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, 0, 0x60, 4, I32, I32, I32, I32, 0];
  const imports = [1, 3, ...'env'.split('').map((ch) => ch.charCodeAt(0)), 6, ...'memory'.split('').map((ch) => ch.charCodeAt(0)), 0x02, 0x00, 0];
  const exports = [2, 4, ...'adam'.split('').map((ch) => ch.charCodeAt(0)), 0x00, 0, 5, ...'norms'.split('').map((ch) => ch.charCodeAt(0)), 0x00, 1];
  const section = (id: number, content: number[]): number[] => {
    const out = [id];
    u32(out, content.length);
    return [...out, ...content];
  };
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, type), ...section(2, imports), ...section(3, [2, 0, 1]), ...section(7, exports), ...section(10, code)]);
}

/**
 * norms(table, count, out, P) (locals and body, without the end): per network n the optimiser's squared
 * gradient norm, out[n] += float32(Σ_j float64(float32(g_j²))) over each array's slice in table order (out
 * zeroed by the caller; a slice whose presence byte is 0 is left out: its gradient is zero, and adding +0 to
 * a sum of squares changes no bit), then out[n] = √out[n] in float32. Four networks are summed side by side (each in
 * its own float64 accumulator, its elements in the same order: the same bits as one at a time), so the
 * adds of four independent sums overlap instead of waiting on one another; the last P mod 4 one at a time.
 */
function normsFunction(): number[] {
  const [table, count, out, P, k, n, j, gr, per, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const sum = 10;
  const x = 11;
  // i32 locals 12 … 15: the four networks' element addresses, 16 the end of the first's slice, 17 its bytes;
  // f64 locals 18 … 20: the sums of networks n + 1 … n + 3 (n's is `sum`)
  const addr = [12, 13, 14, 15];
  const [end, bytes] = [16, 17];
  const sums = [sum, 18, 19, 20];
  const b: number[] = [5, 6, 0x7f, 1, 0x7c, 1, 0x7d, 6, 0x7f, 3, 0x7c];
  const get = (i: number) => b.push(0x20, i);
  const set = (i: number) => b.push(0x21, i);
  const i32c = (v: number): void => {
    b.push(0x41);
    u32(b, v);
  };
  /** while (!exit()) { body } — `exit` leaves an i32 condition on the stack. */
  const whileNot = (exit: () => void, body: () => void): void => {
    b.push(0x02, 0x40, 0x03, 0x40);
    exit();
    b.push(0x0d, 1);
    body();
    b.push(0x0c, 0, 0x0b, 0x0b);
  };
  const loop = (counter: number, limit: number, body: () => void): void => {
    i32c(0);
    set(counter);
    whileNot(
      () => {
        get(counter);
        get(limit);
        b.push(0x4f); // i32.ge_u
      },
      () => {
        body();
        get(counter);
        i32c(1);
        b.push(0x6a);
        set(counter);
      },
    );
  };
  /** The address of network n's presence byte for array k (table + 20·count + k·P + n). */
  const presenceAt = (): void => {
    get(table);
    get(count);
    i32c(20);
    b.push(0x6c, 0x6a);
    get(k);
    get(P);
    b.push(0x6c, 0x6a);
    get(n);
    b.push(0x6a);
  };
  const outAt = (): void => {
    get(out);
    get(n);
    i32c(4);
    b.push(0x6c, 0x6a);
  };
  loop(k, count, () => {
    get(table);
    get(k);
    i32c(20);
    b.push(0x6c, 0x6a);
    set(t);
    get(t);
    b.push(0x28, 2, 4);
    set(gr);
    get(t);
    b.push(0x28, 2, 16);
    set(per);
    get(per);
    i32c(4);
    b.push(0x6c);
    set(bytes);
    i32c(0);
    set(n);
    // four networks at a time while four remain
    whileNot(
      () => {
        get(n);
        i32c(4);
        b.push(0x6a);
        get(P);
        b.push(0x4b); // i32.gt_u: n + 4 > P
      },
      () => {
        // the four presence bytes of networks n … n + 3 as one i32: all four absent, nothing to add; else the
        // four sums, each added to its network's norm only where that network has the array
        presenceAt();
        b.push(0x28, 0, 0); // i32.load (unaligned)
        b.push(0x04, 0x40); // if
        for (const s of sums) {
          b.push(0x44, 0, 0, 0, 0, 0, 0, 0, 0); // f64.const 0
          set(s);
        }
        // addr[0] = gr + n·bytes, addr[i] = addr[i − 1] + bytes; end = addr[0] + bytes
        get(gr);
        get(n);
        get(bytes);
        b.push(0x6c, 0x6a);
        set(addr[0]);
        for (let i = 1; i < 4; i++) {
          get(addr[i - 1]);
          get(bytes);
          b.push(0x6a);
          set(addr[i]);
        }
        get(addr[0]);
        get(bytes);
        b.push(0x6a);
        set(end);
        whileNot(
          () => {
            get(addr[0]);
            get(end);
            b.push(0x4f); // i32.ge_u
          },
          () => {
            for (let i = 0; i < 4; i++) {
              get(addr[i]);
              b.push(0x2a, 2, 0); // f32.load
              set(x);
              get(sums[i]);
              get(x);
              get(x);
              b.push(0x94, 0xbb, 0xa0); // f32.mul, f64.promote_f32, f64.add
              set(sums[i]);
              get(addr[i]);
              i32c(4);
              b.push(0x6a);
              set(addr[i]);
            }
          },
        );
        for (let i = 0; i < 4; i++) {
          // out[n + i] += float32(sum_i), where network n + i has the array (a group can mix both)
          presenceAt();
          b.push(0x2d, 0, i); // i32.load8_u at offset i
          b.push(0x04, 0x40); // if
          get(out);
          get(n);
          i32c(i);
          b.push(0x6a);
          i32c(4);
          b.push(0x6c, 0x6a);
          b.push(0x21, addr[i]); // reuse addr[i] as the output address
          get(addr[i]);
          get(addr[i]);
          b.push(0x2a, 2, 0);
          get(sums[i]);
          b.push(0xb6, 0x92, 0x38, 2, 0); // f32.demote_f64, f32.add, f32.store
          b.push(0x0b); // end if
        }
        b.push(0x0b); // end if
        get(n);
        i32c(4);
        b.push(0x6a);
        set(n);
      },
    );
    // the last P mod 4 networks one at a time
    whileNot(
      () => {
        get(n);
        get(P);
        b.push(0x4f);
      },
      () => {
        presenceAt();
        b.push(0x2d, 0, 0); // i32.load8_u
        b.push(0x04, 0x40); // if
        b.push(0x44, 0, 0, 0, 0, 0, 0, 0, 0); // f64.const 0
        set(sum);
        loop(j, per, () => {
          get(gr);
          get(n);
          get(per);
          b.push(0x6c);
          get(j);
          b.push(0x6a);
          i32c(4);
          b.push(0x6c, 0x6a, 0x2a, 2, 0); // f32.load
          set(x);
          get(sum);
          get(x);
          get(x);
          b.push(0x94, 0xbb, 0xa0); // f32.mul, f64.promote_f32, f64.add
          set(sum);
        });
        outAt();
        outAt();
        b.push(0x2a, 2, 0);
        get(sum);
        b.push(0xb6, 0x92, 0x38, 2, 0); // f32.demote_f64, f32.add, f32.store
        b.push(0x0b); // end if
        get(n);
        i32c(1);
        b.push(0x6a);
        set(n);
      },
    );
  });
  loop(n, P, () => {
    outAt();
    outAt();
    b.push(0x2a, 2, 0, 0x91, 0x38, 2, 0); // f32.sqrt
  });
  return b;
}

let compiled: object | null = null;

/** Parameter, gradient and moment arrays in one WebAssembly memory, and the Adam update over them. */
export interface AdamStore {
  readonly values: Float32Array[];
  readonly adam: AdamUpdate;
}

/** Bytes of the presence table: one byte per array and network, rounded up to 16. */
function presenceBytes(count: number, population: number): number {
  return Math.ceil((count * population) / 16) * 16;
}

/**
 * Bytes of the WebAssembly memory of an Adam store for arrays of `lengths` floats (P networks each): the array
 * table, the presence table, the per-network coefficients and values, gradients and both moments, plus one
 * spare page.
 */
export function adamStoreBytes(lengths: readonly number[], population: number): number {
  const bytes = 20 * lengths.length + presenceBytes(lengths.length, population) + 4 * population + 16 * lengths.reduce((s, l) => s + l, 0);
  return (Math.ceil(bytes / 65536) + 1) * 65536;
}

/**
 * Storage for arrays of `lengths` floats (P networks each) and its AdamUpdate.
 *
 * `present(k, n)` (default: always true) says whether network n has array k's parameter at all. The update
 * and the gradient norms skip the slices of networks that do not: their gradient is zero by the contract of
 * the population that owns the store (a parameter a network lacks never enters its step), and so are their
 * moments (zero from `allocateMoments` and never updated), so Adam would leave them as they are and the
 * norms would add +0. Whatever a caller writes into such a slice of the gradients is ignored.
 */
export function createAdamStore(lengths: readonly number[], population: number, present?: (k: number, n: number) => boolean): AdamStore {
  compiled ??= new wasm.Module(adamModule());
  const count = lengths.length;
  const tableBytes = 20 * count + presenceBytes(count, population);
  const coefBytes = 4 * population;
  const memory = new wasm.Memory({ initial: adamStoreBytes(lengths, population) / 65536 });
  const { adam, norms } = new wasm.Instance(compiled, { env: { memory } }).exports as {
    adam(table: number, count: number, coef: number, P: number, ...c: number[]): void;
    norms(table: number, count: number, out: number, P: number): void;
  };
  const buffer = memory.buffer;
  const table = new Int32Array(buffer, 0, 5 * count);
  const coefAt = tableBytes;
  const coefView = new Float32Array(buffer, coefAt, population);
  let at = tableBytes + coefBytes;
  const take = (l: number): Float32Array => {
    const v = new Float32Array(buffer, at, l);
    at += 4 * l;
    return v;
  };
  const values = lengths.map(take);
  const grads = lengths.map(take);
  const m = lengths.map(take);
  const v = lengths.map(take);
  lengths.forEach((l, k) => table.set([values[k].byteOffset, grads[k].byteOffset, m[k].byteOffset, v[k].byteOffset, l / population], 5 * k));
  const presence = new Uint8Array(buffer, 20 * count, count * population);
  for (let k = 0; k < count; k++) for (let n = 0; n < population; n++) presence[k * population + n] = present === undefined || present(k, n) ? 1 : 0;
  const update: AdamUpdate = {
    allocateMoments: () => {
      for (const a of [...m, ...v]) a.fill(0);
      return { m: [...m], v: [...v] };
    },
    allocateGradients: () => [...grads],
    gradientNorms(gradients, out) {
      gradients.forEach((g, k) => g !== grads[k] && grads[k].set(g));
      coefView.fill(0);
      norms(0, count, coefAt, population);
      out.set(coefView);
    },
    step(gradients, mIn, vIn, coef, c: AdamConstants) {
      // arrays that are not this store's own are copied in (and the moments back out)
      gradients.forEach((g, k) => g !== grads[k] && grads[k].set(g));
      mIn.forEach((a, k) => a !== m[k] && m[k].set(a));
      vIn.forEach((a, k) => a !== v[k] && v[k].set(a));
      coefView.set(coef);
      adam(0, count, coefAt, population, c.b1, c.b2, c.omb1, c.omb2, c.omAcc1, c.omAcc2, c.eps, c.negLr);
      mIn.forEach((a, k) => a !== m[k] && a.set(m[k]));
      vIn.forEach((a, k) => a !== v[k] && a.set(v[k]));
    },
  };
  return { values, adam: update };
}
