import type { SensitivityProfile } from '../jacobian/sensitivity-profile.js';

/**
 * Input sensitivity (SPEC §4): the mean of S(t, 0) = ‖∂o_t/∂s_t‖_F over all trials and executed steps.
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
 * Memory M_k for every lag the task allows and memory capacity Σ_k M_k (SPEC §4), literally: the mean of the
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
