// PopulationDraws' hot paths (AssemblyScript, WebAssembly with SIMD, built by scripts/build-wasm.mjs): the
// per-step draws of a population of agents, each from its own xoshiro128** streams, as Rng draws them
// (packages/core/src/rng.ts): uniform tie-breaking noise (Rng.fillFloat) and the ε-greedy choice
// (Rng.float, Rng.int, then the argmax). src/population-draws.ts owns the memory layout, keeps its arrays as
// views of this memory, and has the same draws in JavaScript (the fallback and the test oracle).
//
// Streams sit four to a group, word-major inside it: word w of stream n at words + ((n >> 2)·4 + w)·16 +
// (n & 3)·4, so one v128 load gives word w of four streams. Two banks: the tie-noise streams, then the
// exploration streams. The population is padded to a multiple of 4 with inactive agents.

const INV_TWO_POW_32: f64 = 1.0 / 4294967296.0;

let gGroups: i32 = 0; // ⌈agents / 4⌉
let gOutputs: i32 = 0;
let pTieWords: usize = 0; // i32[groups·16]
let pExploreWords: usize = 0; // i32[groups·16]
let pTie: usize = 0; // f32[groups·4·outputs]
let pQ: usize = 0; // f32[groups·4·outputs]
let pActive: usize = 0; // u8[groups·4]
let pActions: usize = 0; // i32[groups·4]

export function configure(groups: i32, outputs: i32, tieWords: usize, exploreWords: usize, tie: usize, q: usize, active: usize, actions: usize): void {
  gGroups = groups;
  gOutputs = outputs;
  pTieWords = tieWords;
  pExploreWords = exploreWords;
  pTie = tie;
  pQ = q;
  pActive = active;
  pActions = actions;
}

export function heapBase(): usize {
  return __heap_base;
}

/**
 * tie[n·O + k] = u·2⁻³²·amplitude (k < O, u the stream's next word, in the double arithmetic of
 * Rng.fillFloat, stored as float32) for every active agent n; 0 and no draw for the others. Four streams
 * at a time, one per i32x4 lane; a lane whose agent is inactive keeps its words.
 */
export function fillTie(amplitude: f64): void {
  const O = gOutputs;
  const inv = f64x2.splat(INV_TWO_POW_32);
  const scale = f64x2.splat(amplitude);
  for (let g = 0; g < gGroups; g++) {
    const flags = load<u32>(pActive + (<usize>g << 2));
    const row = pTie + (<usize>(g * 4 * O) << 2);
    if (flags == 0) {
      memory.fill(row, 0, <usize>(4 * O) << 2);
      continue;
    }
    // lane l active: all ones
    const bytes = v128.load32_zero(pActive + (<usize>g << 2));
    const on = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)), i32x4.splat(0));
    const w = pTieWords + (<usize>g << 6);
    const o0 = v128.load(w);
    const o1 = v128.load(w, 16);
    const o2 = v128.load(w, 32);
    const o3 = v128.load(w, 48);
    let s0 = o0;
    let s1 = o1;
    let s2 = o2;
    let s3 = o3;
    for (let k = 0; k < O; k++) {
      const a = s1;
      const scrambled = i32x4.mul(a, i32x4.splat(5));
      const rotated = v128.or(i32x4.shl(scrambled, 7), i32x4.shr_u(scrambled, 25));
      const result = i32x4.mul(rotated, i32x4.splat(9));
      const t = i32x4.shl(a, 9);
      const b = v128.xor(s2, s0);
      const c = v128.xor(s3, a);
      s1 = v128.xor(a, b);
      s0 = v128.xor(s0, c);
      s2 = v128.xor(b, t);
      s3 = v128.or(i32x4.shl(c, 11), i32x4.shr_u(c, 21));
      // (u·2⁻³²)·amplitude in float64, then float32: lanes 0–1, then 2–3
      const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.mul(f64x2.convert_low_i32x4_u(result), inv), scale));
      const hi = f32x4.demote_f64x2_zero(
        f64x2.mul(f64x2.mul(f64x2.convert_low_i32x4_u(v128.shuffle<i32>(result, result, 2, 3, 0, 1)), inv), scale),
      );
      const v = v128.and(v128.shuffle<i64>(lo, hi, 0, 2), on);
      const at = row + (<usize>k << 2);
      v128.store32_lane(at, v, 0);
      v128.store32_lane(at + (<usize>O << 2), v, 1);
      v128.store32_lane(at + (<usize>(2 * O) << 2), v, 2);
      v128.store32_lane(at + (<usize>(3 * O) << 2), v, 3);
    }
    v128.store(w, v128.bitselect(s0, o0, on));
    v128.store(w, v128.bitselect(s1, o1, on), 16);
    v128.store(w, v128.bitselect(s2, o2, on), 32);
    v128.store(w, v128.bitselect(s3, o3, on), 48);
  }
}

// one exploration stream's words, in globals while it draws
let x0: i32 = 0;
let x1: i32 = 0;
let x2: i32 = 0;
let x3: i32 = 0;

@inline function nextWord(): u32 {
  const a = x1;
  const result = rotl<i32>(a * 5, 7) * 9;
  const t = a << 9;
  const b = x2 ^ x0;
  const c = x3 ^ a;
  x1 = a ^ b;
  x0 = x0 ^ c;
  x2 = b ^ t;
  x3 = rotl<i32>(c, 11);
  return <u32>result;
}

/**
 * For every active agent n, as Rng draws it: if float() < ε, actions[n] = int(O) (Lemire's multiply-shift
 * with its rejection), else the first index of the largest of q[n·O … n·O + O) (a later value wins only
 * when strictly larger). Inactive agents draw nothing and keep their action.
 */
export function epsilonGreedy(epsilon: f64): void {
  const O = gOutputs;
  const n4 = gGroups * 4;
  for (let n = 0; n < n4; n++) {
    if (load<u8>(pActive + <usize>n) == 0) continue;
    const w = pExploreWords + (<usize>(n >> 2) << 6) + (<usize>(n & 3) << 2);
    x0 = load<i32>(w);
    x1 = load<i32>(w, 16);
    x2 = load<i32>(w, 32);
    x3 = load<i32>(w, 48);
    let a: i32;
    if (<f64>nextWord() * INV_TWO_POW_32 < epsilon) {
      let m = <u64>nextWord() * <u64>O;
      let low = <u32>m;
      if (low < <u32>O) {
        const threshold = <u32>((<u64>4294967296 - <u64>O) % <u64>O);
        while (low < threshold) {
          m = <u64>nextWord() * <u64>O;
          low = <u32>m;
        }
      }
      a = <i32>(m >>> 32);
    } else {
      const q = pQ + (<usize>(n * O) << 2);
      a = 0;
      let best = load<f32>(q);
      for (let k = 1; k < O; k++) {
        const v = load<f32>(q + (<usize>k << 2));
        if (v > best) {
          best = v;
          a = k;
        }
      }
    }
    store<i32>(pActions + (<usize>n << 2), a);
    store<i32>(w, x0);
    store<i32>(w, x1, 16);
    store<i32>(w, x2, 32);
    store<i32>(w, x3, 48);
  }
}
