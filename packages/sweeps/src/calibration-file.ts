import { readFile } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { PRNN_VERSION, writeJsonAtomic } from '@prnn/agents';
import type { MeasuredPhaseRates } from '@prnn/bench';

/*
 * The projection's calibration, kept in the sweep directory (DIR/projection.json) for the run it was made for:
 * `prnn reproduce --scale paper` measures every phase briefly and prints the projection; the same command with
 * `--yes` soon after then starts the run on those rates instead of measuring them again (about half a minute of
 * both cores at the paper's plan). It is reused only for the same plan, workers and calibration settings, by the
 * same prnn and Node on the same machine (host, CPU model, cores), and only while it is fresh.
 */

/** The file, in the sweep directory. */
export const CALIBRATION_FILE = 'projection.json';
const FORMAT = 'prnn-calibration';
const VERSION = 1;

/** Seconds a calibration stays good for starting the run it was made for. */
export const CALIBRATION_MAX_AGE_SECONDS = 3600;

/** What a calibration was measured for: a stored one is reused only when every field is equal. */
export interface CalibrationKey {
  readonly plan: string;
  readonly workers: number;
  readonly benchSeconds: number;
  /** The calibration's size settings (null: its defaults). */
  readonly calibration: unknown;
  readonly prnn: string;
  readonly node: string;
  readonly host: string;
  readonly cpu: string;
  readonly cores: number;
}

/** The key of a calibration of `plan` with these settings on this machine, by this prnn and Node. */
export function calibrationKey(plan: string, workers: number, benchSeconds: number, calibration: unknown): CalibrationKey {
  const cores = cpus();
  return {
    plan,
    workers,
    benchSeconds,
    calibration: calibration ?? null,
    prnn: PRNN_VERSION,
    node: process.version,
    host: hostname(),
    cpu: cores[0]?.model ?? 'unknown',
    cores: cores.length,
  };
}

interface StoredCalibration {
  readonly format: string;
  readonly version: number;
  readonly key: CalibrationKey;
  readonly calibratedAt: string;
  readonly rates: MeasuredPhaseRates;
}

/** Writes the rates measured for `key` at `at` into DIR/projection.json (temp file, then rename). */
export async function writeCalibration(dir: string, key: CalibrationKey, rates: MeasuredPhaseRates, at: Date): Promise<void> {
  const stored: StoredCalibration = { format: FORMAT, version: VERSION, key, calibratedAt: at.toISOString(), rates };
  await writeJsonAtomic(join(dir, CALIBRATION_FILE), stored);
}

/**
 * The rates stored in DIR/projection.json when they were measured for `key` at most `maxAgeSeconds` before `now`;
 * otherwise why not (no file, unreadable, another key, too old), in a few words.
 */
export async function readCalibration(
  dir: string,
  key: CalibrationKey,
  now: Date,
  maxAgeSeconds = CALIBRATION_MAX_AGE_SECONDS,
): Promise<{ readonly rates: MeasuredPhaseRates; readonly calibratedAt: Date } | { readonly why: string }> {
  let stored: StoredCalibration;
  try {
    stored = JSON.parse(await readFile(join(dir, CALIBRATION_FILE), 'utf8')) as StoredCalibration;
  } catch (e) {
    return { why: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'none stored' : `${CALIBRATION_FILE} is unreadable` };
  }
  if (stored?.format !== FORMAT || stored.version !== VERSION || typeof stored.rates !== 'object' || stored.rates === null) return { why: `${CALIBRATION_FILE} is not a calibration this prnn reads` };
  const differs = (Object.keys(key) as (keyof CalibrationKey)[]).filter((k) => JSON.stringify(stored.key?.[k]) !== JSON.stringify(key[k]));
  if (differs.length > 0) return { why: `the stored one was made for another ${differs.join(', ')}` };
  const calibratedAt = new Date(stored.calibratedAt);
  const age = (now.getTime() - calibratedAt.getTime()) / 1000;
  if (!Number.isFinite(age)) return { why: 'the stored one is undated' };
  // a clock set back since: not trusted either
  if (age < 0) return { why: 'the stored one is dated after now' };
  if (age > maxAgeSeconds) return { why: `the stored one is ${Math.round(age / 60)} min old (at most ${maxAgeSeconds / 60} min)` };
  return { rates: stored.rates, calibratedAt };
}
