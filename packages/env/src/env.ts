import {
  ACTION_COUNT, ACTION_DELTAS, DEFAULT_SENSOR_NOISE, MAZE_STREAM, SENSOR_COUNT, SENSOR_NOISE_STREAM, checkAction,
  checkRewardMode, checkSensorNoise, type RewardMode,
} from './actions.js';
import type { Env, RenderMode, ResetArgs, ResetResult, StepResult } from './env-api.js';
import { PrnnError, describeValue, Rng } from '@prnn/core';
import { generateMazeInto } from './generate.js';
import { MazeSet } from './maze-set.js';
import { renderAscii } from './render-ascii.js';
import { renderSvg } from './render-svg.js';
import { trialFitness } from './scoring.js';
import { Box, Discrete } from './spaces.js';
import { OPTION_KEYS, resolveTaskOptions, type MazeKind, type TaskOptions } from './task-options.js';

/**
 * Options of a MazeEnv. Task options may be given nested (`{ task: { size: 13 } }`) or flat (`{ size: 13 }`),
 * not both for one key; any other key is refused (a typo never passes silently).
 */
export interface MazeEnvOptions extends Partial<Omit<TaskOptions, 'kind'>> {
  /** Maze kind (default 'general'); ignored when `mazeSet` is given. */
  kind?: MazeKind;
  /** Task options on top of the kind's defaults; ignored when `mazeSet` is given. */
  task?: Partial<TaskOptions>;
  /** Fixed maze set to play (reset picks `mazeIndex`, or a random maze); otherwise every reset generates a fresh maze. */
  mazeSet?: MazeSet;
  /** Sensor noise σs (default 0.05). */
  sensorNoise?: number;
  reward?: RewardMode;
}

const ENV_KEYS: ReadonlySet<string> = new Set(['kind', 'task', 'mazeSet', 'sensorNoise', 'reward']);

/** The task options of `options`: `task` with the flat task keys laid over it; unknown keys are refused. */
function envTaskOptions(options: MazeEnvOptions): Partial<TaskOptions> {
  if (options === null || typeof options !== 'object') throw new PrnnError(`env options must be an object (got ${describeValue(options)})`);
  const task: Record<string, unknown> = { ...(options.task ?? {}) };
  const flat: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (ENV_KEYS.has(key)) continue;
    if (!OPTION_KEYS.has(key) || key === 'kind') {
      throw new PrnnError(`unknown env option ${describeValue(key)}; allowed: ${[...ENV_KEYS].join(', ')} and the task options ${[...OPTION_KEYS].filter((k) => k !== 'kind').join(', ')}`);
    }
    if (options.task && key in options.task) throw new PrnnError(`task option ${key} is given twice (flat and in task); give it once`);
    task[key] = value;
    flat.push(key);
  }
  if (flat.length > 0 && options.mazeSet !== undefined) {
    throw new PrnnError(`task options (${flat.join(', ')}) cannot be combined with mazeSet: the set's own options apply`);
  }
  return task as Partial<TaskOptions>;
}

/** Options of {@link MazeEnv.reset}: the maze set and maze to play, and the sensor noise from this episode on. */
export interface MazeResetOptions {
  /** Play this set for this episode (default: the env's set, or a freshly generated maze). */
  mazeSet?: MazeSet;
  /** Maze of the set to play (default: uniformly random). Needs a set. */
  mazeIndex?: number;
  /** Sensor noise σs from this episode on. */
  sensorNoise?: number;
}

/**
 * Info of every reset and step of a {@link MazeEnv}: maze, agent cell, step count, distance and progress to the goal,
 * and the episode's fitness.
 */
export interface MazeInfo {
  mazeIndex: number;
  /** Cell of the agent (row·size + col). */
  position: number;
  row: number;
  col: number;
  /** Steps executed so far in this episode. */
  step: number;
  /** BFS distance of the agent to the goal. */
  distance: number;
  /** p(position). */
  progress: number;
  /** p(start), the reference point of the 'progress' reward. */
  startProgress: number;
  /** Fitness of the episode (docs/spec.md §1.5) once it has ended, NaN before. */
  fitness: number;
}

