/**
 * The reference code's speed (the authors' Python/PyTorch code), as recorded in BENCHMARKS.md: measured side by side
 * with prnn on this project's machine kind — one core, PyTorch with one thread, idle machine, median of 6 runs
 * (single runs vary by ±30 %). They replace the earlier 40.6 ms per FC episode and ~10 ms per trial, which came
 * from a slower machine.
 */
export const REFERENCE_MACHINE =
  "the authors' PyTorch code on this project's machine kind: one core, PyTorch with one thread, idle machine, median of 6 runs (BENCHMARKS.md)";

/** Milliseconds of one training episode of one network (rollout, learning pass, Adam). */
export const REFERENCE_TRAINING_EPISODE_MS = {
  general: { fc: 12.0, ff: 7.4 },
  /** `mixed`: the 128 architectures in turn, as the sweep trains them. */
  track: { fc: 4.7, ff: 2.6, mixed: 3.65 },
} as const;

/** Milliseconds of one greedy test trial (one network on one maze, a whole episode). */
export const REFERENCE_TEST_TRIAL_MS = { general: 2.6, track: 0.85 } as const;

/** The paper's noise sweep: 21 levels (docs/spec.md §4). */
export const REFERENCE_SWEEP_LEVELS = 21;

export type ReferenceTask = 'general' | 'track';

/** The reference's seconds for one network's noise sweep of `levels` × `mazes` trials on `task` (H maze: Track's). */
export function referenceSweepSeconds(task: string, levels: number, mazes: number): number {
  const trial = task === 'general' ? REFERENCE_TEST_TRIAL_MS.general : REFERENCE_TEST_TRIAL_MS.track;
  return (trial * levels * mazes) / 1000;
}

/** The reference's FC training rate on `task`, network-episodes per second on one core. */
export function referenceEpisodesPerSecond(task: ReferenceTask, arch: 'fc' | 'ff' | 'mixed' = 'fc'): number {
  const row = REFERENCE_TRAINING_EPISODE_MS[task] as Record<string, number>;
  const ms = row[arch];
  if (ms === undefined) throw new Error(`no recorded reference figure for ${arch} on ${task}`);
  return 1000 / ms;
}

/**
 * The arithmetic rate one core sustains on this kind of work, measured by the throw-away probe: one FC
 * forward step in WebAssembly SIMD with 4 networks per v128 lane group ≈ 9 M network-steps/s ≈ 8 GFLOP/s.
 * The roofline fraction is the achieved FLOP rate over this.
 */
export const PEAK_FLOPS_PER_CORE = 8e9;
