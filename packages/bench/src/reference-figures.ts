import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PrnnError, parseJsonFile } from '@prnn/core';

/**
 * The recorded figures the benchmarks compare with are data, not code: JSON files in packages/bench/reference/,
 * each carrying the machine it was measured on and the date, read when a benchmark runs. Re-measuring on another
 * machine means writing another file (same fields) and passing it as the benchmark's `reference` / `peak` option.
 */
export const REFERENCE_FIGURES_DIRECTORY = fileURLToPath(new URL('../reference/', import.meta.url));

/** Fields every recorded figure file carries. */
export interface RecordedFigure {
  /** What was measured. */
  readonly description: string;
  /** The machine it was measured on (cores, memory, load, how many runs). */
  readonly machine: string;
  /** When it was measured (YYYY-MM-DD). */
  readonly date: string;
  /** Where the measurement is written up (e.g. BENCHMARKS.md). */
  readonly source: string;
}

/** The reference code's speed (reference/reference-code.json). */
export interface ReferenceCodeFigures extends RecordedFigure {
  /** Milliseconds of one training episode of one network (rollout, learning pass, Adam); track `mixed`: the 128 architectures in turn. */
  readonly trainingEpisodeMs: { readonly general: { readonly fc: number; readonly ff: number }; readonly track: { readonly fc: number; readonly ff: number; readonly mixed: number } };
  /** Milliseconds of one greedy test trial (one network on one maze, a whole episode). */
  readonly testTrialMs: { readonly general: number; readonly track: number };
}

/** The sustained arithmetic rate of one core the roofline divides by (reference/peak-flops.json). */
export interface PeakFlopsFigure extends RecordedFigure {
  /** FLOP per second of one core. */
  readonly peakFlopsPerCore: number;
}

/** The paper's noise sweep: 21 levels (docs/spec.md §4). */
export const REFERENCE_SWEEP_LEVELS = 21;

/** The tasks the reference code was timed on. */
export type ReferenceTask = 'general' | 'track';

function readFigureFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PrnnError(`reference figures ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); restore it or pass the figures as an option`);
  }
  const value = parseJsonFile(text, file);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PrnnError(`reference figures ${file} must hold a JSON object`);
  const record = value as Record<string, unknown>;
  for (const key of ['description', 'machine', 'date', 'source']) {
    if (typeof record[key] !== 'string' || record[key] === '') throw new PrnnError(`reference figures ${file} must give "${key}" as a non-empty string`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(record.date as string)) throw new PrnnError(`reference figures ${file} must give "date" as YYYY-MM-DD (got ${JSON.stringify(record.date)})`);
  return record;
}

function positive(file: string, record: Record<string, unknown>, path: readonly string[]): number {
  let value: unknown = record;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new PrnnError(`reference figures ${file} must give "${path.join('.')}" as a number > 0 (got ${JSON.stringify(value)})`);
  }
  return value;
}

const cache = new Map<string, unknown>();

/** Reads (once per file and process) the reference code's recorded speed; default: reference/reference-code.json. */
export function loadReferenceCode(file = `${REFERENCE_FIGURES_DIRECTORY}reference-code.json`): ReferenceCodeFigures {
  const cached = cache.get(file);
  if (cached) return cached as ReferenceCodeFigures;
  const r = readFigureFile(file);
  const ms = (...path: string[]) => positive(file, r, path);
  const figures: ReferenceCodeFigures = {
    description: r.description as string,
    machine: r.machine as string,
    date: r.date as string,
    source: r.source as string,
    trainingEpisodeMs: {
      general: { fc: ms('trainingEpisodeMs', 'general', 'fc'), ff: ms('trainingEpisodeMs', 'general', 'ff') },
      track: { fc: ms('trainingEpisodeMs', 'track', 'fc'), ff: ms('trainingEpisodeMs', 'track', 'ff'), mixed: ms('trainingEpisodeMs', 'track', 'mixed') },
    },
    testTrialMs: { general: ms('testTrialMs', 'general'), track: ms('testTrialMs', 'track') },
  };
  cache.set(file, figures);
  return figures;
}

/** Reads (once per file and process) the recorded peak arithmetic rate of one core; default: reference/peak-flops.json. */
export function loadPeakFlops(file = `${REFERENCE_FIGURES_DIRECTORY}peak-flops.json`): PeakFlopsFigure {
  const cached = cache.get(file);
  if (cached) return cached as PeakFlopsFigure;
  const r = readFigureFile(file);
  const figure: PeakFlopsFigure = {
    description: r.description as string,
    machine: r.machine as string,
    date: r.date as string,
    source: r.source as string,
    peakFlopsPerCore: positive(file, r, ['peakFlopsPerCore']),
  };
  cache.set(file, figure);
  return figure;
}

/** One line naming where and when recorded figures were measured, as the benchmarks print it. */
export function describeRecorded(figure: RecordedFigure): string {
  return `${figure.description}; ${figure.machine}; ${figure.date} (${figure.source})`;
}

/** The reference's seconds for one network's noise sweep of `levels` × `mazes` trials on `task` (H maze: Track's). */
export function referenceSweepSeconds(reference: ReferenceCodeFigures, task: string, levels: number, mazes: number): number {
  const trial = task === 'general' ? reference.testTrialMs.general : reference.testTrialMs.track;
  return (trial * levels * mazes) / 1000;
}

/** The reference's training rate on `task` for `arch`, network-episodes per second on one core. */
export function referenceEpisodesPerSecond(reference: ReferenceCodeFigures, task: ReferenceTask, arch: 'fc' | 'ff' | 'mixed' = 'fc'): number {
  const row = reference.trainingEpisodeMs[task] as Record<string, number>;
  const ms = row[arch];
  if (ms === undefined) throw new PrnnError(`arch has no recorded reference figure for ${arch} on ${task}`);
  return 1000 / ms;
}
