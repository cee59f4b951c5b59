import { PrnnError, describeValue } from '@prnn/core';

/** The five actions, in order (docs/spec.md §1.4). The first four are also the sensor order (docs/spec.md §1.3). */
export const ACTION_NAMES = ['left', 'right', 'up', 'down', 'stay'] as const;
/** Name of one of the five actions. */
export type ActionName = (typeof ACTION_NAMES)[number];
/** Number of actions (Left, Right, Up, Down, Stay): the width of a policy's Q-value output. */
export const ACTION_COUNT = 5;
/** Number of sensors (Left, Right, Up, Down): an observation holds SENSOR_COUNT values per cue channel. */
export const SENSOR_COUNT = 4;
/** Row / column deltas of the actions Left, Right, Up, Down, Stay. */
export const ACTION_DELTAS: readonly (readonly [number, number])[] = [[0, -1], [0, 1], [-1, 0], [1, 0], [0, 0]];

/** Sensor noise level used in training and evaluation unless told otherwise (docs/spec.md §1.3). */
export const DEFAULT_SENSOR_NOISE = 0.05;

/** Stream id under an env seed for the sensor-noise generator (so MazeEnv and VectorEnv agree). */
export const SENSOR_NOISE_STREAM = 0x53454e53; // 'SENS'
/** Stream id under an env seed for the generator that picks / generates mazes on reset. */
export const MAZE_STREAM = 0x4d415a45; // 'MAZE'

/** Reward of a step: 'goal' = 1 on reaching the goal else 0; 'progress' = 2·(p(pos) − p(start)) (docs/spec.md §3). */
export type RewardMode = 'goal' | 'progress';
/** Every {@link RewardMode}, for option validation. */
export const REWARD_MODES: readonly RewardMode[] = ['goal', 'progress'];

/** Returns `action` when it is an integer in [0, 4]; otherwise a PrnnError naming the five actions. */
export function checkAction(action: unknown): number {
  if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action >= ACTION_COUNT) {
    throw new PrnnError(
      `action must be an integer in [0, 4] (0 Left, 1 Right, 2 Up, 3 Down, 4 Stay) (got ${describeValue(action)})`,
    );
  }
  return action;
}

/** Returns the sensor noise σs when it is a finite number ≥ 0; otherwise a PrnnError naming `sensorNoise`. */
export function checkSensorNoise(sigma: unknown): number {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0) {
    throw new PrnnError(`sensorNoise must be a finite number ≥ 0 (got ${describeValue(sigma)})`);
  }
  return sigma;
}

/** Returns `mode` when it is a {@link RewardMode}; otherwise a PrnnError listing the modes. */
export function checkRewardMode(mode: unknown): RewardMode {
  if (!(REWARD_MODES as readonly unknown[]).includes(mode)) {
    throw new PrnnError(`reward must be one of ${REWARD_MODES.join(', ')} (got ${describeValue(mode)})`);
  }
  return mode as RewardMode;
}
