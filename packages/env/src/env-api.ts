import type { Box, Discrete } from './spaces.js';

/** Gymnasium-style reset arguments. `options` is env-specific. */
export interface ResetArgs<ResetOptions = Record<string, unknown>> {
  seed?: number;
  options?: ResetOptions;
}

/** What `reset` returns: the first observation and the info of the start state. */
export interface ResetResult<Obs, Info> {
  observation: Obs;
  info: Info;
}

/**
 * What `step` returns: the next observation, the reward, whether the episode ended at the goal or by the step limit,
 * and the info.
 */
export interface StepResult<Obs, Info> {
  observation: Obs;
  reward: number;
  /** The episode ended in a terminal state (the goal). */
  terminated: boolean;
  /** The episode was cut off (the step limit). */
  truncated: boolean;
  info: Info;
}

/** Output of `render`: a text drawing (`ansi`) or an SVG document (`svg`). */
export type RenderMode = 'ansi' | 'svg';

/** The Gymnasium contract every prnn env and wrapper implements. */
export interface Env<Obs = Float32Array, Act = number, Info = Record<string, unknown>, ResetOptions = Record<string, unknown>> {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  /** Starts an episode (re-seeding the env's streams when `seed` is given) and returns its first observation. */
  reset(args?: ResetArgs<ResetOptions>): ResetResult<Obs, Info>;
  /** Takes one action and returns the next observation, reward and end flags. */
  step(action: Act): StepResult<Obs, Info>;
  /** Draws the current state of the episode. */
  render(mode?: RenderMode): string;
  /** Releases the env; later calls of reset or step fail. */
  close(): void;
}
