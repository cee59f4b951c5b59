import type { TaskOptions } from '@prnn/env';
import { PrnnError, describeValue, parameterError } from '@prnn/core';
import type { LearnerConfig } from '../sdk/learner.js';

/** The reference DQN's hyper-parameters (docs/spec.md §3). Every default is the paper's. */
export interface DqnConfig extends LearnerConfig {
  /** Training episodes per network (Track 100 000, General 400 000). */
  readonly episodes: number;
  /** Discount γ. */
  readonly gamma: number;
  /** Adam learning rate, β1, β2, ε. */
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly adamEpsilon: number;
  /** Global gradient-norm clip, per network (over that network's slices of all variables). */
  readonly clip: number;
  readonly hidden: number;
  /** Training sensor noise σs (also used for the curve and the final fitness). */
  readonly sensorNoise: number;
  /** ε of the first and the last of the exploration blocks (linear in between). */
  readonly epsilonStart: number;
  readonly epsilonEnd: number;
  /** Number of equal blocks of episodes with constant ε. */
  readonly epsilonBlocks: number;
  /** The constant subtracted in every target: y = r + γ·max Q' − stepPenalty. */
  readonly stepPenalty: number;
  /** Amplitude of the tie-breaking noise u ~ U(0, tieNoise) added before the softmax. */
  readonly tieNoise: number;
  readonly curvePoints: number;
  readonly testMazes: number;
}

/** Episodes per network by task kind (docs/spec.md §0; H is not in the paper, it gets Track's budget). */
export const DEFAULT_EPISODES = { track: 100_000, general: 400_000, h: 100_000 } as const;

/**
 * The paper's DQN hyper-parameters for a task (docs/spec.md §3): episodes by maze kind, γ = 0.9, Adam lr 1e-3, clip 10,
 * ε from 0.95 down to 0.25, step penalty 0.1.
 */
export function dqnDefaults(task: TaskOptions): DqnConfig {
  return {
    episodes: DEFAULT_EPISODES[task.kind],
    gamma: 0.9,
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    adamEpsilon: 1e-8,
    clip: 10,
    hidden: 8,
    sensorNoise: 0.05,
    epsilonStart: 0.95,
    epsilonEnd: 0.95 - 0.7,
    epsilonBlocks: 10,
    stepPenalty: 0.1,
    tieNoise: 0.001,
    curvePoints: 100,
    testMazes: 1000,
  };
}

/** Throws a PrnnError naming parameter `name` when `value` is not allowed. */
export type ConfigCheck = (name: string, value: unknown) => void;

/** An integer ≥ min. */
export function integerAtLeast(min: number): ConfigCheck {
  return (name, value) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw parameterError(name, `must be an integer ≥ ${min} (got ${describeValue(value)})`);
    }
  };
}

/** A finite number in [min, max] (ends open as `open` says). */
export function numberInRange(min: number, max: number, open: { min?: boolean; max?: boolean } = {}): ConfigCheck {
  return (name, value) => {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (open.min ? value > min : value >= min) &&
      (open.max ? value < max : value <= max);
    if (!ok) {
      const lo = open.min ? `(${min}` : `[${min}`;
      const hi = max === Infinity ? '∞)' : open.max ? `${max})` : `${max}]`;
      throw parameterError(name, `must be a number in ${lo}, ${hi} (got ${describeValue(value)})`);
    }
  };
}

/** One check per DQN parameter. */
export const DQN_CHECKS: { readonly [K in keyof DqnConfig]-?: ConfigCheck } = {
  episodes: integerAtLeast(10),
  gamma: numberInRange(0, 1),
  lr: numberInRange(0, Infinity, { min: true, max: true }),
  beta1: numberInRange(0, 1, { max: true }),
  beta2: numberInRange(0, 1, { max: true }),
  adamEpsilon: numberInRange(0, Infinity, { min: true, max: true }),
  clip: numberInRange(0, Infinity, { min: true, max: true }),
  hidden: integerAtLeast(1),
  sensorNoise: numberInRange(0, Infinity, { max: true }),
  epsilonStart: numberInRange(0, 1),
  epsilonEnd: numberInRange(0, 1),
  epsilonBlocks: integerAtLeast(1),
  stepPenalty: numberInRange(-Infinity, Infinity, { min: true, max: true }),
  tieNoise: numberInRange(0, Infinity, { max: true }),
  curvePoints: integerAtLeast(1),
  testMazes: integerAtLeast(1),
};

/** Checks every field of a complete configuration; throws a PrnnError naming the first bad one. */
export function validateDqnConfig(config: DqnConfig): DqnConfig {
  for (const key of Object.keys(DQN_CHECKS) as (keyof DqnConfig)[]) DQN_CHECKS[key](key, config[key]);
  if (config.curvePoints > config.episodes) {
    throw parameterError('curvePoints', `must be ≤ episodes (got ${config.curvePoints} > ${config.episodes})`);
  }
  if (config.epsilonBlocks > config.episodes) {
    throw parameterError('epsilonBlocks', `must be ≤ episodes (got ${config.epsilonBlocks} > ${config.episodes})`);
  }
  return config;
}

/**
 * A copy of `defaults` with `overrides` applied (undefined values are ignored), not yet validated.
 * A key that `defaults` lacks is an error naming the `learner` and the allowed keys.
 */
export function applyConfigOverrides<C extends object>(defaults: C, overrides: Readonly<Record<string, unknown>>, learner: string): C {
  const config = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in defaults)) {
      throw new PrnnError(`unknown ${learner} parameter "${key}" (allowed: ${Object.keys(defaults).join(', ')})`);
    }
    config[key] = value;
  }
  return config as C;
}

/** Defaults for the task, overridden by `overrides` (undefined values are ignored), then validated. */
export function resolveDqnConfig(task: TaskOptions, overrides: Readonly<Record<string, unknown>> = {}): DqnConfig {
  return validateDqnConfig(applyConfigOverrides(dqnDefaults(task), overrides, 'DQN'));
}

/** ε of the block that episode `episode` (0-based) of `episodes` falls in (docs/spec.md §3: 0.95 − b·0.70/9). */
export function epsilonAt(config: DqnConfig, episode: number): number {
  const blocks = config.epsilonBlocks;
  const block = Math.min(blocks - 1, Math.floor((episode * blocks) / config.episodes));
  if (blocks === 1) return config.epsilonStart;
  return config.epsilonStart - (block * (config.epsilonStart - config.epsilonEnd)) / (blocks - 1);
}

/** The episode before which curve point k (0-based) is measured: ⌊k·E/points⌋. */
export function curvePointEpisode(config: LearnerConfig, k: number): number {
  return Math.floor((k * config.episodes) / config.curvePoints);
}
