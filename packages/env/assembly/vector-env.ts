// VectorEnv's hot path (AssemblyScript, WebAssembly with SIMD, built by scripts/build-wasm.mjs): stepping and
// sensing every env in one call. The JavaScript VectorEnv owns the memory layout, passes it to `configure`,
// and keeps its arrays as views of this memory, so the JavaScript path (the fallback and the test oracle)
// and this one work on the same state. Every number is computed with the same float64 operations in the
// same order as src/vector-env.ts and src/rng.ts, so both paths give the same bits.
//
// The mazes the envs run on are copied into "slots" of `cap` cells by the JavaScript side when an env is
// reset (envs on the same maze share a slot); slot[i] is env i's.

// The ziggurat's rare slow path uses the JavaScript Math functions, so its numbers are the same bits.
@external("env", "exp")
declare function jsExp(x: f64): f64;
@external("env", "log")
declare function jsLog(x: f64): f64;

const INV_TWO_POW_32: f64 = 1.0 / 4294967296.0;
const INV_TWO_POW_23: f64 = 1.0 / 8388608.0;
const ZIG_R: f64 = 3.6541528853610088;
const SENSORS: i32 = 4;

let gN: i32 = 0;
let gC: i32 = 0;
let gCap: i32 = 0;
let gProgressReward: bool = false;
let gAutoresetNext: bool = false;
/** zigX f64[257], zigF f64[257], zigRatio f64[256]. */
let pZigX: usize = 0;
let pZigF: usize = 0;
let pZigRatio: usize = 0;
let pObs: usize = 0; // f32[N·4C]
let pRewards: usize = 0; // f32[N]
let pFitness: usize = 0; // f32[N]
let pTerminated: usize = 0; // u8[N]
let pTruncated: usize = 0; // u8[N]
let pDone: usize = 0; // u8[N]
let pSelect: usize = 0; // u8[N]: which envs `senseWhere` senses; `step` marks the envs to autoreset here
let pMask: usize = 0; // u8[N·C]
let pPosition: usize = 0; // i32[N]
let pStepIndex: usize = 0; // i32[N]
let pActions: usize = 0; // i32[N]
let pGoal: usize = 0; // i32[N]
let pLimit: usize = 0; // i32[N]
let pFastest: usize = 0; // i32[N]
let pSize: usize = 0; // i32[N]
let pSlot: usize = 0; // i32[N]
let pSigma: usize = 0; // f64[N]
let pStartProgress: usize = 0; // f64[N]
let pRng: usize = 0; // i32[4N], xoshiro128** words s0..s3 per env
let pWalls: usize = 0; // u8[N·cap]
let pCues: usize = 0; // f32[N·cap·C]
let pProgress: usize = 0; // f32[N·cap]
let pNoise: usize = 0; // f64[4C], one observation's samples (senseOne)
let pLanes: usize = 0; // i32[20]: four streams' words s0..s3 and their last draw u, lane-major, for the slow path
let pList: usize = 0; // i32[N]: the envs one call senses, in order (see senseListed)
let gListed: i32 = 0;
let pGroup: usize = 0; // i32[N]: the env whose stream env i's draws come from while draws are shared
let pShared: usize = 0; // f64[N·4C]: the draws of the current round, at the index of the group's env
let pStamp: usize = 0; // i32[N]: the round in which each group's draws were made
let gShare: bool = false;
let gRound: i32 = 0;

