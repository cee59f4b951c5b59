// The 9-pathway family's SIMD kernel (AssemblyScript, compiled with --enable simd by scripts/build-wasm.mjs).
// Four float32 lanes per v128 are four networks of one architecture (a "group"); the JavaScript side
// (src/architectures/nine-pathway/wasm/) owns the memory layout and passes byte addresses. No allocator:
// every buffer lives where the caller says.
//
// Group descriptor (DESC_INTS i32): [hidden, active lanes, member of lane 0..3, weight address of pathway
// 0..8 (0 when absent)], pathways in canonical order ih, ho, ii, hh, oo, io, oi, hi, oh. Lane weights are
// [A][B] v128s (lane l = member l). Padded lanes repeat lane 0's member and are never written back.

const DESC_INTS: i32 = 15;
const IH: i32 = 0;
const HO: i32 = 1;
const II: i32 = 2;
const HH: i32 = 3;
const OO: i32 = 4;
const IO: i32 = 5;
const OI: i32 = 6;
const HI: i32 = 7;
const OH: i32 = 8;

let gI: i32 = 0;
let gO: i32 = 0;
let gHmax: i32 = 0;
let gP: i32 = 0;
let gGroups: i32 = 0;
let gDesc: usize = 0;

export function configure(inputs: i32, outputs: i32, maxHidden: i32, population: i32, groups: i32, desc: usize): void {
  gI = inputs;
  gO = outputs;
  gHmax = maxHidden;
  gP = population;
  gGroups = groups;
  gDesc = desc;
}

export function heapBase(): usize {
  return __heap_base;
}

@inline function dget(g: i32, k: i32): i32 {
  return load<i32>(gDesc + ((<usize>(g * DESC_INTS + k)) << 2));
}

@inline function member(g: i32, l: i32): i32 {
  return dget(g, 2 + l);
}

@inline function wptr(g: i32, k: i32): usize {
  return <usize>dget(g, 6 + k);
}

@inline function vAt(base: usize, i: i32): usize {
  return base + ((<usize>i) << 4);
}

/** out[b] += Σ_a v[a]·W[a][b]. */
@inline function matVecAcc(out: usize, v: usize, rows: i32, w: usize, cols: i32): void {
  for (let a = 0; a < rows; a++) {
    const va = v128.load(vAt(v, a));
    const r = vAt(w, a * cols);
    for (let b = 0; b < cols; b++) {
      const p = vAt(out, b);
      v128.store(p, f32x4.add(v128.load(p), f32x4.mul(va, v128.load(vAt(r, b)))));
    }
  }
}

/** out[a] += Σ_b W[a][b]·d[b]. */
@inline function matTVecAcc(out: usize, w: usize, rows: i32, cols: i32, d: usize): void {
  for (let a = 0; a < rows; a++) {
    const r = vAt(w, a * cols);
    let s = f32x4.splat(0);
    for (let b = 0; b < cols; b++) s = f32x4.add(s, f32x4.mul(v128.load(vAt(r, b)), v128.load(vAt(d, b))));
    const p = vAt(out, a);
    v128.store(p, f32x4.add(v128.load(p), s));
  }
}

/** G[a][b] += u[a]·d[b]. */
@inline function outerAcc(g: usize, u: usize, rows: i32, d: usize, cols: i32): void {
  for (let a = 0; a < rows; a++) {
    const ua = v128.load(vAt(u, a));
    const r = vAt(g, a * cols);
    for (let b = 0; b < cols; b++) {
      const p = vAt(r, b);
      v128.store(p, f32x4.add(v128.load(p), f32x4.mul(ua, v128.load(vAt(d, b)))));
    }
  }
}

@inline function zero(p: usize, n: i32): void {
  memory.fill(p, 0, (<usize>n) << 4);
}

/** e^x per lane in float32 (Cody–Waite range reduction, degree-6 polynomial; a few ulp). */
@inline function expv(x0: v128): v128 {
  const x = f32x4.min(f32x4.max(x0, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1.0));
  const e = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, e);
}

/**
 * One step of group g: previous state (px, ph, po; ignored when `first`) and sensed s (+ noise u, 0 = none)
 * → x, h, o = softmax(z + u). All v128 arrays.
 */
