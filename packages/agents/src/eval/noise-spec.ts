import { PrnnError } from '@prnn/core';

/** docs/spec.md §4: σs ∈ {0, 0.025, …, 0.5}. */
export const PAPER_NOISE_SPEC = '0:0.5:21';
/** docs/spec.md §4: a network's fitness is its fitness at σs = 0.05. */
export const PAPER_FITNESS_NOISE = 0.05;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseLevel(text: string, spec: string): number {
  const t = text.trim();
  if (!NUMBER.test(t)) {
    throw new PrnnError(
      `noise must be a level (0.05), a comma-separated list (0,0.1,0.2) or from:to:count (0:0.5:21) of numbers ≥ 0 (got "${spec}": "${t}" is not a number)`,
    );
  }
  const v = Number(t);
  if (!Number.isFinite(v) || v < 0) {
    throw new PrnnError(`noise levels must be finite numbers ≥ 0 (got "${spec}": ${t})`);
  }
  return v;
}

/** Rounds away binary noise of evenly spaced levels (0.1 + 0.025·k → 12 significant digits). */
function tidy(v: number): number {
  return Number(v.toPrecision(12));
}

/**
 * Parses a sensor-noise sweep: `0.05` (one level), `0,0.1,0.2` (a list) or `from:to:count` (count evenly
 * spaced levels from `from` to `to` inclusive, e.g. `0:0.5:21` = 0, 0.025, …, 0.5). Levels must be finite,
 * ≥ 0 and strictly increasing.
 */
export function parseNoiseSpec(spec: string): number[] {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new PrnnError(`noise must be a level (0.05), a list (0,0.1,0.2) or from:to:count (0:0.5:21) (got "${String(spec)}")`);
  }
  let levels: number[];
  if (spec.includes(':')) {
    const parts = spec.split(':');
    if (parts.length !== 3) {
      throw new PrnnError(`noise range must be from:to:count, e.g. 0:0.5:21 (got "${spec}")`);
    }
    const from = parseLevel(parts[0], spec);
    const to = parseLevel(parts[1], spec);
    const countText = parts[2].trim();
    const count = Number(countText);
    if (!/^\d+$/.test(countText) || count < 1 || count > 100_000) {
      throw new PrnnError(`noise range count must be an integer from 1 to 100000 (got "${spec}": ${countText})`);
    }
    if (count === 1 && from !== to) {
      throw new PrnnError(`noise range with count 1 must have from = to (got "${spec}")`);
    }
    if (count > 1 && !(to > from)) throw new PrnnError(`noise range must have to > from (got "${spec}")`);
    levels = [];
    for (let k = 0; k < count; k++) levels.push(k === count - 1 ? to : tidy(from + ((to - from) * k) / (count - 1)));
  } else {
    levels = spec.split(',').map((p) => parseLevel(p, spec));
  }
  checkNoiseLevels(levels);
  return levels;
}

/** Levels must be a non-empty, strictly increasing list of finite numbers ≥ 0. */
export function checkNoiseLevels(levels: readonly number[]): void {
  if (!Array.isArray(levels) || levels.length === 0) throw new PrnnError('noise must list at least one level');
  for (let k = 0; k < levels.length; k++) {
    const v = levels[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new PrnnError(`noise levels must be finite numbers ≥ 0 (got ${String(v)} at position ${k})`);
    }
    if (k > 0 && !(v > levels[k - 1])) {
      throw new PrnnError(`noise levels must be strictly increasing (got ${levels[k - 1]} then ${v})`);
    }
  }
}

/** Trapezoid area under fitness(σ) over the levels (docs/spec.md §4 robustness); NaN levels are skipped. */
export function trapezoidArea(levels: readonly number[], values: readonly number[]): number {
  let area = 0;
  let prev = -1;
  for (let k = 0; k < levels.length; k++) {
    if (Number.isNaN(values[k])) continue;
    if (prev >= 0) area += ((levels[k] - levels[prev]) * (values[k] + values[prev])) / 2;
    prev = k;
  }
  return area;
}