export function configure(
  n: i32, channels: i32, cap: i32, progressReward: i32, autoresetNext: i32,
  zigX: usize, zigF: usize, zigRatio: usize,
  obs: usize, rewards: usize, fitness: usize, terminated: usize, truncated: usize, done: usize, select: usize,
  mask: usize, position: usize, stepIndex: usize, actions: usize, goal: usize, limit: usize, fastest: usize,
  size: usize, slot: usize, sigma: usize, startProgress: usize, rng: usize, walls: usize, cues: usize, progress: usize,
): void {
  gN = n;
  gC = channels;
  gCap = cap;
  gProgressReward = progressReward != 0;
  gAutoresetNext = autoresetNext != 0;
  pZigX = zigX;
  pZigF = zigF;
  pZigRatio = zigRatio;
  pObs = obs;
  pRewards = rewards;
  pFitness = fitness;
  pTerminated = terminated;
  pTruncated = truncated;
  pDone = done;
  pSelect = select;
  pMask = mask;
  pPosition = position;
  pStepIndex = stepIndex;
  pActions = actions;
  pGoal = goal;
  pLimit = limit;
  pFastest = fastest;
  pSize = size;
  pSlot = slot;
  pSigma = sigma;
  pStartProgress = startProgress;
  pRng = rng;
  pWalls = walls;
  pCues = cues;
  pProgress = progress;
  pNoise = zigRatio + 256 * 8;
  pLanes = pNoise + SENSORS * 64 * 8;
  pList = pLanes + 80;
}

/**
 * Shared draws (VectorEnv.shareNoiseDraws): while `on`, an env with σ > 0 takes its 4·C normal draws of a
 * round (one step or senseSelected call) from the stream of env group[i], drawn once per round for all envs
 * of that group. `group` i32[N], `shared` f64[N·4C], `stamp` i32[N].
 */
export function shareDraws(on: i32, group: usize, shared: usize, stamp: usize): void {
  gShare = on != 0;
  pGroup = group;
  pShared = shared;
  pStamp = stamp;
  memory.fill(stamp, 0, <usize>gN << 2);
  gRound = 0;
}

// ---- xoshiro128** and the ziggurat, on env i's state words (kept in locals by the callers' loops) ----
let s0: i32 = 0;
let s1: i32 = 0;
let s2: i32 = 0;
let s3: i32 = 0;

@inline function nextInt32(): i32 {
  const a = s1;
  const scrambled = a * 5;
  const result = rotl<i32>(scrambled, 7) * 9;
  const t = a << 9;
  const b = s2 ^ s0;
  const c = s3 ^ a;
  s1 = a ^ b;
  s0 = s0 ^ c;
  s2 = b ^ t;
  s3 = rotl<i32>(c, 11);
  return result;
}

@inline function nextFloat(): f64 {
  return <f64>(<u32>nextInt32()) * INV_TWO_POW_32;
}

function normalTail(): f64 {
  while (true) {
    const a = -jsLog(1 - nextFloat()) / ZIG_R;
    const b = -jsLog(1 - nextFloat());
    if (b + b > a * a) return ZIG_R + a;
  }
}

/**
 * y < Math.exp(t) with JavaScript's Math.exp, decided without calling out when it can be: the module's own exp
 * and JavaScript's are each within an ulp or two of e^t, so when y lies further than 1e-13·e from the module's
 * value the comparison with JavaScript's goes the same way; only a y within that band (never met in practice)
 * asks JavaScript. The decision, hence every draw, is the same as comparing with Math.exp.
 */
@inline function wedgeAccepts(y: f64, t: f64): bool {
  const e = Math.exp(t);
  const band = e * 1e-13;
  if (y < e - band) return true;
  if (y >= e + band) return false;
  return y < jsExp(t);
}

/** The ziggurat's wedges and tail, as Rng.normalSlow. */
function normalSlow(layer: i32, bits: u32, sign: i32): f64 {
  while (true) {
    const ux = <f64>bits * INV_TWO_POW_23;
    const x = ux * load<f64>(pZigX + (<usize>layer << 3));
    if (ux < load<f64>(pZigRatio + (<usize>layer << 3))) return sign == 0 ? x : -x;
    if (layer == 0) {
      const tail = normalTail();
      return sign == 0 ? tail : -tail;
    }
    const f0 = load<f64>(pZigF + (<usize>layer << 3));
    const f1 = load<f64>(pZigF + (<usize>(layer + 1) << 3));
    const y = f0 + nextFloat() * (f1 - f0);
    if (wedgeAccepts(y, -0.5 * x * x)) return sign == 0 ? x : -x;
    const u = nextInt32();
    layer = u & 255;
    bits = <u32>u >>> 9;
    sign = u & 256;
  }
}

