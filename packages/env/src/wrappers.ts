import type { Env, RenderMode, ResetArgs, ResetResult, StepResult } from './env-api.js';
import type { MazeInfo, MazeResetOptions } from './env.js';
import type { Box, Discrete } from './spaces.js';

/** Gymnasium-style wrapper: forwards everything to the wrapped env; subclasses override what they change. */
export class Wrapper<Obs = Float32Array, Act = number, Info = Record<string, unknown>, ResetOptions = Record<string, unknown>>
implements Env<Obs, Act, Info, ResetOptions> {
  readonly env: Env<Obs, Act, Info, ResetOptions>;

  constructor(env: Env<Obs, Act, Info, ResetOptions>) {
    this.env = env;
  }

  /** The wrapped env's observation space. */
  get observationSpace(): Box {
    return this.env.observationSpace;
  }

  /** The wrapped env's action space. */
  get actionSpace(): Discrete {
    return this.env.actionSpace;
  }

  /** The innermost env. */
  get unwrapped(): Env<Obs, Act, Info, ResetOptions> {
    let env: Env<Obs, Act, Info, ResetOptions> = this.env;
    while (env instanceof Wrapper) env = env.env;
    return env;
  }

  /** Resets the wrapped env. */
  reset(args?: ResetArgs<ResetOptions>): ResetResult<Obs, Info> {
    return this.env.reset(args);
  }

  /** Steps the wrapped env. */
  step(action: Act): StepResult<Obs, Info> {
    return this.env.step(action);
  }

  /** Renders the wrapped env. */
  render(mode?: RenderMode): string {
    return this.env.render(mode);
  }

  /** Closes the wrapped env. */
  close(): void {
    this.env.close();
  }
}

/**
 * The reference DQN's shaped reward (docs/spec.md §3): r_t = 2·(p(position) − p(start)), progress since the
 * start of the episode (not since the last step). The −0.1 of the DQN target is not part of it.
 */
export class ProgressReward<Obs = Float32Array> extends Wrapper<Obs, number, MazeInfo, MazeResetOptions> {
  private startProgress = 0;

  /** Resets the wrapped env and records p(start) of the new episode. */
  override reset(args?: ResetArgs<MazeResetOptions>): ResetResult<Obs, MazeInfo> {
    const result = this.env.reset(args);
    this.startProgress = result.info.progress;
    return result;
  }

  /** Steps the wrapped env and replaces its reward by 2·(p(position) − p(start)). */
  override step(action: number): StepResult<Obs, MazeInfo> {
    const result = this.env.step(action);
    return { ...result, reward: 2 * (result.info.progress - this.startProgress) };
  }
}
