import type { SensitivityProfile } from '../jacobian/sensitivity-profile.js';

/**
 * Input sensitivity (docs/spec.md §4): the mean of S(t, 0) = ‖∂o_t/∂s_t‖_F over all trials and executed steps.
 */
export function inputSensitivity(profile: SensitivityProfile): number {
  const { count: N, steps: T, s, lengths } = profile;
  let sum = 0;
  let n = 0;
  for (let trial = 0; trial < N; trial++) {
    for (let t = 0; t < lengths[trial]; t++) {
      sum += s[(trial * T + t) * T];
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** A network's memory profile: M_k at every lag k, the pairs behind each, and the capacity Σ_k M_k. */
export interface MemoryProfile {
  /** Lags k = 0, −1, …, −(T−1). */
  readonly lags: number[];
  /** M_k: the mean over trials and steps (t + k ≥ 0, S(t,0) > 0) of S(t,k)/S(t,0); M_0 = 1. NaN: no pair. */
  readonly memory: number[];
  /** Number of (trial, step) pairs behind each M_k. */
  readonly pairs: number[];
  /** Memory capacity Σ_k M_k (lags without pairs count 0). */
  readonly capacity: number;
}

/**
 * Memory M_k for every lag the task allows and memory capacity Σ_k M_k (docs/spec.md §4), literally: the mean of the
 * per-step ratios S(t,k)/S(t,0) — not a ratio of means — skipping pairs with S(t,0) = 0. A ratio can exceed
 * 1 (the output depends more on an earlier input than on the current one), and often does for a trained FC
 * network on the Track task.
 */
export function memoryProfile(profile: SensitivityProfile): MemoryProfile {
  const { count: N, steps: T, s, lengths } = profile;
  const sums = new Float64Array(T);
  const pairs = new Float64Array(T);
  for (let trial = 0; trial < N; trial++) {
    for (let t = 0; t < lengths[trial]; t++) {
      const row = (trial * T + t) * T;
      const s0 = s[row];
      if (!(s0 > 0)) continue;
      for (let lag = 0; lag <= t; lag++) {
        sums[lag] += s[row + lag] / s0;
        pairs[lag]++;
      }
    }
  }
  const memory: number[] = [];
  const lags: number[] = [];
  let capacity = 0;
  for (let lag = 0; lag < T; lag++) {
    lags.push(lag === 0 ? 0 : -lag);
    const m = pairs[lag] > 0 ? sums[lag] / pairs[lag] : Number.NaN;
    memory.push(m);
    if (!Number.isNaN(m)) capacity += m;
  }
  return { lags, memory, pairs: Array.from(pairs), capacity };
}

/**
 * The floor below which S(t, 0) counts as "tiny", relative to the network's median S(t, 0) over all executed
 * steps: pairs with S(t, 0) < MEMORY_FLOOR_RELATIVE × median are counted (not dropped) by memoryDiagnostics.
 * A ratio S(t, k)/S(t, 0) over such a pair is large for a reason that has nothing to do with memory (e.g. a
 * saturated softmax late in a trial), and a handful of them can carry the mean of ratios.
 */
export const MEMORY_FLOOR_RELATIVE = 1e-3;

/** A lag is flagged when its largest ⌈MEMORY_TOP_FRACTION·pairs⌉ ratios hold more than MEMORY_TOP_SHARE of their sum. */
export const MEMORY_TOP_FRACTION = 0.01;
/** Share of the sum of ratios above which the largest ratios "carry" a lag (see MEMORY_TOP_FRACTION). */
export const MEMORY_TOP_SHARE = 0.5;
/** Fewest pairs a lag needs to be flagged. */
export const MEMORY_MIN_PAIRS = 10;

/** What lies behind each M_k: robust companions of the mean of ratios and how concentrated it is. */
export interface MemoryDiagnostics {
  readonly lags: number[];
  /** M_k, the paper's mean of ratios (the headline; as memoryProfile). */
  readonly meanOfRatios: number[];
  /** Σ S(t,k) / Σ S(t,0) over the same pairs: not carried by pairs with a tiny S(t,0). */
  readonly ratioOfMeans: number[];
  /** Median of the ratios S(t,k)/S(t,0). */
  readonly medianRatio: number[];
  /** (trial, step) pairs behind each lag (t + k ≥ 0, S(t,0) > 0). */
  readonly pairs: number[];
  /** The floor: MEMORY_FLOOR_RELATIVE × the median S(t, 0). */
  readonly floor: number;
  /** Pairs behind each lag whose S(t,0) is below the floor. */
  readonly belowFloor: number[];
  /** Share of the sum of ratios held by the largest ⌈1 %⌉ of them (at least one pair). */
  readonly topShare: number[];
  /** Lags k (≤ −1) whose mean is carried by a few pairs: topShare > MEMORY_TOP_SHARE. */
  readonly flagged: number[];
}

/**
 * M_k as the paper defines it (mean of ratios) together with the ratio of means, the median ratio, the pairs
 * behind each lag, how many of them had S(t, 0) below the floor, and which lags are carried by a few pairs.
 */
export function memoryDiagnostics(profile: SensitivityProfile): MemoryDiagnostics {
  const { count: N, steps: T, s, lengths } = profile;
  let steps = 0;
  for (let trial = 0; trial < N; trial++) steps += lengths[trial];
  const s0 = new Float64Array(steps);
  for (let trial = 0, at = 0; trial < N; trial++) for (let t = 0; t < lengths[trial]; t++) s0[at++] = s[(trial * T + t) * T];
  const floor = MEMORY_FLOOR_RELATIVE * sortedMedian(s0.sort());
  // each lag's ratios, in the order of the (trial, step) pairs, then sorted: lag k has at most one per executed step
  const ratios = Array.from({ length: T }, () => new Float64Array(steps));
  const counts = new Int32Array(T);
  const num = new Float64Array(T);
  const den = new Float64Array(T);
  const below = new Array<number>(T).fill(0);
  for (let trial = 0; trial < N; trial++) {
    for (let t = 0; t < lengths[trial]; t++) {
      const row = (trial * T + t) * T;
      const base = s[row];
      if (!(base > 0)) continue;
      for (let lag = 0; lag <= t; lag++) {
        ratios[lag][counts[lag]++] = s[row + lag] / base;
        num[lag] += s[row + lag];
        den[lag] += base;
        if (base < floor) below[lag]++;
      }
    }
  }
  const lags: number[] = [];
  const meanOfRatios: number[] = [];
  const ratioOfMeans: number[] = [];
  const medianRatio: number[] = [];
  const topShare: number[] = [];
  const flagged: number[] = [];
  for (let lag = 0; lag < T; lag++) {
    const k = lag === 0 ? 0 : -lag;
    lags.push(k);
    const r = ratios[lag].subarray(0, counts[lag]).sort();
    let sum = 0;
    for (const v of r) sum += v;
    meanOfRatios.push(r.length ? sum / r.length : Number.NaN);
    ratioOfMeans.push(r.length ? num[lag] / den[lag] : Number.NaN);
    medianRatio.push(sortedMedian(r));
    const top = Math.max(1, Math.ceil(MEMORY_TOP_FRACTION * r.length));
    let topSum = 0;
    for (let q = r.length - top; q < r.length; q++) if (q >= 0) topSum += r[q];
    const share = r.length && sum > 0 ? topSum / sum : Number.NaN;
    topShare.push(share);
    // below MEMORY_MIN_PAIRS pairs a single pair holding half the sum says little: not flagged
    if (lag > 0 && r.length >= MEMORY_MIN_PAIRS && share > MEMORY_TOP_SHARE) flagged.push(k);
  }
  return { lags, meanOfRatios, ratioOfMeans, medianRatio, pairs: Array.from(counts), floor, belowFloor: below, topShare, flagged };
}

/** The median of values already sorted ascending (NaN when there are none): what `median` of @prnn/core returns for them. */
function sortedMedian(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