/**
 * v < 0 ? 0 : v > 1 ? 1 : v, exactly as VectorEnv (−0 and NaN included), as integer selects on the bits:
 * V8 compiles those without a branch, and noisy values sit on either side of a cue of 0 or 1, so a branch
 * would be mispredicted half the time.
 */
@inline function clamp01(v: f64): f64 {
  let bits = reinterpret<i64>(v);
  bits = select<i64>(0, bits, v < 0);
  bits = select<i64>(0x3ff0000000000000, bits, v > 1);
  return reinterpret<f64>(bits);
}

/**
 * `count` standard normals from env g's stream into f64 dst[count], in the order Rng.fillNormal draws them:
 * xoshiro128** and the ziggurat's one-draw case written out with the stream's words in locals (the rare
 * slow path takes the words through the globals). The only place the module draws.
 */
function drawNormals(g: i32, dst: usize, count: i32): void {
  const r = pRng + (<usize>g << 4);
  let w0 = load<i32>(r);
  let w1 = load<i32>(r, 4);
  let w2 = load<i32>(r, 8);
  let w3 = load<i32>(r, 12);
  const ratio = pZigRatio;
  const edge = pZigX;
  for (let k = 0; k < count; k++) {
    const u = rotl<i32>(w1 * 5, 7) * 9;
    const t = w1 << 9;
    const b = w2 ^ w0;
    const e = w3 ^ w1;
    w1 = w1 ^ b;
    w0 = w0 ^ e;
    w2 = b ^ t;
    w3 = rotl<i32>(e, 11);
    const layer = <usize>(u & 255) << 3;
    const ux = <f64>(<u32>u >>> 9) * INV_TWO_POW_23;
    let z: f64;
    if (ux < load<f64>(ratio + layer)) {
      // −x when bit 8 is set, as a flip of the sign bit (a branch on a random bit would be mispredicted)
      z = reinterpret<f64>(reinterpret<i64>(ux * load<f64>(edge + layer)) ^ (<i64>(u & 256) << 55));
    } else {
      s0 = w0;
      s1 = w1;
      s2 = w2;
      s3 = w3;
      z = normalSlow(u & 255, <u32>u >>> 9, u & 256);
      w0 = s0;
      w1 = s1;
      w2 = s2;
      w3 = s3;
    }
    store<f64>(dst + (<usize>k << 3), z);
  }
  store<i32>(r, w0);
  store<i32>(r, w1, 4);
  store<i32>(r, w2, 8);
  store<i32>(r, w3, 12);
}

/** Lanes 0–3 of the transpose of four rows of four i32 (the same shuffles put them back). */
@inline function transposeRow(a0: v128, a1: v128, a2: v128, a3: v128, row: i32): v128 {
  const lo = row < 2 ? i32x4.shuffle(a0, a1, 0, 4, 1, 5) : i32x4.shuffle(a0, a1, 2, 6, 3, 7);
  const hi = row < 2 ? i32x4.shuffle(a2, a3, 0, 4, 1, 5) : i32x4.shuffle(a2, a3, 2, 6, 3, 7);
  return (row & 1) == 0 ? i32x4.shuffle(lo, hi, 0, 1, 4, 5) : i32x4.shuffle(lo, hi, 2, 3, 6, 7);
}

/**
 * drawNormals for four distinct streams g0…g3 side by side, one stream per i32x4 lane: `count` normals of
 * stream g into f64 pShared[g·count …]. Each lane runs exactly the scalar loop's operations on its own
 * stream (xoshiro128** in i32 lanes, the ziggurat's one-draw case in f64x2 pairs, its tables read lane by
 * lane); a lane that falls off the one-draw case takes the scalar slow path from its own words, so every
 * stream draws the numbers drawNormals would, in the same order.
 */
