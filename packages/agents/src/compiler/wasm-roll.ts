/*
 * Loop rolling for the step compiler's straight-line WebAssembly: a function body arrives as a list of
 * fragments (the code of one op, one output copy or one adjoint seed), each its bytes plus marks where a
 * memory address is pushed (a base: a local or the absolute address 0) and where a v128 load or store with
 * its offset goes. Runs of fragments that repeat with a period (the same bytes, the same bases, every offset
 * advancing by its own constant stride from one period to the next) are written once inside a wasm `loop`
 * whose i32 locals carry the moving bases. The loop executes the same float operations on the same
 * addresses in the same order as the straight line, so its results are the same bits; what shrinks is the
 * machine code (one matrix product's row instead of all of them), which then fits the instruction caches.
 */

/** One fragment: bytes with marks. */
export interface Fragment {
  /** The bytes, without the marked bases and memory instructions. */
  readonly raw: Uint8Array;
  /** Four numbers per mark: position in raw, kind (0 base, 1 memory op), local (base; −1 absolute) or SIMD opcode, offset. */
  readonly marks: readonly number[];
  /** Equal for fragments with equal bytes, bases, opcodes and stack state (offsets aside). */
  readonly shape: number;
  /** Whether the wasm operand stack is empty where the fragment starts (a loop may begin only there). */
  readonly clean: boolean;
}

/** What the writer of a function body must offer. */
export interface ByteSink {
  byte(b: number): ByteSink;
  u32(v: number): ByteSink;
  s32(v: number): ByteSink;
  bytes(bs: ArrayLike<number>): ByteSink;
}

/** When repeated fragments become a loop. */
export interface RollOptions {
  /** Longest period tried, in fragments. */
  readonly maxPeriod: number;
  /** Smallest straight-line size (bytes of all its periods) a loop replaces. */
  readonly minRunBytes: number;
}

/** The defaults: periods up to 160 fragments (a hidden unit's sum over 8 + 34 + 5 inputs and more), runs of 96 bytes and more. */
export const ROLL_DEFAULTS: RollOptions = { maxPeriod: 160, minRunBytes: 96 };

/** WebAssembly opcodes the roller reads or writes (the emitter imports the shared ones from here). */
export const WASM_OP = { LOCAL_GET: 0x20, LOCAL_SET: 0x21, LOCAL_TEE: 0x22, I32_CONST: 0x41, I32_ADD: 0x6a, I32_SUB: 0x6b } as const;
const { LOCAL_GET, LOCAL_SET, LOCAL_TEE, I32_CONST, I32_ADD, I32_SUB } = WASM_OP;

/** Interns fragment shapes: a shape number per distinct key. */
export class ShapeTable {
  private readonly ids = new Map<string, number>();
  shapeOf(raw: Uint8Array, marks: readonly number[], clean: boolean): number {
    let key = clean ? '1' : '0';
    let at = 0;
    for (let m = 0; m < marks.length; m += 4) {
      key += String.fromCharCode(...raw.subarray(at, marks[m])) + `\u0100${marks[m + 1]}:${marks[m + 2]}\u0101`;
      at = marks[m];
    }
    key += String.fromCharCode(...raw.subarray(at));
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }
}

function base(out: ByteSink, local: number): void {
  if (local < 0) out.byte(I32_CONST).s32(0);
  else out.byte(LOCAL_GET).u32(local);
}

function memory(out: ByteSink, op: number, offset: number): void {
  out.byte(0xfd).u32(op).u32(4).u32(offset);
}

/** The fragment's straight-line code. */
function emitPlain(out: ByteSink, f: Fragment): void {
  let at = 0;
  for (let m = 0; m < f.marks.length; m += 4) {
    out.bytes(f.raw.subarray(at, f.marks[m]));
    at = f.marks[m];
    if (f.marks[m + 1] === 0) base(out, f.marks[m + 2]);
    else memory(out, f.marks[m + 2], f.marks[m + 3]);
  }
  out.bytes(f.raw.subarray(at));
}

/** Offsets of the memory ops of fragments [from, from + L), in order. */
function offsets(frags: readonly Fragment[], from: number, L: number): number[] {
  const o: number[] = [];
  for (let j = from; j < from + L; j++) {
    const mk = frags[j].marks;
    for (let m = 0; m < mk.length; m += 4) if (mk[m + 1] === 1) o.push(mk[m + 3]);
  }
  return o;
}

/**
 * For the fragments [from, from + L): the memory op each base feeds (by position among the memory ops),
 * pairing every memory op with the latest base not yet used (addresses nest like the operand stack), or null
 * when a memory op has no base in the run or a base is left over.
 */
function pairBases(frags: readonly Fragment[], from: number, L: number): number[] | null {
  const open: number[] = [];
  const feeds: number[] = [];
  let ops = 0;
  for (let j = from; j < from + L; j++) {
    const mk = frags[j].marks;
    for (let m = 0; m < mk.length; m += 4) {
      if (mk[m + 1] === 0) {
        open.push(feeds.length);
        feeds.push(-1);
      } else {
        const b = open.pop();
        if (b === undefined) return null;
        feeds[b] = ops++;
      }
    }
  }
  return open.length === 0 ? feeds : null;
}

