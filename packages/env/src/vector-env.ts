import {
  ACTION_COUNT, DEFAULT_SENSOR_NOISE, SENSOR_COUNT, SENSOR_NOISE_STREAM, checkRewardMode, checkSensorNoise,
  type RewardMode,
} from './actions.js';
import { PrnnError, describeValue } from './errors.js';
import type { MazeSet } from './maze-set.js';
import { Rng } from './rng.js';

/**
 * What happens to an env whose episode has ended when `step` is called again:
 * - 'none': it ignores its action and stays frozen (reward 0, its flags kept) until `resetEnv`;
 * - 'next-step' (Gymnasium ≥ 1.0 style): that call ignores its action and resets the env onto maze
 *   (mazeIndex + numEnvs) mod set.count of its set — so N envs started on mazes 0…N−1 sweep the set —
 *   with reward 0 and both flags 0; `observations` then holds the new episode's first observation.
 */
/** Stream id under the VectorEnv seed from which env i's seed is drawn: (seed, ENV_SEED_STREAM, i). */
const ENV_SEED_STREAM = 0x454e5653; // 'ENVS'

export type AutoresetMode = 'none' | 'next-step';
export const AUTORESET_MODES: readonly AutoresetMode[] = ['none', 'next-step'];

export interface VectorEnvOptions {
  numEnvs: number;
  /** Cue channels C of the sets this env will run (default 2); observations have 4·C values per env. */
  channels?: number;
  /** Sensor noise σs of every env (default 0.05); change one env's with `setSensorNoise`. */
  sensorNoise?: number;
  reward?: RewardMode;
  autoreset?: AutoresetMode;
  /** Seed of env i's sensor-noise stream: `seeds[i]` when given, else drawn from the stream (seed, "ENVS", i). */
  seed?: number;
  seeds?: ArrayLike<number>;
}

/**
 * N maze envs stepped in lockstep over preallocated buffers (the hot path: `step` and `sense`
 * allocate nothing). Env i draws its sensor noise from its own stream, so it behaves exactly like a
 * MazeEnv reset with seed `envSeed(i)` on the same maze.
 */
export class VectorEnv {
  readonly numEnvs: number;
  readonly channels: number;
  /** 4·C. */
  readonly observationSize: number;
  readonly reward: RewardMode;
  readonly autoreset: AutoresetMode;

  /** [N·4C], env i's observation at [i·4C, (i+1)·4C), sensor-major (L, R, U, D; channels within). */
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Cell (row·size + col) of each agent. */
  readonly position: Int32Array;
  /** Number of steps executed in the current episode. */
  readonly stepIndex: Int32Array;
  readonly done: Uint8Array;
  /** Fitness (SPEC §1.5) of the episode that ended in the last `step`, NaN otherwise. */
  readonly fitness: Float32Array;
  /** Maze index of each env within its set. */
  readonly mazeIndex: Int32Array;

  private readonly sets: (MazeSet | undefined)[];
  private readonly envSeeds: Float64Array;
  private readonly rngs: Rng[];
  private readonly sigma: Float64Array;
  /** Offset of the maze's first cell in its set's cell arrays. */
  private readonly cellBase: Int32Array;
  private readonly goal: Int32Array;
  private readonly limit: Int32Array;
  private readonly fastest: Int32Array;
  private readonly startProgress: Float64Array;
  /** Cell offsets of the 5 actions (the first 4 are the sensor neighbours) per env. */
  private readonly offsets: Int32Array;
  /** Active-channel mask per env, [N·C]. */
  private readonly mask: Uint8Array;
  /** Scratch for one observation's worth of Gaussian samples. */
  private readonly noise: Float64Array;
  private readonly progressReward: boolean;
  private readonly autoresetNext: boolean;