function drawNormals4(g0: i32, g1: i32, g2: i32, g3: i32, count: i32): void {
  const r0 = pRng + (<usize>g0 << 4);
  const r1 = pRng + (<usize>g1 << 4);
  const r2 = pRng + (<usize>g2 << 4);
  const r3 = pRng + (<usize>g3 << 4);
  const a0 = v128.load(r0);
  const a1 = v128.load(r1);
  const a2 = v128.load(r2);
  const a3 = v128.load(r3);
  let w0 = transposeRow(a0, a1, a2, a3, 0);
  let w1 = transposeRow(a0, a1, a2, a3, 1);
  let w2 = transposeRow(a0, a1, a2, a3, 2);
  let w3 = transposeRow(a0, a1, a2, a3, 3);
  const stride = <usize>count << 3;
  const z0 = pShared + <usize>g0 * stride;
  const z1 = pShared + <usize>g1 * stride;
  const z2 = pShared + <usize>g2 * stride;
  const z3 = pShared + <usize>g3 * stride;
  const ratio = pZigRatio;
  const edge = pZigX;
  const five = i32x4.splat(5);
  const nine = i32x4.splat(9);
  const byteMask = i32x4.splat(255);
  const signBit = i32x4.splat(256);
  const scale = f64x2.splat(INV_TWO_POW_23);
  for (let k = 0; k < count; k++) {
    const m = i32x4.mul(w1, five);
    const u = i32x4.mul(v128.or(i32x4.shl(m, 7), i32x4.shr_u(m, 25)), nine);
    const t = i32x4.shl(w1, 9);
    const b = v128.xor(w2, w0);
    const e = v128.xor(w3, w1);
    w1 = v128.xor(w1, b);
    w0 = v128.xor(w0, e);
    w2 = v128.xor(b, t);
    w3 = v128.or(i32x4.shl(e, 11), i32x4.shr_u(e, 21));
    const layers = i32x4.shl(v128.and(u, byteMask), 3);
    const l0 = <usize>i32x4.extract_lane(layers, 0);
    const l1 = <usize>i32x4.extract_lane(layers, 1);
    const l2 = <usize>i32x4.extract_lane(layers, 2);
    const l3 = <usize>i32x4.extract_lane(layers, 3);
    const bits = i32x4.shr_u(u, 9);
    const uxLo = f64x2.mul(f64x2.convert_low_i32x4_s(bits), scale);
    const uxHi = f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(bits, bits, 2, 3, 0, 1)), scale);
    const ratioLo = v128.load64_lane(ratio + l1, v128.load64_zero(ratio + l0), 1);
    const ratioHi = v128.load64_lane(ratio + l3, v128.load64_zero(ratio + l2), 1);
    const edgeLo = v128.load64_lane(edge + l1, v128.load64_zero(edge + l0), 1);
    const edgeHi = v128.load64_lane(edge + l3, v128.load64_zero(edge + l2), 1);
    // −x where bit 8 is set, as a flip of the sign bit (as drawNormals)
    const sign = v128.and(u, signBit);
    const zLo = v128.xor(f64x2.mul(uxLo, edgeLo), i64x2.shl(i64x2.extend_low_i32x4_u(sign), 55));
    const zHi = v128.xor(f64x2.mul(uxHi, edgeHi), i64x2.shl(i64x2.extend_high_i32x4_u(sign), 55));
    const at = <usize>k << 3;
    v128.store64_lane(z0 + at, zLo, 0);
    v128.store64_lane(z1 + at, zLo, 1);
    v128.store64_lane(z2 + at, zHi, 0);
    v128.store64_lane(z3 + at, zHi, 1);
    const fast = i64x2.bitmask(f64x2.lt(uxLo, ratioLo)) | (i64x2.bitmask(f64x2.lt(uxHi, ratioHi)) << 2);
    if (fast != 15) {
      // rare: the lanes off the one-draw case go through the scalar slow path, on their words in memory
      const lanes = pLanes;
      v128.store(lanes, w0);
      v128.store(lanes, w1, 16);
      v128.store(lanes, w2, 32);
      v128.store(lanes, w3, 48);
      v128.store(lanes, u, 64);
      for (let j = 0; j < 4; j++) {
        if (((fast >> j) & 1) != 0) continue;
        const lane = lanes + (<usize>j << 2);
        s0 = load<i32>(lane);
        s1 = load<i32>(lane, 16);
        s2 = load<i32>(lane, 32);
        s3 = load<i32>(lane, 48);
        const uj = load<i32>(lane, 64);
        const zj = normalSlow(uj & 255, <u32>uj >>> 9, uj & 256);
        store<i32>(lane, s0);
        store<i32>(lane, s1, 16);
        store<i32>(lane, s2, 32);
        store<i32>(lane, s3, 48);
        store<f64>((j == 0 ? z0 : j == 1 ? z1 : j == 2 ? z2 : z3) + at, zj);
      }
      w0 = v128.load(lanes);
      w1 = v128.load(lanes, 16);
      w2 = v128.load(lanes, 32);
      w3 = v128.load(lanes, 48);
    }
  }
  v128.store(r0, transposeRow(w0, w1, w2, w3, 0));
  v128.store(r1, transposeRow(w0, w1, w2, w3, 1));
  v128.store(r2, transposeRow(w0, w1, w2, w3, 2));
  v128.store(r3, transposeRow(w0, w1, w2, w3, 3));
}