/**
 * One maze agent, Gymnasium-style. Observation: Float32Array of 4·C sensor values in [0, 1]
 * (L, R, U, D; channels within). Actions 0 Left, 1 Right, 2 Up, 3 Down, 4 Stay. Terminates on the goal,
 * truncates after `steps` steps. `reset({ seed })` seeds the env's sensor-noise stream (seed, 'SENS')
 * and its maze-picking stream (seed, 'MAZE'); without a seed the streams continue (seed 0 initially).
 */
export class MazeEnv implements Env<Float32Array, number, MazeInfo, MazeResetOptions> {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(ACTION_COUNT);
  readonly options: TaskOptions;

  private readonly fixedSet: MazeSet | undefined;
  private readonly ownSet: MazeSet | undefined;
  private sigma: number;
  private readonly reward: RewardMode;
  private noiseRng = Rng.derive(0, SENSOR_NOISE_STREAM);
  private mazeRng = Rng.derive(0, MAZE_STREAM);

  private set: MazeSet | undefined;
  private index = 0;
  private position = 0;
  private steps = 0;
  private ended = false;
  private closed = false;
  private fitness = Number.NaN;
  private readonly path: number[] = [];

  constructor(options: MazeEnvOptions = {}) {
    const task = envTaskOptions(options);
    if (options.mazeSet !== undefined) {
      if (!(options.mazeSet instanceof MazeSet)) throw new PrnnError('mazeSet must be a MazeSet');
      this.fixedSet = options.mazeSet;
      this.options = options.mazeSet.options;
    } else {
      this.options = resolveTaskOptions(options.kind ?? 'general', task);
      this.ownSet = MazeSet.allocate(this.options, 1);
    }
    this.sigma = checkSensorNoise(options.sensorNoise ?? DEFAULT_SENSOR_NOISE);
    this.reward = checkRewardMode(options.reward ?? 'goal');
    this.observationSpace = new Box(0, 1, [SENSOR_COUNT * this.options.channels]);
  }

  /**
   * Starts an episode on a maze of the set (or a fresh maze) and returns the first noisy observation; `seed` re-seeds
   * the noise and maze streams.
   */
  reset(args: ResetArgs<MazeResetOptions> = {}): ResetResult<Float32Array, MazeInfo> {
    this.checkOpen();
    if (args.seed !== undefined) {
      this.noiseRng = Rng.derive(args.seed, SENSOR_NOISE_STREAM);
      this.mazeRng = Rng.derive(args.seed, MAZE_STREAM);
    }
    const opts = args.options ?? {};
    if (opts.sensorNoise !== undefined) this.sigma = checkSensorNoise(opts.sensorNoise);
    const set = opts.mazeSet ?? this.fixedSet;
    if (set !== undefined) {
      if (!(set instanceof MazeSet)) throw new PrnnError('mazeSet must be a MazeSet');
      if (set.channels !== this.options.channels) {
        throw new PrnnError(`mazeSet channels must equal the env's channels = ${this.options.channels} (got ${set.channels})`);
      }
      if (set.count === 0) throw new PrnnError('mazeSet must contain at least one maze (got 0)');
      const index = opts.mazeIndex ?? this.mazeRng.int(set.count);
      set.checkIndex(index);
      this.set = set;
      this.index = index;
    } else {
      if (opts.mazeIndex !== undefined) {
        throw new PrnnError(`mazeIndex needs a mazeSet (got mazeIndex ${describeValue(opts.mazeIndex)} without one)`);
      }
      const own = this.ownSet as MazeSet;
      generateMazeInto(own, 0, this.mazeRng);
      this.set = own;
      this.index = 0;
    }
    this.position = this.set.start[this.index];
    this.steps = 0;
    this.ended = false;
    this.fitness = Number.NaN;
    this.path.length = 0;
    this.path.push(this.position);
    return { observation: this.sense(), info: this.info() };
  }