function stepGroup(g: i32, first: bool, s: usize, u: usize, px: usize, ph: usize, po: usize, x: usize, h: usize, o: usize): void {
  const I = gI;
  const O = gO;
  const H = dget(g, 0);
  const wii = first ? 0 : wptr(g, II);
  const woi = first ? 0 : wptr(g, OI);
  const whi = first ? 0 : wptr(g, HI);
  const wih = wptr(g, IH);
  const whh = first ? 0 : wptr(g, HH);
  const woh = first ? 0 : wptr(g, OH);
  const who = wptr(g, HO);
  const wio = wptr(g, IO);
  const woo = first ? 0 : wptr(g, OO);
  // each pre-activation sums its pathways in the order ii, oi, hi / ih, hh, oh / ho, io, oo (+ u), rows in order
  memory.copy(x, s, (<usize>I) << 4);
  if (wii != 0) colsAcc(x, px, I, wii, I);
  if (woi != 0) colsAcc(x, po, O, woi, I);
  if (whi != 0) colsAcc(x, ph, H, whi, I);
  const zv = f32x4.splat(0);
  zero(h, H);
  colsAcc(h, x, I, wih, H);
  if (whh != 0) colsAcc(h, ph, H, whh, H);
  if (woh != 0) colsAcc(h, po, O, woh, H);
  for (let j = 0; j < H; j++) {
    const p = vAt(h, j);
    const acc = v128.load(p);
    v128.store(p, v128.and(acc, f32x4.gt(acc, zv)));
  }
  zero(o, O);
  colsAcc(o, h, H, who, O);
  if (wio != 0) colsAcc(o, x, I, wio, O);
  if (woo != 0) colsAcc(o, po, O, woo, O);
  let m = f32x4.splat(-Infinity);
  for (let j = 0; j < O; j++) {
    const p = vAt(o, j);
    let acc = v128.load(p);
    if (u != 0) acc = f32x4.add(acc, v128.load(vAt(u, j)));
    v128.store(p, acc);
    m = f32x4.max(m, acc);
  }
  let sum = f32x4.splat(0);
  for (let j = 0; j < O; j++) {
    const p = vAt(o, j);
    const e = expv(f32x4.sub(v128.load(p), m));
    v128.store(p, e);
    sum = f32x4.add(sum, e);
  }
  for (let j = 0; j < O; j++) {
    const p = vAt(o, j);
    v128.store(p, f32x4.div(v128.load(p), sum));
  }
}

/**
 * dst[c] += Σ_a v[a]·W[a][c] for every column c < cols, rows added in order (the same sums as colDot), four
 * columns at a time so that four independent chains of adds are in flight (the step is latency-bound).
 */
@inline function colsAcc(dst: usize, v: usize, rows: i32, w: usize, cols: i32): void {
  const step = (<usize>cols) << 4;
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const d = vAt(dst, c);
    let a0 = v128.load(d);
    let a1 = v128.load(d, 16);
    let a2 = v128.load(d, 32);
    let a3 = v128.load(d, 48);
    let p = vAt(w, c);
    for (let a = 0; a < rows; a++) {
      const va = v128.load(vAt(v, a));
      a0 = f32x4.add(a0, f32x4.mul(va, v128.load(p)));
      a1 = f32x4.add(a1, f32x4.mul(va, v128.load(p, 16)));
      a2 = f32x4.add(a2, f32x4.mul(va, v128.load(p, 32)));
      a3 = f32x4.add(a3, f32x4.mul(va, v128.load(p, 48)));
      p += step;
    }
    v128.store(d, a0);
    v128.store(d, a1, 16);
    v128.store(d, a2, 32);
    v128.store(d, a3, 48);
  }
  for (; c < cols; c++) {
    const d = vAt(dst, c);
    v128.store(d, colDot(v128.load(d), v, rows, w, cols, c));
  }
}

/** acc + Σ_a v[a]·W[a][col] (W has `cols` columns). */
@inline function colDot(acc: v128, v: usize, rows: i32, w: usize, cols: i32, col: i32): v128 {
  let p = vAt(w, col);
  const step = (<usize>cols) << 4;
  for (let a = 0; a < rows; a++) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(vAt(v, a)), v128.load(p)));
    p += step;
  }
  return acc;
}