/**
 * Env i's observation from `z` (f64[4·C], one standard normal per value, sensor-major as the observation):
 * cue + σ·z, clamped to [0, 1], 0 on masked channels. Two channels at a time in f64x2 lanes: the lane
 * operations are the scalar ones (promote, multiply, add — no fused multiply-add — and demote round the same),
 * and pmax(v, 0) then pmin(·, 1) are exactly v < 0 ? 0 : v > 1 ? 1 : v (−0 and NaN kept), as clamp01.
 */
function senseNoisy(z: usize, sigma: f64, size: i32, cell: i32, mask: usize, o: usize): void {
  const C = gC;
  const pairs = C & ~1;
  const s2 = f64x2.splat(sigma);
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  let k = 0;
  for (let d = 0; d < SENSORS; d++) {
    const neighbour = cell + (d == 0 ? -1 : d == 1 ? 1 : d == 2 ? -size : size);
    const cue = pCues + (<usize>(neighbour * C) << 2);
    let c = 0;
    for (; c < pairs; c += 2) {
      const cues = f64x2.promote_low_f32x4(v128.load64_zero(cue + (<usize>c << 2)));
      const v = f64x2.add(cues, f64x2.mul(s2, v128.load(z + (<usize>k << 3))));
      const clamped = f32x4.demote_f64x2_zero(f64x2.pmin(f64x2.pmax(v, zero), one));
      if (load<u16>(mask + <usize>c) == 0x0101) {
        v128.store64_lane(o, clamped, 0);
      } else {
        store<f32>(o, load<u8>(mask + <usize>c) == 0 ? 0 : f32x4.extract_lane(clamped, 0));
        store<f32>(o, load<u8>(mask + <usize>c + 1) == 0 ? 0 : f32x4.extract_lane(clamped, 1), 4);
      }
      o += 8;
      k += 2;
    }
    if (c < C) {
      const v = <f64>load<f32>(cue + (<usize>c << 2)) + sigma * load<f64>(z + (<usize>k << 3));
      store<f32>(o, load<u8>(mask + <usize>c) == 0 ? 0 : <f32>clamp01(v));
      o += 4;
      k++;
    }
  }
}

/**
 * senseNoisy for two channels, both active (the paper's tasks): the four sensors' pairs side by side, the same
 * lane operations, and the eight floats stored as two v128.
 */
@inline function senseNoisy2(z: usize, sigma: f64, size: i32, cell: i32, o: usize): void {
  const s2 = f64x2.splat(sigma);
  const at = pCues + (<usize>cell << 3);
  const row = <usize>size << 3;
  const v0 = noisyPair(at - 8, v128.load(z), s2);
  const v1 = noisyPair(at + 8, v128.load(z, 16), s2);
  const v2 = noisyPair(at - row, v128.load(z, 32), s2);
  const v3 = noisyPair(at + row, v128.load(z, 48), s2);
  v128.store(o, i32x4.shuffle(v0, v1, 0, 1, 4, 5));
  v128.store(o, i32x4.shuffle(v2, v3, 0, 1, 4, 5), 16);
}

