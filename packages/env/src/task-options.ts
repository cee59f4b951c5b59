import { PrnnError, describeValue } from '@prnn/core';

/** The three maze worlds (docs/spec.md §1.1, §1.2). */
export type MazeKind = 'general' | 'track' | 'h';
/** Every {@link MazeKind}, for option validation. */
export const MAZE_KINDS: readonly MazeKind[] = ['general', 'track', 'h'];

/** `'reference'` reproduces the reference code's quirks (docs/spec.md §1.1: the last carved room stays a wall). */
export type CompatMode = 'none' | 'reference';
/** Every {@link CompatMode}, for option validation. */
export const COMPAT_MODES: readonly CompatMode[] = ['none', 'reference'];

/**
 * Everything that defines a maze task. Every field is present for every kind; a kind ignores the
 * fields it does not use (Track and H ignore cueSparsity and wallSparsity, General ignores gap).
 * Sensor noise is not a task option: it belongs to the env / evaluator.
 */
export interface TaskOptions {
  readonly kind: MazeKind;
  /** Side length N of the square grid (odd). */
  readonly size: number;
  /** Number of cue channels C. */
  readonly channels: number;
  /** 0/1 mask of length C applied to every observation (1 = channel on). */
  readonly activeChannels: readonly number[];
  /** Track/H: number of cue-less cells next to the goal. */
  readonly gap: number;
  /** General: probability that an open cell loses all its cues. */
  readonly cueSparsity: number;
  /** General: probability that an inner wall cell is opened. */
  readonly wallSparsity: number;
  /** Standard deviation of the Gaussian noise added once to the cues of open cells. */
  readonly mazeNoise: number;
  /** Episode length (maximum number of steps). */
  readonly steps: number;
  readonly compat: CompatMode;
}

type Defaults = Omit<TaskOptions, 'kind' | 'activeChannels'>;

/** The defaults of each kind (docs/spec.md §0, §1). */
export const TASK_DEFAULTS: Readonly<Record<MazeKind, Readonly<Defaults>>> = {
  general: {
    size: 9, channels: 2, gap: 0, cueSparsity: 0.1, wallSparsity: 0, mazeNoise: 0, steps: 20, compat: 'none',
  },
  track: {
    size: 11, channels: 2, gap: 1, cueSparsity: 0, wallSparsity: 0, mazeNoise: 0, steps: 6, compat: 'none',
  },
  h: {
    size: 11, channels: 2, gap: 1, cueSparsity: 0, wallSparsity: 0, mazeNoise: 0, steps: 12, compat: 'none',
  },
};

/** The keys of TaskOptions (what `resolveTaskOptions` accepts). */
export const OPTION_KEYS: ReadonlySet<string> = new Set([
  'kind', 'size', 'channels', 'activeChannels', 'gap', 'cueSparsity', 'wallSparsity', 'mazeNoise', 'steps',
  'compat',
]);

/** Smallest size per kind: General needs 2×2 rooms; Track and H need at least two cue values per half. */
const MIN_SIZE: Readonly<Record<MazeKind, number>> = { general: 5, track: 7, h: 7 };
const MIN_CHANNELS: Readonly<Record<MazeKind, number>> = { general: 1, track: 1, h: 2 };
/** Sizes above this make no sense for 4·C-sensor agents and would only risk huge allocations. */
const MAX_SIZE = 1001;

/** Whether `value` names a maze kind (`general`, `track` or `h`). */
export function isMazeKind(value: unknown): value is MazeKind {
  return typeof value === 'string' && (MAZE_KINDS as readonly string[]).includes(value);
}

/** Number of cells between the start and the goal-side end of the Track / H corridor: (N − 5)/2. */
export function maxGap(size: number): number {
  return (size - 5) / 2;
}

function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    throw new PrnnError(`${name} must be ${range} (got ${describeValue(value)})`);
  }
  return value;
}

function checkProbability(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new PrnnError(`${name} must be a probability in [0, 1] (got ${describeValue(value)})`);
  }
  return value;
}

function checkNonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new PrnnError(`${name} must be a finite number ≥ 0 (got ${describeValue(value)})`);
  }
  return value;
}

/**
 * Applies the defaults of `kind` to `partial` and validates the result. Throws PrnnError naming the
 * offending parameter and its allowed range. Unknown keys are rejected (typos would otherwise be silent).
 */
export function resolveTaskOptions(kind: MazeKind | string, partial: Partial<TaskOptions> = {}): TaskOptions {
  if (!isMazeKind(kind)) {
    throw new PrnnError(`kind must be one of ${MAZE_KINDS.join(', ')} (got ${describeValue(kind)})`);
  }
  if (partial === null || typeof partial !== 'object') {
    throw new PrnnError(`task options must be an object (got ${describeValue(partial)})`);
  }
  for (const key of Object.keys(partial)) {
    if (!OPTION_KEYS.has(key)) {
      throw new PrnnError(`unknown task option ${describeValue(key)}; allowed: ${[...OPTION_KEYS].join(', ')}`);
    }
  }
  if (partial.kind !== undefined && partial.kind !== kind) {
    throw new PrnnError(`kind must match the requested maze kind ${describeValue(kind)} (got ${describeValue(partial.kind)})`);
  }
  const defaults = TASK_DEFAULTS[kind];
  const pick = <K extends keyof Defaults>(key: K): Defaults[K] =>
    partial[key] === undefined ? defaults[key] : (partial[key] as Defaults[K]);

  const size = pick('size');
  const minSize = MIN_SIZE[kind];
  if (typeof size !== 'number' || !Number.isInteger(size) || size % 2 === 0 || size < minSize || size > MAX_SIZE) {
    throw new PrnnError(
      `size must be an odd integer in [${minSize}, ${MAX_SIZE}] for ${kind} mazes (got ${describeValue(size)})`,
    );
  }
  const channels = checkInteger('channels', pick('channels'), MIN_CHANNELS[kind], 64);

  let activeChannels: number[];
  if (partial.activeChannels === undefined) {
    activeChannels = new Array<number>(channels).fill(1);
  } else {
    const mask: unknown = partial.activeChannels;
    if (!Array.isArray(mask) || mask.length !== channels || !mask.every((v) => v === 0 || v === 1)) {
      throw new PrnnError(
        `activeChannels must be an array of ${channels} values, each 0 or 1 (got ${describeValue(mask)})`,
      );
    }
    activeChannels = [...(mask as number[])];
  }

  const gap = pick('gap');
  if (kind === 'general') {
    checkInteger('gap', gap, 0);
  } else {
    checkInteger(`gap (for ${kind} size ${size})`, gap, 0, maxGap(size));
  }
  const cueSparsity = checkProbability('cueSparsity', pick('cueSparsity'));
  const wallSparsity = checkProbability('wallSparsity', pick('wallSparsity'));
  const mazeNoise = checkNonNegative('mazeNoise', pick('mazeNoise'));
  const steps = checkInteger('steps', pick('steps'), 1, 1_000_000);
  const compat = pick('compat');
  if (!(COMPAT_MODES as readonly string[]).includes(compat as string)) {
    throw new PrnnError(`compat must be one of ${COMPAT_MODES.join(', ')} (got ${describeValue(compat)})`);
  }
  return {
    kind, size, channels, activeChannels, gap, cueSparsity, wallSparsity, mazeNoise, steps, compat,
  };
}