/** dst[j] (v128) = lanes of src[row(l)*stride + j] for j < n, row(l) = base + member(l)·mul. */
@inline function gatherRows(g: i32, dst: usize, src: usize, n: i32, base: i32, mul: i32): void {
  const r0 = src + ((<usize>((base + member(g, 0) * mul) * n)) << 2);
  const r1 = src + ((<usize>((base + member(g, 1) * mul) * n)) << 2);
  const r2 = src + ((<usize>((base + member(g, 2) * mul) * n)) << 2);
  const r3 = src + ((<usize>((base + member(g, 3) * mul) * n)) << 2);
  for (let j = 0; j < n; j++) {
    const o = (<usize>j) << 2;
    let v = f32x4.splat(load<f32>(r0 + o));
    v = f32x4.replace_lane(v, 1, load<f32>(r1 + o));
    v = f32x4.replace_lane(v, 2, load<f32>(r2 + o));
    v = f32x4.replace_lane(v, 3, load<f32>(r3 + o));
    v128.store(vAt(dst, j), v);
  }
}

/**
 * The rollout step of every group for `batch` environments per network. obs [P·batch·I], noise [P·batch·O]
 * (0 = none) and q [P·batch·O] are network-major float32; cur/next hold (x, h, o) per (group, env) with
 * stride (I + Hmax + O) v128s; s/u are scratch (I and O v128s).
 */
export function forward(batch: i32, obs: usize, noise: usize, q: usize, cur: usize, next: usize, s: usize, u: usize): void {
  const I = gI;
  const O = gO;
  const stride = I + gHmax + O;
  for (let g = 0; g < gGroups; g++) {
    const active = dget(g, 1);
    for (let b = 0; b < batch; b++) {
      gatherRows(g, s, obs, I, b, batch);
      if (noise != 0) gatherRows(g, u, noise, O, b, batch);
      const c = vAt(cur, (g * batch + b) * stride);
      const nx = vAt(next, (g * batch + b) * stride);
      stepGroup(g, false, s, noise != 0 ? u : 0, c, vAt(c, I), vAt(c, I + gHmax), nx, vAt(nx, I), vAt(nx, I + gHmax));
      const no = vAt(nx, I + gHmax);
      for (let l = 0; l < active; l++) {
        const dst = q + ((<usize>((member(g, l) * batch + b) * O)) << 2);
        for (let j = 0; j < O; j++) store<f32>(dst + ((<usize>j) << 2), load<f32>(vAt(no, j) + ((<usize>l) << 2)));
      }
    }
  }
}

// rows and columns of pathway k in layer sizes (0 = inputs, 1 = hidden, 2 = outputs)
@inline function fromLayer(k: i32): i32 {
  // ih ho ii hh oo io oi hi oh
  return k == IH || k == II || k == IO ? 0 : k == HO || k == HH || k == HI ? 1 : 2;
}
@inline function toLayer(k: i32): i32 {
  return k == HO || k == OO || k == IO ? 2 : k == IH || k == HH || k == OH ? 1 : 0;
}
@inline function layerSize(layer: i32, H: i32): i32 {
  return layer == 0 ? gI : layer == 1 ? H : gO;
}

/**
 * Copies between group g's lanes (base address lanes + (wptr(g, k) − wptr(g, IH)) per pathway) and the
 * padded population layout (pathway k's [P][Ap][Bp] float32 array at the address table[k]). toLanes: padded
 * → lanes (all four lanes); else lanes → padded for the active lanes only.
 */