/** One sensor's two channels: the cue pair at `cue` + σ·z, clamped to [0, 1], as float32 in lanes 0–1 (senseNoisy's lane operations). */
@inline function noisyPair(cue: usize, z: v128, s2: v128): v128 {
  const v = f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(cue)), f64x2.mul(s2, z));
  return f32x4.demote_f64x2_zero(f64x2.pmin(f64x2.pmax(v, f64x2.splat(0)), f64x2.splat(1)));
}

/** senseNoisy, through senseNoisy2 where the env has two channels, both active. */
@inline function senseFrom(z: usize, sigma: f64, size: i32, cell: i32, mask: usize, o: usize): void {
  if (gC == 2 && load<u16>(mask) == 0x0101) senseNoisy2(z, sigma, size, cell, o);
  else senseNoisy(z, sigma, size, cell, mask, o);
}

/** Env i's observation at its position, with fresh noise when σ > 0 (as VectorEnv.senseEnv). */
@inline function senseEnv(i: i32): void {
  const C = gC;
  const sigma = load<f64>(pSigma + (<usize>i << 3));
  const size = load<i32>(pSize + (<usize>i << 2));
  const cell = load<i32>(pSlot + (<usize>i << 2)) * gCap + load<i32>(pPosition + (<usize>i << 2));
  const mask = pMask + <usize>(i * C);
  const o = pObs + (<usize>(i * SENSORS * C) << 2);
  if (sigma > 0) {
    const count = SENSORS * C;
    let z = pNoise;
    if (gShare) {
      // the round's draws of env i's group, made by the first env of the group that needs them
      const g = load<i32>(pGroup + (<usize>i << 2));
      z = pShared + (<usize>(g * count) << 3);
      const stamp = pStamp + (<usize>g << 2);
      if (load<i32>(stamp) != gRound) {
        store<i32>(stamp, gRound);
        drawNormals(g, z, count);
      }
    } else {
      drawNormals(i, z, count);
    }
    senseFrom(z, sigma, size, cell, mask, o);
    return;
  }
  // σ = 0 draws nothing; cues lie in [0, 1] already
  let out = o;
  for (let d = 0; d < SENSORS; d++) {
    const neighbour = cell + (d == 0 ? -1 : d == 1 ? 1 : d == 2 ? -size : size);
    const cue = pCues + (<usize>(neighbour * C) << 2);
    for (let c = 0; c < C; c++) {
      const v = <f64>load<f32>(cue + (<usize>c << 2));
      store<f32>(out, load<u8>(mask + <usize>c) == 0 ? 0 : <f32>clamp01(v));
      out += 4;
    }
  }
}

/** Senses env i alone. */
export function senseOne(i: i32): void {
  // one env alone draws from its own stream
  const share = gShare;
  gShare = false;
  senseEnv(i);
  gShare = share;
}

/** Senses every env i with select[i] ≠ 0. */
export function senseSelected(): void {
  gRound++;
  gListed = 0;
  for (let i = 0; i < gN; i++) if (load<u8>(pSelect + <usize>i) != 0) senseOrList(i);
  senseListed();
}

/**
 * Senses env i now while draws are shared (a group draws once per round for many envs: little to batch), else
 * puts it on the list that senseListed senses.
 */
@inline function senseOrList(i: i32): void {
  if (gShare) {
    senseEnv(i);
  } else {
    store<i32>(pList + (<usize>gListed << 2), i);
    gListed++;
  }
}

/**
 * Senses the envs of the list (pList[0 … gListed), draws not shared) as senseEnv would, in two passes: first
 * the draws of every env with σ > 0 from its own stream, four streams at a time (drawNormals4), into pShared
 * at the env's index, then every observation from those draws. Each env's observation depends on its own
 * position and stream only, so the order does not change a number.
 */