interface Run {
  L: number;
  m: number;
  strides: number[];
  feeds: number[];
}

/** The longest run of a repeating period starting at fragment k (null when none pays). */
function runAt(frags: readonly Fragment[], k: number, opts: RollOptions): Run | null {
  const n = frags.length;
  if (!frags[k].clean) return null;
  let best: Run | null = null;
  for (let L = 1; L <= opts.maxPeriod && k + 2 * L <= n; L++) {
    if (k + L < n && !frags[k + L].clean) continue;
    let same = true;
    for (let j = 0; j < L && same; j++) same = frags[k + j].shape === frags[k + L + j].shape;
    if (!same) continue;
    const o0 = offsets(frags, k, L);
    const o1 = offsets(frags, k + L, L);
    const strides = o1.map((v, p) => v - o0[p]);
    let m = 2;
    for (; k + (m + 1) * L <= n; m++) {
      let ok = true;
      for (let j = 0; j < L && ok; j++) ok = frags[k + m * L + j].shape === frags[k + j].shape;
      if (!ok) break;
      const om = offsets(frags, k + m * L, L);
      if (om.some((v, p) => v !== o0[p] + m * strides[p])) break;
    }
    // the run must end where the operand stack is empty again
    while (m >= 2 && k + m * L < n && !frags[k + m * L].clean) m--;
    if (m < 2 || (best && m * L <= best.m * best.L)) continue;
    let bytes = 0;
    for (let j = k; j < k + m * L; j++) bytes += frags[j].raw.length + (3 * frags[j].marks.length) / 4;
    if (bytes < opts.minRunBytes) continue;
    const feeds = pairBases(frags, k, L);
    if (!feeds) continue;
    best = { L, m, strides, feeds };
  }
  return best;
}

/**
 * Writes `frags` to `out`, repeated runs as loops. Loops use i32 locals from `firstLocal` on (a counter, then
 * one moving base per distinct base and stride); returns how many it needs (0 when nothing rolled).
 */
export function emitRolled(out: ByteSink, frags: readonly Fragment[], firstLocal: number, opts: RollOptions = ROLL_DEFAULTS): number {
  let locals = 0;
  for (let k = 0; k < frags.length; ) {
    const run = runAt(frags, k, opts);
    if (!run) {
      emitPlain(out, frags[k++]);
      continue;
    }
    const { L, m, strides, feeds } = run;
    const o0 = offsets(frags, k, L);
    // memory op p moves with group[p] (−1: a fixed address); a group is one base and one stride
    const baseOf: number[] = new Array(o0.length).fill(0);
    let b = 0;
    for (let j = k; j < k + L; j++) {
      const mk = frags[j].marks;
      for (let q = 0; q < mk.length; q += 4) if (mk[q + 1] === 0) baseOf[feeds[b++]] = mk[q + 2];
    }
    const groups: { local: number; stride: number; lowest: number }[] = [];
    const group = o0.map((off, p) => {
      if (strides[p] === 0) return -1;
      let g = groups.findIndex((x) => x.local === baseOf[p] && x.stride === strides[p]);
      if (g < 0) g = groups.push({ local: baseOf[p], stride: strides[p], lowest: off }) - 1;
      groups[g].lowest = Math.min(groups[g].lowest, off);
      return g;
    });
    locals = Math.max(locals, 1 + groups.length);
    const counter = firstLocal;
    groups.forEach((g, i) => {
      base(out, g.local);
      out.byte(I32_CONST).s32(g.lowest).byte(I32_ADD).byte(LOCAL_SET).u32(firstLocal + 1 + i);
    });
    out.byte(I32_CONST).s32(m).byte(LOCAL_SET).u32(counter);
    out.byte(0x03).byte(0x40);
    let p = 0;
    b = 0;
    for (let j = k; j < k + L; j++) {
      const f = frags[j];
      let at = 0;
      for (let q = 0; q < f.marks.length; q += 4) {
        out.bytes(f.raw.subarray(at, f.marks[q]));
        at = f.marks[q];
        if (f.marks[q + 1] === 0) {
          const g = group[feeds[b++]];
          if (g < 0) base(out, f.marks[q + 2]);
          else out.byte(LOCAL_GET).u32(firstLocal + 1 + g);
        } else {
          const g = group[p];
          memory(out, f.marks[q + 2], g < 0 ? o0[p] : o0[p] - groups[g].lowest);
          p++;
        }
      }
      out.bytes(f.raw.subarray(at));
    }
    groups.forEach((g, i) => {
      out.byte(LOCAL_GET).u32(firstLocal + 1 + i).byte(I32_CONST).s32(g.stride).byte(I32_ADD).byte(LOCAL_SET).u32(firstLocal + 1 + i);
    });
    out.byte(LOCAL_GET).u32(counter).byte(I32_CONST).s32(1).byte(I32_SUB).byte(LOCAL_TEE).u32(counter).byte(0x0d).u32(0);
    out.byte(0x0b);
    k += L * m;
  }
  return locals;
}