function copyGroup(g: i32, lanes: usize, table: usize, toLanes: bool): void {
  const H = dget(g, 0);
  const active = dget(g, 1);
  const w0 = wptr(g, IH);
  for (let k = 0; k < 9; k++) {
    const wk = wptr(g, k);
    if (wk == 0) continue;
    const lk = lanes + (wk - w0);
    const A = layerSize(fromLayer(k), H);
    const B = layerSize(toLayer(k), H);
    const Ap = layerSize(fromLayer(k), gHmax);
    const Bp = layerSize(toLayer(k), gHmax);
    const pk = <usize>load<i32>(table + ((<usize>k) << 2));
    const m0 = pk + ((<usize>(member(g, 0) * Ap * Bp)) << 2);
    const m1 = pk + ((<usize>(member(g, 1) * Ap * Bp)) << 2);
    const m2 = pk + ((<usize>(member(g, 2) * Ap * Bp)) << 2);
    const m3 = pk + ((<usize>(member(g, 3) * Ap * Bp)) << 2);
    for (let a = 0; a < A; a++) {
      let b = 0;
      // four columns of the four members at a time: a 4 × 4 transpose in registers
      if (toLanes || active == 4) {
        for (; b + 4 <= B; b += 4) {
          const o = (<usize>(a * Bp + b)) << 2;
          const lp = vAt(lk, a * B + b);
          if (toLanes) {
            const r0 = v128.load(m0 + o);
            const r1 = v128.load(m1 + o);
            const r2 = v128.load(m2 + o);
            const r3 = v128.load(m3 + o);
            const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
            const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
            const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
            const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
            v128.store(lp, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
            v128.store(lp, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), 16);
            v128.store(lp, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), 32);
            v128.store(lp, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), 48);
          } else {
            const c0 = v128.load(lp);
            const c1 = v128.load(lp, 16);
            const c2 = v128.load(lp, 32);
            const c3 = v128.load(lp, 48);
            const t0 = v128.shuffle<i32>(c0, c1, 0, 4, 1, 5);
            const t1 = v128.shuffle<i32>(c0, c1, 2, 6, 3, 7);
            const t2 = v128.shuffle<i32>(c2, c3, 0, 4, 1, 5);
            const t3 = v128.shuffle<i32>(c2, c3, 2, 6, 3, 7);
            v128.store(m0 + o, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
            v128.store(m1 + o, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
            v128.store(m2 + o, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
            v128.store(m3 + o, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
          }
        }
      }
      for (; b < B; b++) {
        const o = (<usize>(a * Bp + b)) << 2;
        const lp = vAt(lk, a * B + b);
        if (toLanes) {
          let v = f32x4.splat(load<f32>(m0 + o));
          v = f32x4.replace_lane(v, 1, load<f32>(m1 + o));
          v = f32x4.replace_lane(v, 2, load<f32>(m2 + o));
          v = f32x4.replace_lane(v, 3, load<f32>(m3 + o));
          v128.store(lp, v);
        } else {
          const v = v128.load(lp);
          store<f32>(m0 + o, f32x4.extract_lane(v, 0));
          if (active > 1) store<f32>(m1 + o, f32x4.extract_lane(v, 1));
          if (active > 2) store<f32>(m2 + o, f32x4.extract_lane(v, 2));
          if (active > 3) store<f32>(m3 + o, f32x4.extract_lane(v, 3));
        }
      }
    }
  }
}

/** Lane weights of every group from the padded population layout (address table of the 9 pathways). */
export function loadWeights(table: usize): void {
  for (let g = 0; g < gGroups; g++) copyGroup(g, wptr(g, IH), table, true);
}

/**
 * The learning pass over recorded episodes (time-major float32 obs [T·P·I], noise [T·P·O], targets [T·P],
 * int32 actions [T·P], lengths [P]): per network L_n = Σ_{t<len_n} (Q_t[a_t] − y_t)² into losses [P]; with
 * `grads` (address table of the 9 padded gradient arrays, 0 = losses only) dL_n/dθ_n by back-propagation
 * through time, scaled by scale [P] (float32, 0 = none). Padded entries of the gradient arrays are left
 * as they are (the caller zeroes them). `work` is scratch: see learnScratchBytes. `hist` (0 = none) holds
 * the rollout's states of these very steps ([t][group] blocks of x, h, o), which the forward then reuses.
 */
export function learn(T: i32, obs: usize, noise: usize, actions: usize, targets: usize, lengths: usize, losses: usize, grads: usize, scale: usize, work: usize, hist: usize): void {
  const I = gI;
  const O = gO;
  const Hm = gHmax;
  const P = gP;
  const S = I + Hm + O;
  // scratch: activations ax/ah/ao per step [T][S]; inputs s [T][I], u [T][O]; actions [T] (i32x4),
  // targets [T], lane masks [T]; deltas; the per-step deltas [T][S] of backwardGroup; one group's gradient
  const act = work;
  const sIn = vAt(act, T * S);
  const uIn = vAt(sIn, T * I);
  const aIn = vAt(uIn, T * O);
  const yIn = vAt(aIn, T);
  const mIn = vAt(yIn, T);
  const dX = vAt(mIn, T);
  const dH = vAt(dX, I);
  const dO = vAt(dH, Hm);
  const dXn = vAt(dO, O);
  const dHn = vAt(dXn, I);
  const dOn = vAt(dHn, Hm);
  const dz = vAt(dOn, O);
  const deltas = vAt(dz, O);
  const gr = vAt(deltas, T * S);
  const tS = hist != 0 ? gGroups * S : S;
  for (let g = 0; g < gGroups; g++) {
    const actG = hist != 0 ? vAt(hist, g * S) : act;
    const active = dget(g, 1);
    const m0 = member(g, 0);
    const m1 = member(g, 1);
    const m2 = member(g, 2);
    const m3 = member(g, 3);
    const len = i32x4(load<i32>(lengths + ((<usize>m0) << 2)), load<i32>(lengths + ((<usize>m1) << 2)), load<i32>(lengths + ((<usize>m2) << 2)), load<i32>(lengths + ((<usize>m3) << 2)));
    let L = 0;
    for (let l = 0; l < active; l++) L = max(L, load<i32>(lengths + ((<usize>member(g, l)) << 2)));
    // inputs of each step, then the forward
    for (let t = 0; t < L; t++) {
      gatherRows(g, vAt(sIn, t * I), obs, I, t * P, 1);
      gatherRows(g, vAt(uIn, t * O), noise, O, t * P, 1);
      const e = t * P;
      v128.store(vAt(aIn, t), i32x4(load<i32>(actions + ((<usize>(e + m0)) << 2)), load<i32>(actions + ((<usize>(e + m1)) << 2)), load<i32>(actions + ((<usize>(e + m2)) << 2)), load<i32>(actions + ((<usize>(e + m3)) << 2))));
      v128.store(vAt(yIn, t), f32x4(load<f32>(targets + ((<usize>(e + m0)) << 2)), load<f32>(targets + ((<usize>(e + m1)) << 2)), load<f32>(targets + ((<usize>(e + m2)) << 2)), load<f32>(targets + ((<usize>(e + m3)) << 2))));
      v128.store(vAt(mIn, t), i32x4.gt_s(len, i32x4.splat(t)));
      if (hist != 0) continue;
      const c = vAt(act, t * S);
      const p = vAt(act, (t > 0 ? t - 1 : 0) * S);
      stepGroup(g, t == 0, vAt(sIn, t * I), vAt(uIn, t * O), p, vAt(p, I), vAt(p, I + Hm), c, vAt(c, I), vAt(c, I + Hm));
    }
    // the loss, and err_t = 2·(Q_t[a_t] − y_t) masked to the lanes' lengths (kept in yIn)
    let loss = f32x4.splat(0);
    for (let t = 0; t < L; t++) {
      const ao = vAt(actG, t * tS + I + Hm);
      const a = v128.load(vAt(aIn, t));
      let qa = f32x4.splat(0);
      for (let j = 0; j < O; j++) qa = v128.bitselect(v128.load(vAt(ao, j)), qa, i32x4.eq(a, i32x4.splat(j)));
      const d = v128.and(f32x4.sub(qa, v128.load(vAt(yIn, t))), v128.load(vAt(mIn, t)));
      loss = f32x4.add(loss, f32x4.mul(d, d));
      v128.store(vAt(yIn, t), f32x4.add(d, d));
    }
    v128.store(dz, loss);
    for (let l = 0; l < active; l++) store<f32>(losses + ((<usize>member(g, l)) << 2), load<f32>(dz + ((<usize>l) << 2)));
    if (grads == 0) continue;
    zero(gr, groupWeights(g));
    backwardGroup(g, L, tS, actG, aIn, yIn, dX, dH, dO, dXn, dHn, dOn, deltas, gr);
    if (scale != 0) {
      const sc = f32x4(load<f32>(scale + ((<usize>m0) << 2)), load<f32>(scale + ((<usize>m1) << 2)), load<f32>(scale + ((<usize>m2) << 2)), load<f32>(scale + ((<usize>m3) << 2)));
      const n = groupWeights(g);
      for (let i = 0; i < n; i++) v128.store(vAt(gr, i), f32x4.mul(v128.load(vAt(gr, i)), sc));
    }
    copyGroup(g, gr, grads, false);
  }
}

/** v128 weights of group g (its present pathways at its own hidden size). */
function groupWeights(g: i32): i32 {
  const H = dget(g, 0);
  let n = 0;
  for (let k = 0; k < 9; k++) if (wptr(g, k) != 0) n += layerSize(fromLayer(k), H) * layerSize(toLayer(k), H);
  return n;
}

/** Bytes of `work` that learn needs for T steps. */
export function learnScratchBytes(T: i32, maxGroupWeights: i32): i32 {
  const S = gI + gHmax + gO;
  return (T * S + T * (gI + gO) + 3 * T + 2 * S + gO + maxGroupWeights + T * S) << 4;
}

/**
 * Back-propagation through time over steps L−1 … 0 of group g, from its activations (act, stride S v128s
 * per step: x, h, o), actions aIn and masked output errors eIn; accumulates dL/dW into gr (the group's lane
 * layout, from 0). The deltas of every step are kept in `deltas` ([t] blocks of dX, dH, dz; stride
 * I + Hmax + O) and the weight gradients summed from them afterwards (see gradSum).
 */
function backwardGroup(g: i32, L: i32, S: i32, act: usize, aIn: usize, eIn: usize, dX: usize, dH: usize, dO: usize, dXn: usize, dHn: usize, dOn: usize, deltas: usize, gr: usize): void {
  const I = gI;
  const O = gO;
  const Hm = gHmax;
  const D = I + Hm + O;
  const H = dget(g, 0);
  const w0 = wptr(g, IH);
  const wHO = wptr(g, HO);
  const wII = wptr(g, II);
  const wHH = wptr(g, HH);
  const wOO = wptr(g, OO);
  const wIO = wptr(g, IO);
  const wOI = wptr(g, OI);
  const wHI = wptr(g, HI);
  const wOH = wptr(g, OH);
  const zv = f32x4.splat(0);
  zero(dXn, I);
  zero(dHn, H);
  zero(dOn, O);
  for (let t = L - 1; t >= 0; t--) {
    const x = vAt(act, t * S);
    const h = vAt(x, I);
    const o = vAt(x, I + Hm);
    const dXt = vAt(deltas, t * D);
    const dHt = vAt(dXt, I);
    const dz = vAt(dXt, I + Hm);
    const a = v128.load(vAt(aIn, t));
    const err = v128.load(vAt(eIn, t));
    // dL/do_t (the loss at t plus what step t+1 sent back), then through the softmax
    let dot = f32x4.splat(0);
    for (let j = 0; j < O; j++) {
      const d = f32x4.add(v128.load(vAt(dOn, j)), v128.and(err, i32x4.eq(a, i32x4.splat(j))));
      v128.store(vAt(dO, j), d);
      dot = f32x4.add(dot, f32x4.mul(v128.load(vAt(o, j)), d));
    }
    for (let j = 0; j < O; j++) {
      v128.store(vAt(dz, j), f32x4.mul(v128.load(vAt(o, j)), f32x4.sub(v128.load(vAt(dO, j)), dot)));
    }
    zero(dOn, O);
    memory.copy(dH, dHn, (<usize>H) << 4);
    zero(dHn, H);
    memory.copy(dX, dXn, (<usize>I) << 4);
    zero(dXn, I);
    const last = t == 0;
    matTVecAcc(dH, wHO, H, O, dz);
    if (wIO != 0) matTVecAcc(dX, wIO, I, O, dz);
    if (!last && wOO != 0) matTVecAcc(dOn, wOO, O, O, dz);
    for (let j = 0; j < H; j++) {
      const p = vAt(dH, j);
      v128.store(vAt(dHt, j), v128.and(v128.load(p), f32x4.gt(v128.load(vAt(h, j)), zv)));
    }
    matTVecAcc(dX, w0, I, H, dHt);
    memory.copy(dXt, dX, (<usize>I) << 4);
    if (last) continue;
    if (wHH != 0) matTVecAcc(dHn, wHH, H, H, dHt);
    if (wOH != 0) matTVecAcc(dOn, wOH, O, H, dHt);
    if (wII != 0) matTVecAcc(dXn, wII, I, I, dXt);
    if (wOI != 0) matTVecAcc(dOn, wOI, O, I, dXt);
    if (wHI != 0) matTVecAcc(dHn, wHI, H, I, dXt);
  }
  // G_k[a][b] = Σ_t u_t[a]·d_t[b], t from L−1 down (down to 1 for the pathways from the previous step): the
  // sums outerAcc formed step by step, in the same order
  const dzs = vAt(deltas, I + Hm);
  const dHs = vAt(deltas, I);
  const xs = act;
  const hs = vAt(act, I);
  const os = vAt(act, I + Hm);
  gradSum(gr + (wHO - w0), hs, S, 0, H, dzs, D, O, L, 0);
  if (wIO != 0) gradSum(gr + (wIO - w0), xs, S, 0, I, dzs, D, O, L, 0);
  if (wOO != 0) gradSum(gr + (wOO - w0), os, S, 1, O, dzs, D, O, L, 1);
  gradSum(gr, xs, S, 0, I, dHs, D, H, L, 0);
  if (wHH != 0) gradSum(gr + (wHH - w0), hs, S, 1, H, dHs, D, H, L, 1);
  if (wOH != 0) gradSum(gr + (wOH - w0), os, S, 1, O, dHs, D, H, L, 1);
  if (wII != 0) gradSum(gr + (wII - w0), xs, S, 1, I, deltas, D, I, L, 1);
  if (wOI != 0) gradSum(gr + (wOI - w0), os, S, 1, O, deltas, D, I, L, 1);
  if (wHI != 0) gradSum(gr + (wHI - w0), hs, S, 1, H, deltas, D, I, L, 1);
}

/**
 * G[a][b] += Σ_{t = L−1 … lo} u_{t−lag}[a]·d_t[b] (u_t at us + t·uStride, d_t at ds + t·dStride, in v128s),
 * four columns of G in registers at a time.
 */
function gradSum(gp: usize, us: usize, uStride: i32, lag: i32, rows: i32, ds: usize, dStride: i32, cols: i32, L: i32, lo: i32): void {
  const uStep = (<usize>uStride) << 4;
  const dStep = (<usize>dStride) << 4;
  for (let a = 0; a < rows; a++) {
    const r = vAt(gp, a * cols);
    const u0 = vAt(us, (L - 1 - lag) * uStride + a);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const p = vAt(r, c);
      let a0 = v128.load(p);
      let a1 = v128.load(p, 16);
      let a2 = v128.load(p, 32);
      let a3 = v128.load(p, 48);
      let pu = u0;
      let pd = vAt(ds, (L - 1) * dStride + c);
      for (let t = L - 1; t >= lo; t--) {
        const ua = v128.load(pu);
        a0 = f32x4.add(a0, f32x4.mul(ua, v128.load(pd)));
        a1 = f32x4.add(a1, f32x4.mul(ua, v128.load(pd, 16)));
        a2 = f32x4.add(a2, f32x4.mul(ua, v128.load(pd, 32)));
        a3 = f32x4.add(a3, f32x4.mul(ua, v128.load(pd, 48)));
        pu -= uStep;
        pd -= dStep;
      }
      v128.store(p, a0);
      v128.store(p, a1, 16);
      v128.store(p, a2, 32);
      v128.store(p, a3, 48);
    }
    for (; c < cols; c++) {
      const p = vAt(r, c);
      let acc = v128.load(p);
      let pu = u0;
      let pd = vAt(ds, (L - 1) * dStride + c);
      for (let t = L - 1; t >= lo; t--) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(pu), v128.load(pd)));
        pu -= uStep;
        pd -= dStep;
      }
      v128.store(p, acc);
    }
  }
}