function senseListed(): void {
  const count = SENSORS * gC;
  const n = gListed;
  const stride = <usize>count << 3;
  let queued = 0;
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  for (let k = 0; k < n; k++) {
    const i = load<i32>(pList + (<usize>k << 2));
    if (!(load<f64>(pSigma + (<usize>i << 3)) > 0)) continue;
    const g = i;
    if (queued == 3) {
      drawNormals4(q0, q1, q2, g, count);
      queued = 0;
    } else {
      if (queued == 0) q0 = g;
      else if (queued == 1) q1 = g;
      else q2 = g;
      queued++;
    }
  }
  if (queued > 0) drawNormals(q0, pShared + <usize>q0 * stride, count);
  if (queued > 1) drawNormals(q1, pShared + <usize>q1 * stride, count);
  if (queued > 2) drawNormals(q2, pShared + <usize>q2 * stride, count);
  for (let k = 0; k < n; k++) {
    const i = load<i32>(pList + (<usize>k << 2));
    const sigma = load<f64>(pSigma + (<usize>i << 3));
    if (!(sigma > 0)) {
      senseEnv(i);
      continue;
    }
    const size = load<i32>(pSize + (<usize>i << 2));
    const cell = load<i32>(pSlot + (<usize>i << 2)) * gCap + load<i32>(pPosition + (<usize>i << 2));
    senseFrom(pShared + <usize>i * stride, sigma, size, cell, pMask + <usize>(i * gC), pObs + (<usize>(i * count) << 2));
  }
}

export function heapBase(): usize {
  return __heap_base;
}

/** The first env whose action is not in [0, 4], or −1. */
export function firstBadAction(): i32 {
  for (let i = 0; i < gN; i++) {
    if (<u32>load<i32>(pActions + (<usize>i << 2)) > 4) return i;
  }
  return -1;
}

/**
 * One step of every env (as VectorEnv.step). An env whose episode had ended either stays frozen (autoreset
 * 'none') or, for 'next-step', is marked in `select` for the JavaScript side to restart on its next maze;
 * returns how many were marked.
 */
export function step(): i32 {
  gRound++;
  gListed = 0;
  let pending = 0;
  const cap = gCap;
  for (let i = 0; i < gN; i++) {
    const i1 = <usize>i;
    const i4 = i1 << 2;
    if (load<u8>(pDone + i1) == 1) {
      if (gAutoresetNext) {
        store<u8>(pSelect + i1, 1);
        pending++;
      } else {
        store<u8>(pSelect + i1, 0);
        store<f32>(pRewards + i4, 0);
        store<f32>(pFitness + i4, NaN);
      }
      continue;
    }
    store<u8>(pSelect + i1, 0);
    const a = load<i32>(pActions + i4);
    const size = load<i32>(pSize + i4);
    const base = load<i32>(pSlot + i4) * cap;
    let pos = load<i32>(pPosition + i4);
    const target = pos + (a == 0 ? -1 : a == 1 ? 1 : a == 2 ? -size : a == 3 ? size : 0);
    if (load<u8>(pWalls + <usize>(base + target)) == 0) pos = target;
    store<i32>(pPosition + i4, pos);
    const t = load<i32>(pStepIndex + i4);
    store<i32>(pStepIndex + i4, t + 1);
    const reached = pos == load<i32>(pGoal + i4);
    const steps = load<i32>(pLimit + i4);
    const progress = <f64>load<f32>(pProgress + (<usize>(base + pos) << 2));
    const reward: f64 = gProgressReward
      ? 2 * (progress - load<f64>(pStartProgress + (i1 << 3)))
      : reached ? 1 : 0;
    store<f32>(pRewards + i4, <f32>reward);
    if (reached || t + 1 >= steps) {
      store<u8>(pDone + i1, 1);
      store<u8>(pTerminated + i1, reached ? 1 : 0);
      store<u8>(pTruncated + i1, reached ? 0 : 1);
      const fs = load<i32>(pFastest + i4);
      const span = steps - 1 - fs;
      store<f32>(pFitness + i4, span == 0 ? NaN : <f32>((1 - <f64>(t - fs) / <f64>span + progress) / 2));
    } else {
      store<f32>(pFitness + i4, NaN);
    }
    senseOrList(i);
  }
  senseListed();
  return pending;
}

