import type { Box, Discrete } from './spaces.js';

/** Gymnasium-style reset arguments. `options` is env-specific. */
export interface ResetArgs<ResetOptions = Record<string, unknown>> {
  seed?: number;
  options?: ResetOptions;
}

export interface ResetResult<Obs, Info> {
  observation: Obs;
  info: Info;
}

export interface StepResult<Obs, Info> {
  observation: Obs;
  reward: number;
  /** The episode ended in a terminal state (the goal). */
  terminated: boolean;
  /** The episode was cut off (the step limit). */
  truncated: boolean;
  info: Info;
}

export type RenderMode = 'ansi' | 'svg';

/** The Gymnasium contract every prnn env and wrapper implements. */
export interface Env<Obs = Float32Array, Act = number, Info = Record<string, unknown>, ResetOptions = Record<string, unknown>> {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  reset(args?: ResetArgs<ResetOptions>): ResetResult<Obs, Info>;
  step(action: Act): StepResult<Obs, Info>;
  render(mode?: RenderMode): string;
  close(): void;
}