/**
 * One Adam step over `arrays` parameter arrays ([P, per] float32 each; the table holds per array its values,
 * gradients, first and second moments addresses and `per`, as 5 i32s), gradient of network n scaled by
 * coef[n]: the float32 operations of PopulationOptimizer in its order, so the results are the same bits.
 * `shapes` ([arrays][P] i32) says which entries of network n's slice of array i hold weights: SLICE_FULL all
 * of them, 0 none (an absent pathway), else (rows << 16) | cols of a [rows, cols] block at the top left of
 * the slice's [per / padCols[i], padCols[i]] rows. The other entries are zero with zero gradients, which
 * Adam leaves as they are, so they are skipped.
 */
export function adam(arrays: i32, table: usize, coef: usize, P: i32, b1: f32, b2: f32, omb1: f32, omb2: f32, omAcc1: f32, omAcc2: f32, eps: f32, negLr: f32, shapes: usize, padCols: usize): void {
  const vb1 = f32x4.splat(b1);
  const vb2 = f32x4.splat(b2);
  const vomb1 = f32x4.splat(omb1);
  const vomb2 = f32x4.splat(omb2);
  const va1 = f32x4.splat(omAcc1);
  const va2 = f32x4.splat(omAcc2);
  const veps = f32x4.splat(eps);
  const vlr = f32x4.splat(negLr);
  for (let i = 0; i < arrays; i++) {
    const row = table + ((<usize>(i * 5)) << 2);
    const value = <usize>load<i32>(row);
    const grad = <usize>load<i32>(row, 4);
    const m = <usize>load<i32>(row, 8);
    const v = <usize>load<i32>(row, 12);
    const per = load<i32>(row, 16);
    const pc = load<i32>(padCols + ((<usize>i) << 2));
    for (let n = 0; n < P; n++) {
      const shape = load<i32>(shapes + ((<usize>(i * P + n)) << 2));
      if (shape == 0) continue;
      const c = load<f32>(coef + ((<usize>n) << 2));
      const vc = f32x4.splat(c);
      const rows = shape == SLICE_FULL ? 1 : shape >>> 16;
      const cols = shape == SLICE_FULL ? per : shape & 0xffff;
      for (let r = 0; r < rows; r++) {
        let j = n * per + r * pc;
        const end = j + cols;
        for (; j + 4 <= end; j += 4) {
          const o = (<usize>j) << 2;
          const gj = f32x4.mul(v128.load(grad + o), vc);
          const mj = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gj, vomb1));
          const vj = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gj, gj), vomb2));
          v128.store(m + o, mj);
          v128.store(v + o, vj);
          const mHat = f32x4.div(mj, va1);
          const vHat = f32x4.div(vj, va2);
          v128.store(value + o, f32x4.add(f32x4.mul(f32x4.div(mHat, f32x4.add(f32x4.sqrt(vHat), veps)), vlr), v128.load(value + o)));
        }
        for (; j < end; j++) {
          const o = (<usize>j) << 2;
          const gj: f32 = load<f32>(grad + o) * c;
          const mj: f32 = load<f32>(m + o) * b1 + gj * omb1;
          const vj: f32 = load<f32>(v + o) * b2 + gj * gj * omb2;
          store<f32>(m + o, mj);
          store<f32>(v + o, vj);
          const mHat: f32 = mj / omAcc1;
          const vHat: f32 = vj / omAcc2;
          store<f32>(value + o, (mHat / (Mathf.sqrt(vHat) + eps)) * negLr + load<f32>(value + o));
        }
      }
    }
  }
}