const GOLDEN_GAMMA: i32 = <i32>0x9e3779b9;

/** splitmix32's output function on four words (Rng's mix32 lane by lane). */
@inline function mix32x4(x: v128): v128 {
  x = i32x4.mul(v128.xor(x, i32x4.shr_u(x, 16)), i32x4.splat(<i32>0x85ebca6b));
  x = i32x4.mul(v128.xor(x, i32x4.shr_u(x, 13)), i32x4.splat(<i32>0xc2b2ae35));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/** Rng's absorb of a value in [0, 2^32) (`low` its bits, the high word 0) into four hashes. */
@inline function absorbLow(hash: v128, low: v128): v128 {
  const g = i32x4.splat(GOLDEN_GAMMA);
  hash = mix32x4(v128.xor(i32x4.add(hash, g), low));
  return mix32x4(i32x4.add(hash, g));
}

/**
 * Seeds the sensor-noise streams of envs first … first+count−1 (count a multiple of 4) as VectorEnv.seedEnv(i,
 * seed) would, with seed = Rng.firstUint32AfterPrefix(prefix, last + i − first), and writes each seed (u32) to
 * out[i − first]: the stream is Rng.derive(seed, stream) (stream in [0, 2^32)), its words into env i's. Four
 * envs side by side in i32x4 lanes, with Rng's integer operations in the same order, so the words are the same.
 */
export function seedAfterPrefix(first: i32, count: i32, prefix: i32, last: i32, stream: i32, out: usize): void {
  const g = i32x4.splat(GOLDEN_GAMMA);
  const p = i32x4.splat(prefix);
  const streamLow = i32x4.splat(stream);
  for (let k = 0; k < count; k += 4) {
    // firstUint32AfterPrefix: absorb(prefix, last + k), two golden steps, then xoshiro128**'s first output of s1
    const ids = i32x4.add(i32x4.splat(last + k), i32x4(0, 1, 2, 3));
    let sm = absorbLow(p, ids);
    sm = i32x4.add(i32x4.add(sm, g), g);
    const scrambled = i32x4.mul(mix32x4(sm), i32x4.splat(5));
    const seed = i32x4.mul(v128.or(i32x4.shl(scrambled, 7), i32x4.shr_u(scrambled, 25)), i32x4.splat(9));
    v128.store(out + (<usize>k << 2), seed);
    // Rng.derive(seed, stream): absorb the seed, the id count 1, the id; then expand into s0 … s3
    let h = absorbLow(i32x4.splat(0x6a09e667), seed);
    h = absorbLow(h, i32x4.splat(1));
    h = absorbLow(h, streamLow);
    const s0 = mix32x4(i32x4.add(h, g));
    const s1 = mix32x4(i32x4.add(h, i32x4.splat(GOLDEN_GAMMA * 2)));
    const s2 = mix32x4(i32x4.add(h, i32x4.splat(GOLDEN_GAMMA * 3)));
    const s3 = mix32x4(i32x4.add(h, i32x4.splat(GOLDEN_GAMMA * 4)));
    // four envs' words, env-major (the transpose of the lanes)
    const r = pRng + (<usize>(first + k) << 4);
    v128.store(r, transposeRow(s0, s1, s2, s3, 0));
    v128.store(r, transposeRow(s0, s1, s2, s3, 1), 16);
    v128.store(r, transposeRow(s0, s1, s2, s3, 2), 32);
    v128.store(r, transposeRow(s0, s1, s2, s3, 3), 48);
  }
}

/** The module's own exp (Math.exp compiled in), for the test that bounds its distance to JavaScript's. */
export function moduleExp(t: f64): f64 {
  return Math.exp(t);
}
