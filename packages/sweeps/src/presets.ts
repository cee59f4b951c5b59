import type { MazeKind } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { PAPER_NOISE_SPEC } from '@prnn/agents';

/** A named sweep: what `prnn sweep plan --preset` and `prnn reproduce --scale` start from. */
export interface SweepPreset {
  readonly name: string;
  readonly description: string;
  readonly maze: MazeKind;
  /** `--arch` syntax: names, indices or `all` (the 128 + ff-large). */
  readonly arch: string;
  readonly seeds: number;
  /** Absent: the task's default (docs/spec.md §0: Track 100 000, General 400 000). */
  readonly episodes?: number;
  readonly testMazes?: number;
  readonly curvePoints?: number;
  /** Noise-sweep levels in `prnn eval --noise` syntax. */
  readonly noise: string;
  /** Networks per chunk (one population, one job). */
  readonly chunkSize: number;
  readonly checkpointEvery?: number;
  readonly metrics: readonly string[];
}

const METRICS = ['parameters', 'weight-norms'] as const;

/**
 * The named sweep presets (`--preset`): `paper-track` and `paper-general` (the paper's sweeps), `small` and `smoke`.
 */
export const SWEEP_PRESETS: readonly SweepPreset[] = [
  {
    name: 'paper-track',
    description: "the seed paper's sweep: 128 architectures + ff-large × 50 seeds on the Track maze, 100 000 episodes (6 450 networks)",
    maze: 'track',
    arch: 'all',
    seeds: 50,
    noise: PAPER_NOISE_SPEC,
    chunkSize: 256,
    metrics: METRICS,
  },
  {
    name: 'paper-general',
    description: "the authors' later study: the same 6 450 networks on the General maze, 400 000 episodes",
    maze: 'general',
    arch: 'all',
    seeds: 50,
    noise: PAPER_NOISE_SPEC,
    chunkSize: 256,
    metrics: METRICS,
  },
  {
    name: 'small',
    description: "the paper's 129 configurations × 8 seeds on the Track maze at the paper's 100 000 episodes (1 032 networks, under an hour on 2 cores)",
    maze: 'track',
    arch: 'all',
    seeds: 8,
    noise: PAPER_NOISE_SPEC,
    chunkSize: 256,
    metrics: METRICS,
  },
  {
    name: 'smoke',
    description: 'a check that everything runs: fc, ff, io and ff-large × 2 seeds, 200 episodes, 100 test mazes, 4 chunks (seconds)',
    maze: 'track',
    arch: 'fc,ff,io,ff-large',
    seeds: 2,
    episodes: 200,
    testMazes: 100,
    curvePoints: 10,
    noise: '0:0.5:11',
    chunkSize: 2,
    checkpointEvery: 40,
    metrics: METRICS,
  },
];

/** The preset of that name, optionally on the other maze kind; a PrnnError lists the names when there is none. */
export function sweepPreset(name: string, task?: 'track' | 'general'): SweepPreset {
  const preset = SWEEP_PRESETS.find((p) => p.name === name);
  if (!preset) throw new PrnnError(`preset must be one of ${SWEEP_PRESETS.map((p) => p.name).join(', ')} (got ${JSON.stringify(name)})`);
  return task === undefined ? preset : { ...preset, maze: task };
}