  /**
   * Moves the agent (a move into a wall stays put), then returns the observation of the new cell, the reward of the
   * reward mode and the end flags.
   */
  step(action: number): StepResult<Float32Array, MazeInfo> {
    this.checkOpen();
    checkAction(action);
    const set = this.set;
    if (set === undefined) throw new PrnnError('reset() must be called before step()');
    if (this.ended) throw new PrnnError('the episode has ended: call reset() before step()');
    const size = set.size;
    const row = Math.floor(this.position / size) + ACTION_DELTAS[action][0];
    const col = (this.position % size) + ACTION_DELTAS[action][1];
    const target = row * size + col;
    if (set.walls[this.index * set.cellCount + target] === 0) this.position = target;
    this.path.push(this.position);
    const t = this.steps;
    this.steps++;
    const limit = set.options.steps;
    const terminated = this.position === set.goal[this.index];
    const truncated = !terminated && this.steps >= limit;
    const progress = this.progressAt(this.position);
    const reward = this.reward === 'progress'
      ? 2 * (progress - this.progressAt(set.start[this.index]))
      : terminated ? 1 : 0;
    if (terminated || truncated) {
      this.ended = true;
      this.fitness = trialFitness(set, this.index, t, this.position, limit);
    }
    return { observation: this.sense(), reward, terminated, truncated, info: this.info() };
  }

  /** Text ('ansi', default) or SVG picture of the current maze, the path so far and the agent. */
  render(mode: RenderMode = 'ansi'): string {
    this.checkOpen();
    const set = this.set;
    if (set === undefined) throw new PrnnError('reset() must be called before render()');
    if (mode === 'ansi') return renderAscii(set, this.index, { path: this.path, agent: this.position });
    if (mode === 'svg') return renderSvg(set, this.index, { path: this.path, agent: this.position });
    throw new PrnnError(`render mode must be one of ansi, svg (got ${describeValue(mode)})`);
  }

  /** Closes the env and drops its maze set; reset and step fail afterwards. */
  close(): void {
    this.closed = true;
    this.set = undefined;
  }

  /** The maze set and index of the current episode. */
  get maze(): { set: MazeSet; index: number } | undefined {
    return this.set === undefined ? undefined : { set: this.set, index: this.index };
  }

  private progressAt(cell: number): number {
    const set = this.set as MazeSet;
    return set.progress[this.index * set.cellCount + cell];
  }

  /** Senses again at the current position with fresh noise (the DQN senses twice per step, docs/spec.md §3). */
  sense(): Float32Array {
    this.checkOpen();
    const set = this.set;
    if (set === undefined) throw new PrnnError('reset() must be called before sense()');
    const { size, channels } = set;
    const active = set.options.activeChannels;
    const obs = new Float32Array(SENSOR_COUNT * channels);
    const row = Math.floor(this.position / size);
    const col = this.position % size;
    for (let d = 0; d < SENSOR_COUNT; d++) {
      const cell = (row + ACTION_DELTAS[d][0]) * size + col + ACTION_DELTAS[d][1];
      for (let c = 0; c < channels; c++) {
        let v = set.cues[(this.index * set.cellCount + cell) * channels + c];
        if (this.sigma > 0) v += this.sigma * this.noiseRng.normal();
        v = Math.min(1, Math.max(0, v));
        obs[d * channels + c] = active[c] === 1 ? v : 0;
      }
    }
    return obs;
  }

  private info(): MazeInfo {
    const set = this.set as MazeSet;
    const size = set.size;
    return {
      mazeIndex: this.index,
      position: this.position,
      row: Math.floor(this.position / size),
      col: this.position % size,
      step: this.steps,
      distance: set.distance[this.index * set.cellCount + this.position],
      progress: this.progressAt(this.position),
      startProgress: this.progressAt(set.start[this.index]),
      fitness: this.fitness,
    };
  }

  private checkOpen(): void {
    if (this.closed) throw new PrnnError('the env is closed');
  }
}