  constructor(options: VectorEnvOptions) {
    const n = options.numEnvs;
    if (!Number.isInteger(n) || n < 1 || n > 10_000_000) {
      throw new PrnnError(`numEnvs must be an integer in [1, 10000000] (got ${describeValue(n)})`);
    }
    const channels = options.channels ?? 2;
    if (!Number.isInteger(channels) || channels < 1 || channels > 64) {
      throw new PrnnError(`channels must be an integer in [1, 64] (got ${describeValue(channels)})`);
    }
    const sigma = checkSensorNoise(options.sensorNoise ?? DEFAULT_SENSOR_NOISE);
    this.reward = checkRewardMode(options.reward ?? 'goal');
    const autoreset = options.autoreset ?? 'none';
    if (!(AUTORESET_MODES as readonly unknown[]).includes(autoreset)) {
      throw new PrnnError(`autoreset must be one of ${AUTORESET_MODES.join(', ')} (got ${describeValue(autoreset)})`);
    }
    this.autoreset = autoreset;
    this.progressReward = this.reward === 'progress';
    this.autoresetNext = autoreset === 'next-step';
    this.numEnvs = n;
    this.channels = channels;
    this.observationSize = SENSOR_COUNT * channels;

    this.observations = new Float32Array(n * this.observationSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.position = new Int32Array(n);
    this.stepIndex = new Int32Array(n);
    this.done = new Uint8Array(n);
    this.fitness = new Float32Array(n).fill(Number.NaN);
    this.mazeIndex = new Int32Array(n);
    this.sets = new Array<MazeSet | undefined>(n).fill(undefined);
    this.sigma = new Float64Array(n).fill(sigma);
    this.cellBase = new Int32Array(n);
    this.goal = new Int32Array(n);
    this.limit = new Int32Array(n);
    this.fastest = new Int32Array(n);
    this.startProgress = new Float64Array(n);
    this.offsets = new Int32Array(n * ACTION_COUNT);
    this.mask = new Uint8Array(n * channels);
    this.noise = new Float64Array(this.observationSize);

    if (options.seeds !== undefined && options.seeds.length !== n) {
      throw new PrnnError(`seeds must have numEnvs = ${n} entries (got ${options.seeds.length})`);
    }
    const seed = options.seed ?? 0;
    this.envSeeds = new Float64Array(n);
    this.rngs = [];
    for (let i = 0; i < n; i++) {
      const s = options.seeds !== undefined ? options.seeds[i] : Rng.derive(seed, ENV_SEED_STREAM, i).nextUint32();
      this.envSeeds[i] = s;
      this.rngs.push(Rng.derive(s, SENSOR_NOISE_STREAM));
    }
  }

  /** The seed of env i's sensor-noise stream (a MazeEnv reset with this seed draws the same noise). */
  envSeed(i: number): number {
    this.checkEnv(i);
    return this.envSeeds[i];
  }

  /** Restarts env i's sensor-noise stream from `seed`. */
  seedEnv(i: number, seed: number): void {
    this.checkEnv(i);
    this.rngs[i] = Rng.derive(seed, SENSOR_NOISE_STREAM);
    this.envSeeds[i] = seed;
  }

  /** Env i's sensor-noise generator (shared, not a copy). */
  noiseRng(i: number): Rng {
    this.checkEnv(i);
    return this.rngs[i];
  }

  /** Sets env i's sensor noise σs (so one batch can sweep mazes × noise levels). */
  setSensorNoise(i: number, sigma: number): void {
    this.checkEnv(i);
    this.sigma[i] = checkSensorNoise(sigma);
  }

  sensorNoise(i: number): number {
    this.checkEnv(i);
    return this.sigma[i];
  }

  /** The maze set env i currently runs on (undefined before its first reset). */
  mazeSet(i: number): MazeSet | undefined {
    this.checkEnv(i);
    return this.sets[i];
  }

  /** Puts env i at the start of maze `mazeIndex` of `set` and senses its first observation. */
  resetEnv(i: number, set: MazeSet, mazeIndex: number): void {
    this.checkEnv(i);
    if (set.channels !== this.channels) {
      throw new PrnnError(`maze set channels must equal the VectorEnv's channels = ${this.channels} (got ${set.channels})`);
    }
    set.checkIndex(mazeIndex);
    const size = set.size;
    this.sets[i] = set;
    this.mazeIndex[i] = mazeIndex;
    const o = i * ACTION_COUNT;
    this.offsets[o] = -1;
    this.offsets[o + 1] = 1;
    this.offsets[o + 2] = -size;
    this.offsets[o + 3] = size;
    this.offsets[o + 4] = 0;
    const active = set.options.activeChannels;
    for (let c = 0; c < this.channels; c++) this.mask[i * this.channels + c] = active[c] === 0 ? 0 : 1;
    this.limit[i] = set.options.steps;
    this.restart(i, set, mazeIndex);
  }

  /** Resets every env: env i onto maze `mazeIndices[i]` of `set`. */
  resetAll(set: MazeSet, mazeIndices: ArrayLike<number>): void {
    if (mazeIndices.length !== this.numEnvs) {
      throw new PrnnError(`mazeIndices must have numEnvs = ${this.numEnvs} entries (got ${mazeIndices.length})`);
    }
    for (let i = 0; i < this.numEnvs; i++) this.resetEnv(i, set, mazeIndices[i]);
  }

  private restart(i: number, set: MazeSet, mazeIndex: number): void {
    const base = mazeIndex * set.cellCount;
    this.cellBase[i] = base;
    this.mazeIndex[i] = mazeIndex;
    const start = set.start[mazeIndex];
    this.position[i] = start;
    this.goal[i] = set.goal[mazeIndex];
    this.fastest[i] = set.fastestSolution[mazeIndex];
    this.startProgress[i] = set.progress[base + start];
    this.stepIndex[i] = 0;
    this.done[i] = 0;
    this.terminated[i] = 0;
    this.truncated[i] = 0;
    this.rewards[i] = 0;
    this.fitness[i] = Number.NaN;
    this.senseEnv(i, set);
  }

  /**
   * Advances every env by one step with `actions[i]` ∈ {0 Left, 1 Right, 2 Up, 3 Down, 4 Stay}, then
   * senses. Fills rewards, terminated (on the goal), truncated (step limit reached elsewhere), done and
   * fitness. All actions are validated before any env moves.
   */
  step(actions: Int32Array): void {
    const n = this.numEnvs;
    if (actions.length < n) {
      throw new PrnnError(`actions must have numEnvs = ${n} entries (got ${actions.length})`);
    }
    for (let i = 0; i < n; i++) {
      const a = actions[i];
      if ((a >>> 0) !== a || a > 4) {
        throw new PrnnError(`actions[${i}] must be an integer in [0, 4] (0 Left, 1 Right, 2 Up, 3 Down, 4 Stay) (got ${actions[i]})`);
      }
      if (this.sets[i] === undefined) throw new PrnnError(`env ${i} must be reset (resetEnv/resetAll) before step`);
    }
    const { position, stepIndex, done, rewards, terminated, truncated, fitness, offsets, cellBase, goal, limit } = this;
    for (let i = 0; i < n; i++) {
      const set = this.sets[i] as MazeSet;
      if (done[i] === 1) {
        if (this.autoresetNext) {
          const next = (this.mazeIndex[i] + n) % set.count;
          this.restart(i, set, next);
        } else {
          rewards[i] = 0;
          fitness[i] = Number.NaN;
        }
        continue;
      }
      const base = cellBase[i];
      let pos = position[i];
      const target = pos + offsets[i * ACTION_COUNT + actions[i]];
      if (set.walls[base + target] === 0) pos = target;
      position[i] = pos;
      const t = stepIndex[i];
      stepIndex[i] = t + 1;
      const reached = pos === goal[i];
      const steps = limit[i];
      const progress = set.progress[base + pos];
      rewards[i] = this.progressReward ? 2 * (progress - this.startProgress[i]) : reached ? 1 : 0;
      if (reached || t + 1 >= steps) {
        done[i] = 1;
        terminated[i] = reached ? 1 : 0;
        truncated[i] = reached ? 0 : 1;
        // SPEC §1.5, inlined from trialFitness: t is the index of the last step executed
        const fs = this.fastest[i];
        const span = steps - 1 - fs;
        fitness[i] = span === 0 ? Number.NaN : (1 - (t - fs) / span + progress) / 2;
      } else {
        fitness[i] = Number.NaN;
      }
      this.senseEnv(i, set);
    }
  }

  /** Senses again with fresh noise into `observations`: env i only, or every env that has been reset. */
  sense(i?: number): void {
    if (i !== undefined) {
      this.checkEnv(i);
      const set = this.sets[i];
      if (set === undefined) throw new PrnnError(`env ${i} must be reset (resetEnv/resetAll) before sense`);
      this.senseEnv(i, set);
      return;
    }
    for (let e = 0; e < this.numEnvs; e++) {
      const set = this.sets[e];
      if (set !== undefined) this.senseEnv(e, set);
    }
  }

  private senseEnv(i: number, set: MazeSet): void {
    const channels = this.channels;
    const cues = set.cues;
    const obs = this.observations;
    const sigma = this.sigma[i];
    const mask = this.mask;
    const maskBase = i * channels;
    const cellOffset = this.cellBase[i] + this.position[i];
    const offsets = this.offsets;
    const offsetBase = i * ACTION_COUNT;
    let o = i * this.observationSize;
    if (sigma > 0) {
      const noise = this.noise;
      this.rngs[i].fillNormal(noise, 0, this.observationSize);
      if (channels === 2) {
        // the usual two channels, unrolled: the same arithmetic in the same order as the loop below
        const m0 = mask[maskBase];
        const m1 = mask[maskBase + 1];
        for (let d = 0, k = 0; d < SENSOR_COUNT; d++, k += 2) {
          const cueBase = (cellOffset + offsets[offsetBase + d]) * 2;
          const v0 = cues[cueBase] + sigma * noise[k];
          const v1 = cues[cueBase + 1] + sigma * noise[k + 1];
          obs[o++] = m0 === 0 ? 0 : v0 < 0 ? 0 : v0 > 1 ? 1 : v0;
          obs[o++] = m1 === 0 ? 0 : v1 < 0 ? 0 : v1 > 1 ? 1 : v1;
        }
        return;
      }
      let k = 0;
      for (let d = 0; d < SENSOR_COUNT; d++) {
        const cueBase = (cellOffset + offsets[offsetBase + d]) * channels;
        for (let c = 0; c < channels; c++) {
          const v = cues[cueBase + c] + sigma * noise[k++];
          obs[o++] = mask[maskBase + c] === 0 ? 0 : v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
      return;
    }
    // σ = 0 draws nothing (so noise-free runs leave the stream untouched); cues lie in [0, 1] already
    for (let d = 0; d < SENSOR_COUNT; d++) {
      const cueBase = (cellOffset + offsets[offsetBase + d]) * channels;
      for (let c = 0; c < channels; c++) {
        const v = cues[cueBase + c];
        obs[o++] = mask[maskBase + c] === 0 ? 0 : v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }

  private checkEnv(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numEnvs) {
      throw new PrnnError(`env index must be an integer in [0, ${this.numEnvs - 1}] (got ${describeValue(i)})`);
    }
  }
}