/** `shapes` entry of a slice whose entries all hold weights (see adam). */
const SLICE_FULL: i32 = -1;

/**
 * Per-network global gradient norms before clipping, into out[n] (float32): over the `arrays` gradient
 * arrays in table order (the same 5-i32 rows as adam), the float32 sum of each array's slice sum, a
 * slice summed in float64 of float32 squares in row-major order; then the float32 square root.
 * PopulationOptimizer's operations in its order, so the same bits: the entries `shapes` skips (see adam)
 * have zero gradients, and adding their zero squares changes no sum.
 */
export function gradNorms(arrays: i32, table: usize, P: i32, out: usize, shapes: usize, padCols: usize): void {
  for (let n = 0; n < P; n++) store<f32>(out + ((<usize>n) << 2), 0);
  for (let i = 0; i < arrays; i++) {
    const row = table + ((<usize>(i * 5)) << 2);
    const grad = <usize>load<i32>(row, 4);
    const per = load<i32>(row, 16);
    const pc = load<i32>(padCols + ((<usize>i) << 2));
    for (let n = 0; n < P; n++) {
      const shape = load<i32>(shapes + ((<usize>(i * P + n)) << 2));
      let sum: f64 = 0;
      if (shape != 0) {
        const rows = shape == SLICE_FULL ? 1 : shape >>> 16;
        const cols = shape == SLICE_FULL ? per : shape & 0xffff;
        for (let r = 0; r < rows; r++) {
          let p = grad + ((<usize>(n * per + r * pc)) << 2);
          const end = p + ((<usize>cols) << 2);
          for (; p < end; p += 4) {
            const g = load<f32>(p);
            sum += <f64>(g * g);
          }
        }
      }
      const o = out + ((<usize>n) << 2);
      store<f32>(o, load<f32>(o) + <f32>sum);
    }
  }
  for (let n = 0; n < P; n++) {
    const o = out + ((<usize>n) << 2);
    store<f32>(o, Mathf.sqrt(load<f32>(o)));
  }
}

/** 1 when the `bytes` bytes (a multiple of 4) at a and b are the same bits, else 0. */
export function sameBits(a: usize, b: usize, bytes: i32): i32 {
  const n = <usize>bytes;
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) if (v128.any_true(v128.xor(v128.load(a + i), v128.load(b + i)))) return 0;
  for (; i < n; i += 4) if (load<i32>(a + i) != load<i32>(b + i)) return 0;
  return 1;
}
