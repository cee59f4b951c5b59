import {
  ACTION_COUNT, DEFAULT_SENSOR_NOISE, SENSOR_COUNT, SENSOR_NOISE_STREAM, checkRewardMode, checkSensorNoise,
  type RewardMode,
} from './actions.js';
import { PrnnError, describeValue, Rng, zigguratTables } from '@prnn/core';
import type { MazeSet } from './maze-set.js';
import { instantiateVectorEnv, type VectorEnvExports } from './vector-env-wasm.js';

/**
 * What happens to an env whose episode has ended when `step` is called again:
 * - 'none': it ignores its action and stays frozen (reward 0, its flags kept) until `resetEnv`;
 * - 'next-step' (Gymnasium ≥ 1.0 style): that call ignores its action and resets the env onto maze
 *   (mazeIndex + numEnvs) mod set.count of its set — so N envs started on mazes 0…N−1 sweep the set —
 *   with reward 0 and both flags 0; `observations` then holds the new episode's first observation.
 */
/** Stream id under the VectorEnv seed from which env i's seed is drawn: (seed, ENV_SEED_STREAM, i). */
const ENV_SEED_STREAM = 0x454e5653; // 'ENVS'

/**
 * What happens when an env's episode ends: nothing until it is reset (`none`), or a new episode starts on its next step
 * (`next-step`).
 */
export type AutoresetMode = 'none' | 'next-step';
/** Every {@link AutoresetMode}, for option validation. */
export const AUTORESET_MODES: readonly AutoresetMode[] = ['none', 'next-step'];

/**
 * Where `step` and `sense` run: 'wasm' (WebAssembly, the default where it is available) or 'js' (the
 * JavaScript reference). Both give the same bits. The environment variable PRNN_VECTOR_ENV=js makes 'js'
 * the default (for same-run comparisons).
 */
export type VectorEnvBackend = 'wasm' | 'js';
/** Every {@link VectorEnvBackend}, for option validation. */
export const VECTOR_ENV_BACKENDS: readonly VectorEnvBackend[] = ['wasm', 'js'];

/** Mazes of up to this many cells (11 × 11: every default task) run on the WebAssembly path. */
const WASM_MAZE_CELLS = 121;
/** The WebAssembly path is not used when its memory would exceed this (very large batches run in JavaScript). */
const WASM_MEMORY_LIMIT = 256 * 1024 * 1024;

function defaultBackend(): VectorEnvBackend {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.PRNN_VECTOR_ENV === 'js' ? 'js' : 'wasm';
}

/**
 * Options of a {@link VectorEnv}: number of envs, cue channels, sensor noise, reward mode, autoreset, seeds and
 * backend.
 */
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
  /** 'wasm' (default, falls back to 'js' where WebAssembly is missing) or 'js'. */
  backend?: VectorEnvBackend;
  /**
   * The caller's promise that no maze set changes once an env has been reset onto it (default false). Then the
   * WebAssembly path copies a maze into its module only when the slot it takes does not hold that maze (the
   * same set object and index) already, instead of once per reset round: a greedy test that resets the same
   * mazes at every curve point copies them once. Without it, a maze changed between resets is seen at the next.
   */
  fixedMazes?: boolean;
}

/** The typed arrays of a VectorEnv: views of its module's memory on the WebAssembly path. */
interface VectorEnvArrays {
  observations: Float32Array;
  rewards: Float32Array;
  fitness: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  done: Uint8Array;
  select: Uint8Array;
  mask: Uint8Array;
  position: Int32Array;
  stepIndex: Int32Array;
  mazeIndex: Int32Array;
  actions: Int32Array;
  goal: Int32Array;
  limit: Int32Array;
  fastest: Int32Array;
  size: Int32Array;
  slot: Int32Array;
  sigma: Float64Array;
  startProgress: Float64Array;
  rngWords: Int32Array;
  walls: Uint8Array;
  cues: Float32Array;
  progress: Float32Array;
  group: Int32Array;
  shared: Float64Array;
  stamp: Int32Array;
}

/** Lays the arrays out in one buffer (8-byte aligned) from `base`; returns the bytes needed when `buffer` is null. */
function layArrays(n: number, channels: number, cells: number, buffer: ArrayBuffer | null, base: number): { bytes: number; arrays: VectorEnvArrays | null; offsets: number[] } {
  let at = base;
  const offsets: number[] = [];
  const take = <T>(make: (buf: ArrayBuffer, offset: number, length: number) => T, length: number, width: number): T => {
    at = (at + 7) & ~7;
    const offset = at;
    offsets.push(offset);
    at += length * width;
    return buffer === null ? (null as T) : make(buffer, offset, length);
  };
  const f32 = (b: ArrayBuffer, o: number, l: number) => new Float32Array(b, o, l);
  const f64 = (b: ArrayBuffer, o: number, l: number) => new Float64Array(b, o, l);
  const i32 = (b: ArrayBuffer, o: number, l: number) => new Int32Array(b, o, l);
  const u8 = (b: ArrayBuffer, o: number, l: number) => new Uint8Array(b, o, l);
  const obsSize = SENSOR_COUNT * channels;
  const arrays: VectorEnvArrays = {
    observations: take(f32, n * obsSize, 4),
    rewards: take(f32, n, 4),
    fitness: take(f32, n, 4),
    terminated: take(u8, n, 1),
    truncated: take(u8, n, 1),
    done: take(u8, n, 1),
    select: take(u8, n, 1),
    mask: take(u8, n * channels, 1),
    position: take(i32, n, 4),
    stepIndex: take(i32, n, 4),
    mazeIndex: take(i32, n, 4),
    actions: take(i32, n, 4),
    goal: take(i32, n, 4),
    limit: take(i32, n, 4),
    fastest: take(i32, n, 4),
    size: take(i32, n, 4),
    slot: take(i32, n, 4),
    sigma: take(f64, n, 8),
    startProgress: take(f64, n, 8),
    rngWords: take(i32, 4 * n, 4),
    walls: take(u8, n * cells, 1),
    cues: take(f32, n * cells * channels, 4),
    progress: take(f32, n * cells, 4),
    group: take(i32, n, 4),
    shared: take(f64, n * obsSize, 8),
    stamp: take(i32, n, 4),
  };
  return { bytes: at - base, arrays: buffer === null ? null : arrays, offsets };
}

const ZIGGURAT_BYTES = 8 * (257 + 257 + 256);
/**
 * The module's scratch after the tables: one observation's samples (up to 64 channels), four streams' words
 * and draws (80 bytes), and the list of the envs one call senses (n int32).
 */
const noiseScratchBytes = (n: number): number => 8 * SENSOR_COUNT * 64 + 80 + 4 * n;

/** The ids of an env's sensor-noise stream after its seed (Rng.derive(seed, SENSOR_NOISE_STREAM)). */
const SENSOR_NOISE_IDS: readonly number[] = [SENSOR_NOISE_STREAM];

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
  /** Fitness (docs/spec.md §1.5) of the episode that ended in the last `step`, NaN otherwise. */
  readonly fitness: Float32Array;
  /** Maze index of each env within its set. */
  readonly mazeIndex: Int32Array;

  private readonly sets: (MazeSet | undefined)[];
  /** How many envs have been reset at least once. */
  private resetCount = 0;
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

  /** The WebAssembly path's module (null on the JavaScript path) and its views. */
  private wasm: VectorEnvExports | null = null;
  private readonly select: Uint8Array;
  private readonly wasmActions: Int32Array;
  /** Env i's stream words, [4N], where the module keeps them between calls. */
  private readonly rngWords: Int32Array;
  /** heldByJs[i] = 1 while env i's stream is in its Rng (rngs[i]) rather than in rngWords; heldCount of them. */
  private readonly heldByJs: Uint8Array;
  private heldCount: number;
  /** heldList[0 … heldCount): the envs with heldByJs 1 (so that lending costs what is held, not N). */
  private readonly heldList: Int32Array;
  /**
   * The module's copies of the mazes the envs run on: slots of WASM_MAZE_CELLS cells, one per distinct
   * (set, maze) in use (envs on one maze share it, which keeps a large batch's copies in cache); envSlot[i]
   * is env i's, slotUsers[s] counts the envs on slot s, freeSlots[0 … freeCount) are unused ones.
   */
  private readonly slotWalls: Uint8Array;
  private readonly slotCues: Float32Array;
  private readonly slotProgress: Float32Array;
  private readonly slotSize: Int32Array;
  private readonly envSlot: Int32Array;
  private readonly slotUsers: Int32Array;
  /** The reset round in which each slot's copy was last refreshed (see copyMazeToSlot). */
  private readonly slotRound: Float64Array;
  private copyRound = 0;
  /**
   * What each slot's cells hold: a copy of maze heldMaze[s] of heldSet[s] (undefined: nothing yet). It outlives
   * the slot's assignment; with fixedMazes a slot that holds its maze already is not copied again.
   */
  private readonly heldSet: (MazeSet | undefined)[];
  private readonly heldMaze: Int32Array;
  private readonly fixedMazes: boolean;
  /** Seeds a lent stream's words in place (seedEnv). */
  private readonly seedScratch = new Rng(0);
  private readonly freeSlots: Int32Array;
  private freeCount: number;
  private readonly slotSet: (MazeSet | undefined)[];
  private readonly slotMaze: Int32Array;
  /**
   * The cells of maze slotMaze[s] of slotSet[s] as views into the set (walls, progress, cues), made when the
   * slot is assigned: a reset that copies them again (a training episode's fresh mazes in the same set) makes none.
   */
  private readonly slotSource: (readonly [Uint8Array, Float32Array, Float32Array] | undefined)[];
  private readonly slotsBySet = new Map<MazeSet, Map<number, number>>();
  /** The module's addresses of its shared-draw arrays (group, draws, stamps; see shareNoiseDraws). */
  private shareOffsets: [number, number, number] = [0, 0, 0];
  /** The module's draw scratch as u32 (n of them): where seedAfterPrefix writes the seeds it made. */
  private seedOut: Uint32Array | null = null;
  /** The module's group array (envs share the draws of env group[i]); null on the JavaScript path. */
  private readonly drawGroup: Int32Array | null;
  private sharing = false;

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
    const backend = options.backend ?? defaultBackend();
    if (!(VECTOR_ENV_BACKENDS as readonly unknown[]).includes(backend)) {
      throw new PrnnError(`backend must be one of ${VECTOR_ENV_BACKENDS.join(', ')} (got ${describeValue(backend)})`);
    }
    this.numEnvs = n;
    this.channels = channels;
    this.observationSize = SENSOR_COUNT * channels;

    const arrays = backend === 'wasm' ? this.instantiate(n, channels) : null;
    const a = arrays ?? layArrays(n, channels, 0, new ArrayBuffer(layArrays(n, channels, 0, null, 0).bytes), 0).arrays!;
    this.observations = a.observations;
    this.rewards = a.rewards;
    this.terminated = a.terminated;
    this.truncated = a.truncated;
    this.position = a.position;
    this.stepIndex = a.stepIndex;
    this.done = a.done;
    this.fitness = a.fitness.fill(Number.NaN);
    this.mazeIndex = a.mazeIndex;
    this.sigma = a.sigma.fill(sigma);
    this.goal = a.goal;
    this.limit = a.limit;
    this.fastest = a.fastest;
    this.startProgress = a.startProgress;
    this.mask = a.mask;
    this.select = a.select;
    this.wasmActions = a.actions;
    this.rngWords = a.rngWords;
    this.slotWalls = a.walls;
    this.slotCues = a.cues;
    this.slotProgress = a.progress;
    this.slotSize = a.size;
    this.drawGroup = arrays === null ? null : a.group;
    this.envSlot = a.slot.fill(-1);
    this.slotUsers = new Int32Array(n);
    this.slotRound = new Float64Array(n);
    this.heldSet = new Array<MazeSet | undefined>(n).fill(undefined);
    this.heldMaze = new Int32Array(n);
    const fixed = options.fixedMazes ?? false;
    if (typeof fixed !== 'boolean') throw new PrnnError(`fixedMazes must be true or false (got ${describeValue(fixed)})`);
    this.fixedMazes = fixed;
    this.freeSlots = Int32Array.from({ length: n }, (_, k) => n - 1 - k);
    this.freeCount = n;
    this.slotSet = new Array<MazeSet | undefined>(n).fill(undefined);
    this.slotMaze = new Int32Array(n);
    this.slotSource = new Array<readonly [Uint8Array, Float32Array, Float32Array] | undefined>(n).fill(undefined);
    this.sets = new Array<MazeSet | undefined>(n).fill(undefined);
    this.cellBase = new Int32Array(n);
    this.offsets = new Int32Array(n * ACTION_COUNT);
    this.noise = new Float64Array(this.observationSize);
    this.heldByJs = new Uint8Array(n).fill(1);
    this.heldCount = n;
    this.heldList = new Int32Array(n);
    for (let i = 0; i < n; i++) this.heldList[i] = i;

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

  /** Where `step` and `sense` run: 'wasm' or 'js' (the same bits either way). */
  get backend(): VectorEnvBackend {
    return this.wasm === null ? 'js' : 'wasm';
  }

  /** A module with room for the arrays of n envs and the ziggurat's tables, or null (then the JavaScript path runs). */
  private instantiate(n: number, channels: number): VectorEnvArrays | null {
    const bytes = layArrays(n, channels, WASM_MAZE_CELLS, null, 0).bytes + ZIGGURAT_BYTES + noiseScratchBytes(n) + 16;
    if (bytes > WASM_MEMORY_LIMIT) return null;
    const wasm = instantiateVectorEnv(bytes);
    if (wasm === null) return null;
    const buffer = wasm.memory.buffer;
    const zigBase = (wasm.heapBase() + 7) & ~7;
    const zig = zigguratTables();
    new Float64Array(buffer, zigBase, 257).set(zig.x);
    new Float64Array(buffer, zigBase + 8 * 257, 257).set(zig.f);
    new Float64Array(buffer, zigBase + 16 * 257, 256).set(zig.ratio);
    const { arrays, offsets } = layArrays(n, channels, WASM_MAZE_CELLS, buffer, zigBase + ZIGGURAT_BYTES + noiseScratchBytes(n));
    const [obs, rewards, fitness, terminated, truncated, done, select, mask, position, stepIndex, , actions, goal,
      limit, fastest, size, slot, sigma, startProgress, rng, walls, cues, progress, group, shared, stamp] = offsets;
    this.shareOffsets = [group, shared, stamp];
    this.seedOut = new Uint32Array(buffer, shared, n);
    wasm.configure(
      n, channels, WASM_MAZE_CELLS, this.progressReward ? 1 : 0, this.autoresetNext ? 1 : 0,
      zigBase, zigBase + 8 * 257, zigBase + 16 * 257,
      obs, rewards, fitness, terminated, truncated, done, select, mask, position, stepIndex, actions, goal, limit,
      fastest, size, slot, sigma, startProgress, rng, walls, cues, progress,
    );
    // (the module draws into `shared` whether or not draws are shared)
    wasm.shareDraws(0, group, shared, stamp);
    this.wasm = wasm;
    return arrays;
  }

  /**
   * Hands the module the streams that JavaScript holds (before a call into it). On the WebAssembly path a
   * stream's words live in the module between calls; `noiseRng(i)` takes env i's back into its Rng.
   */
  private lendStreams(): void {
    if (this.heldCount === 0) return;
    const { rngs, rngWords, heldByJs, heldList } = this;
    for (let k = 0; k < this.heldCount; k++) {
      const i = heldList[k];
      rngs[i].saveWords(rngWords, 4 * i);
      heldByJs[i] = 0;
    }
    this.heldCount = 0;
  }

  /** Takes env i's stream back from the module (when it has it). */
  private reclaimStream(i: number): void {
    if (this.heldByJs[i] === 1) return;
    this.rngs[i].loadWords(this.rngWords, 4 * i);
    this.heldByJs[i] = 1;
    this.heldList[this.heldCount++] = i;
  }

  /** Leaves the WebAssembly path for good: every stream back into its Rng. */
  private dropWasm(): void {
    this.sharing = false;
    for (let i = 0; i < this.numEnvs; i++) this.reclaimStream(i);
    this.wasm = null;
  }

  /** The seed of env i's sensor-noise stream (a MazeEnv reset with this seed draws the same noise). */
  envSeed(i: number): number {
    this.checkEnv(i);
    return this.envSeeds[i];
  }

  /** Restarts env i's sensor-noise stream from `seed`. */
  seedEnv(i: number, seed: number): void {
    this.checkEnv(i);
    this.envSeeds[i] = seed;
    if (this.wasm !== null && this.heldByJs[i] === 0) {
      // the stream lives in the module: its new words go straight there (no Rng made per reseed)
      this.seedScratch.reseedIds(seed, SENSOR_NOISE_IDS).saveWords(this.rngWords, 4 * i);
      return;
    }
    this.rngs[i] = Rng.derive(seed, SENSOR_NOISE_STREAM);
  }

  /**
   * `seedEnv(first + k, Rng.firstUint32AfterPrefix(prefix, last + k))` for k = 0 … count−1: the streams of a
   * network's trials, which differ in their last id only (`prefix` = Rng.derivePrefix of the others). On the
   * WebAssembly path four envs are seeded at a time inside the module, with the same words.
   */
  seedEnvsAfterPrefix(first: number, count: number, prefix: number, last: number): void {
    if (!Number.isInteger(count) || count < 1) throw new PrnnError(`count must be an integer ≥ 1 (got ${describeValue(count)})`);
    this.checkEnv(first);
    this.checkEnv(first + count - 1);
    if ((prefix | 0) !== prefix) throw new PrnnError(`prefix must be a 32-bit integer from Rng.derivePrefix (got ${describeValue(prefix)})`);
    if (!Number.isInteger(last) || last < 0) throw new PrnnError(`last must be an integer ≥ 0 (got ${describeValue(last)})`);
    const wasm = this.wasm;
    let k = 0;
    // (the module's ids are 32-bit integers: larger ones are seeded one by one below)
    if (wasm !== null && last + count <= 0x7fffffff) {
      // every stream into the module first, so that no stream JavaScript holds is written over these later
      this.lendStreams();
      const whole = count & ~3;
      if (whole > 0) {
        const seeds = this.seedOut as Uint32Array;
        wasm.seedAfterPrefix(first, whole, prefix, last, SENSOR_NOISE_STREAM, seeds.byteOffset);
        // the seeds, written to the draws' scratch (free between calls), as the recorded seeds of the envs
        const envSeeds = this.envSeeds;
        for (let j = 0; j < whole; j++) envSeeds[first + j] = seeds[j];
        k = whole;
      }
    }
    for (; k < count; k++) this.seedEnv(first + k, Rng.firstUint32AfterPrefix(prefix, last + k));
  }

  /**
   * The sensor-noise streams of envs i … i+count−1 become copies of those of envs j … j+count−1 as they are
   * now: the same recorded seeds and the same draws to come. Right after `seedEnv(j, seed)` this is
   * `seedEnv(i, seed)` without deriving the stream again (an evaluation seeds every noise level of a maze
   * alike). The two ranges must not overlap.
   */
  copyNoiseStream(i: number, j: number, count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new PrnnError(`count must be an integer ≥ 1 (got ${describeValue(count)})`);
    this.checkEnv(i);
    this.checkEnv(j);
    this.checkEnv(i + count - 1);
    this.checkEnv(j + count - 1);
    if (i < j + count && j < i + count && i !== j) throw new PrnnError(`the envs copied to (${i}…${i + count - 1}) must not overlap those copied from (${j}…${j + count - 1})`);
    if (i === j) return;
    this.envSeeds.copyWithin(i, j, j + count);
    if (this.wasm !== null && this.heldCount === 0) {
      // every stream is in the module: one block of words
      this.rngWords.copyWithin(4 * i, 4 * j, 4 * (j + count));
      return;
    }
    for (let k = 0; k < count; k++) {
      const to = i + k;
      const from = j + k;
      if (this.wasm !== null && this.heldByJs[to] === 0 && this.heldByJs[from] === 0) {
        this.rngWords.copyWithin(4 * to, 4 * from, 4 * from + 4);
        continue;
      }
      const source = this.noiseRng(from);
      if (this.wasm !== null && this.heldByJs[to] === 0) source.saveWords(this.rngWords, 4 * to);
      else this.rngs[to] = source.clone();
    }
  }

  /**
   * The sensor-noise streams of envs i … i+count−1 all become copies of env j's as it is now: `copyNoiseStream(k,
   * j)` for every k of the range, in one call (an evaluation whose envs are laid out maze by maze seeds the
   * first level of each maze and spreads its stream over the others). j must lie outside the range.
   */
  spreadNoiseStream(j: number, i: number, count: number): void {
    if (!Number.isInteger(count) || count < 1) throw new PrnnError(`count must be an integer ≥ 1 (got ${describeValue(count)})`);
    this.checkEnv(j);
    this.checkEnv(i);
    this.checkEnv(i + count - 1);
    if (j >= i && j < i + count) throw new PrnnError(`the env copied from (${j}) must lie outside the envs copied to (${i}…${i + count - 1})`);
    const seed = this.envSeeds[j];
    this.envSeeds.fill(seed, i, i + count);
    if (this.wasm !== null && this.heldCount === 0) {
      // every stream is in the module: four words per env
      const words = this.rngWords;
      const w0 = words[4 * j];
      const w1 = words[4 * j + 1];
      const w2 = words[4 * j + 2];
      const w3 = words[4 * j + 3];
      for (let k = 4 * i, end = 4 * (i + count); k < end; k += 4) {
        words[k] = w0;
        words[k + 1] = w1;
        words[k + 2] = w2;
        words[k + 3] = w3;
      }
      return;
    }
    for (let k = 0; k < count; k++) this.copyNoiseStream(i + k, j);
  }

  /**
   * Env i's sensor-noise generator (shared, not a copy), current when this returns; what is done to it
   * (setState, reseed, draws) counts from the next call on. Take it again after a step, sense or reset:
   * on the WebAssembly path the stream lives in the module while the env runs.
   */
  noiseRng(i: number): Rng {
    this.checkEnv(i);
    this.reclaimStream(i);
    return this.rngs[i];
  }

  /**
   * Shares the sensor-noise draws within groups of envs (the noise levels of one maze in an evaluation), or
   * stops sharing (null). While shared, an env i with σs > 0 takes the normal draws of each sensing from the
   * stream of env `group[i]`, drawn once per call (`step`, `resetAll`, `sense()`) for every env of the group,
   * and its own stream is not advanced. These are the numbers env i draws from its own stream when the envs of
   * a group start with the same stream (`copyNoiseStream`), are reset together (`resetAll`) and since then sense
   * only through `step`, `resetAll` or `sense()` (autoreset 'none'): an env then senses in a call only if it
   * sensed in every call before, so its k-th sensing draws the k-th numbers of the stream, as its group's does.
   * Otherwise (`resetEnv`, `sense(i)` or `senseWhere` while shared, streams that differ) the draws are no
   * longer those of each env's stream. Only the WebAssembly path shares: the JavaScript path draws from each
   * env's own stream, the same numbers under those conditions. `group[group[i]]` must be `group[i]`.
   */
  shareNoiseDraws(group: Int32Array | null): void {
    const n = this.numEnvs;
    if (group === null) {
      if (this.sharing) this.wasm?.shareDraws(0, ...this.shareOffsets);
      this.sharing = false;
      return;
    }
    if (this.autoresetNext) throw new PrnnError("shareNoiseDraws needs autoreset 'none' (envs that restart on their own would sense out of step)");
    if (group.length !== n) throw new PrnnError(`shareNoiseDraws needs numEnvs = ${n} group entries (got ${group.length})`);
    for (let i = 0; i < n; i++) {
      const g = group[i];
      if (!(g >= 0 && g < n) || group[g] !== g) {
        throw new PrnnError(`shareNoiseDraws: group[${i}] must be an env index g in [0, ${n - 1}] with group[g] = g (got ${g})`);
      }
    }
    if (this.wasm === null || this.drawGroup === null) return;
    this.drawGroup.set(group);
    this.wasm.shareDraws(1, ...this.shareOffsets);
    this.sharing = true;
  }

  /** Sets env i's sensor noise σs (so one batch can sweep mazes × noise levels). */
  setSensorNoise(i: number, sigma: number): void {
    this.checkEnv(i);
    this.sigma[i] = checkSensorNoise(sigma);
  }

  /** The sensor noise σs of env i. */
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
    this.copyRound++;
    this.resetOne(i, set, mazeIndex);
  }

  private resetOne(i: number, set: MazeSet, mazeIndex: number, sense = true): void {
    this.checkEnv(i);
    if (set.channels !== this.channels) {
      throw new PrnnError(`maze set channels must equal the VectorEnv's channels = ${this.channels} (got ${set.channels})`);
    }
    set.checkIndex(mazeIndex);
    const size = set.size;
    if (this.sets[i] === undefined) this.resetCount++;
    // a maze too large for the module's slots moves this VectorEnv to the JavaScript path for good (both
    // paths work on the same arrays, so nothing has to be moved)
    if (set.cellCount > WASM_MAZE_CELLS && this.wasm !== null) this.dropWasm();
    this.sets[i] = set;
    this.slotSize[i] = size;
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
    this.restart(i, set, mazeIndex, sense);
  }

  /** Resets every env: env i onto maze `mazeIndices[i]` of `set`. */
  resetAll(set: MazeSet, mazeIndices: ArrayLike<number>): void {
    if (mazeIndices.length !== this.numEnvs) {
      throw new PrnnError(`mazeIndices must have numEnvs = ${this.numEnvs} entries (got ${mazeIndices.length})`);
    }
    if (set.channels !== this.channels) {
      throw new PrnnError(`maze set channels must equal the VectorEnv's channels = ${this.channels} (got ${set.channels})`);
    }
    const n = this.numEnvs;
    const count = set.count;
    for (let i = 0; i < n; i++) {
      const m = mazeIndices[i];
      if (!(m >= 0 && m < count && Number.isInteger(m))) set.checkIndex(m);
    }
    // a maze too large for the module's slots moves this VectorEnv to the JavaScript path for good
    if (set.cellCount > WASM_MAZE_CELLS && this.wasm !== null) this.dropWasm();
    // one round: the module copies each maze once, however many envs it starts
    this.copyRound++;
    // every env is put on its maze first (resetOne and restart without sensing, written out over the typed
    // arrays), then all are sensed in one call (each env's observation depends on its own state and stream
    // only, so the order does not matter)
    const size = set.size;
    const cells = set.cellCount;
    const steps = set.options.steps;
    const active = set.options.activeChannels;
    const C = this.channels;
    const { sets, slotSize, mazeIndex, offsets, mask, limit, cellBase, position, goal, fastest, startProgress, stepIndex, done, terminated, truncated, rewards, fitness } = this;
    const wasm = this.wasm;
    // with fixedMazes an env reset onto the maze it ran last keeps all that depends on the maze alone (and the
    // slot that holds its copy): only its position goes back to the start (evaluations reset every env so)
    const fixed = this.fixedMazes;
    for (let i = 0; i < n; i++) {
      const m = mazeIndices[i];
      if (fixed && sets[i] === set && mazeIndex[i] === m) {
        position[i] = set.start[m];
        continue;
      }
      if (sets[i] === undefined) this.resetCount++;
      sets[i] = set;
      slotSize[i] = size;
      mazeIndex[i] = m;
      const o = i * ACTION_COUNT;
      offsets[o] = -1;
      offsets[o + 1] = 1;
      offsets[o + 2] = -size;
      offsets[o + 3] = size;
      offsets[o + 4] = 0;
      for (let c = 0; c < C; c++) mask[i * C + c] = active[c] === 0 ? 0 : 1;
      limit[i] = steps;
      const base = m * cells;
      cellBase[i] = base;
      const start = set.start[m];
      position[i] = start;
      goal[i] = set.goal[m];
      fastest[i] = set.fastestSolution[m];
      startProgress[i] = set.progress[base + start];
      if (wasm !== null) this.copyMazeToSlot(i, set, m);
    }
    stepIndex.fill(0);
    done.fill(0);
    terminated.fill(0);
    truncated.fill(0);
    rewards.fill(0);
    fitness.fill(Number.NaN);
    this.select.fill(1);
    this.senseSelected();
  }

  /** Starts env i's episode on maze `mazeIndex` of `set`; senses its first observation unless `sense` is false. */
  private restart(i: number, set: MazeSet, mazeIndex: number, sense = true): void {
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
    const wasm = this.wasm;
    if (wasm === null) {
      if (sense) this.senseEnv(i, set);
      return;
    }
    this.copyMazeToSlot(i, set, mazeIndex);
    if (!sense) return;
    this.lendStreams();
    wasm.senseOne(i);
  }

  /**
   * Puts env i on the module's copy of maze `mazeIndex` of `set`: the slot other envs on that maze use, or a
   * free one. The copy is refreshed on every reset onto it, so the module reads a maze as it is when an env
   * is reset (a set must not change under running envs), unless the VectorEnv was made with fixedMazes.
   */
  private copyMazeToSlot(i: number, set: MazeSet, mazeIndex: number): void {
    let slot = this.envSlot[i];
    if (slot < 0 || this.slotSet[slot] !== set || this.slotMaze[slot] !== mazeIndex) {
      if (slot >= 0) this.leaveSlot(slot);
      let bySet = this.slotsBySet.get(set);
      if (bySet === undefined) {
        bySet = new Map<number, number>();
        this.slotsBySet.set(set, bySet);
      }
      const shared = bySet.get(mazeIndex);
      if (shared === undefined) {
        slot = this.freeSlots[--this.freeCount];
        bySet.set(mazeIndex, slot);
        this.slotSet[slot] = set;
        this.slotMaze[slot] = mazeIndex;
        const cells = set.cellCount;
        const from = mazeIndex * cells;
        this.slotSource[slot] = [
          set.walls.subarray(from, from + cells),
          set.progress.subarray(from, from + cells),
          set.cues.subarray(from * this.channels, (from + cells) * this.channels),
        ];
        this.slotRound[slot] = 0;
      } else {
        slot = shared;
      }
      this.slotUsers[slot]++;
      this.envSlot[i] = slot;
    }
    // (a reset refreshes the copy once per round: resetEnv, resetAll, or a step's autoresets)
    if (this.slotRound[slot] === this.copyRound) return;
    this.slotRound[slot] = this.copyRound;
    // the slot's cells are written here only: with fixedMazes, a slot that holds this maze already keeps it
    if (this.fixedMazes && this.heldSet[slot] === set && this.heldMaze[slot] === mazeIndex) return;
    this.heldSet[slot] = set;
    this.heldMaze[slot] = mazeIndex;
    const to = slot * WASM_MAZE_CELLS;
    // memcpy-speed copies from the slot's views (made once, when the slot took this maze)
    const source = this.slotSource[slot] as readonly [Uint8Array, Float32Array, Float32Array];
    this.slotWalls.set(source[0], to);
    this.slotProgress.set(source[1], to);
    this.slotCues.set(source[2], to * this.channels);
  }

  /** One env fewer on `slot`; the last one out frees it. */
  private leaveSlot(slot: number): void {
    if (--this.slotUsers[slot] > 0) return;
    const set = this.slotSet[slot] as MazeSet;
    const bySet = this.slotsBySet.get(set)!;
    bySet.delete(this.slotMaze[slot]);
    if (bySet.size === 0) this.slotsBySet.delete(set);
    this.slotSet[slot] = undefined;
    this.slotSource[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
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
    if (this.wasm !== null) {
      this.stepWasm(this.wasm, actions);
      return;
    }
    this.checkActions(actions);
    this.stepJs(actions);
  }

  /** Refuses the step unless every action is valid and every env has been reset (before any env moves). */
  private checkActions(actions: Int32Array): void {
    for (let i = 0; i < this.numEnvs; i++) {
      const a = actions[i];
      if ((a >>> 0) !== a || a > 4) {
        throw new PrnnError(`actions[${i}] must be an integer in [0, 4] (0 Left, 1 Right, 2 Up, 3 Down, 4 Stay) (got ${actions[i]})`);
      }
      if (this.sets[i] === undefined) throw new PrnnError(`env ${i} must be reset (resetEnv/resetAll) before step`);
    }
  }

  private stepWasm(wasm: VectorEnvExports, actions: Int32Array): void {
    const n = this.numEnvs;
    const own = this.wasmActions;
    if (actions.length === n) own.set(actions);
    else for (let i = 0; i < n; i++) own[i] = actions[i];
    const exact = actions instanceof Int32Array; // anything else may lose a bad value in the copy
    if (!exact || wasm.firstBadAction() >= 0 || this.resetCount < n) this.checkActions(actions);
    this.lendStreams();
    const pending = wasm.step();
    if (pending === 0) return;
    // 'next-step' autoreset: the envs whose episode had ended start on their next maze
    this.copyRound++;
    const select = this.select;
    for (let i = 0; i < n; i++) {
      if (select[i] === 1) {
        const set = this.sets[i] as MazeSet;
        this.restart(i, set, (this.mazeIndex[i] + n) % set.count);
      }
    }
  }

  /** The JavaScript step (the reference of the module's). */
  private stepJs(actions: Int32Array): void {
    const n = this.numEnvs;
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
        // docs/spec.md §1.5, inlined from trialFitness: t is the index of the last step executed
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
      const wasm = this.wasm;
      if (wasm === null) {
        this.senseEnv(i, set);
        return;
      }
      this.lendStreams();
      wasm.senseOne(i);
      return;
    }
    const select = this.select;
    for (let e = 0; e < this.numEnvs; e++) select[e] = this.sets[e] === undefined ? 0 : 1;
    this.senseSelected();
  }

  /**
   * Senses again with fresh noise every env i with `which[i]` ≠ 0 (e.g. the envs whose episode is still
   * running), the same numbers as `sense(i)` for each of them. Every selected env must have been reset.
   */
  senseWhere(which: Uint8Array): void {
    const n = this.numEnvs;
    if (which.length !== n) throw new PrnnError(`senseWhere needs numEnvs = ${n} flags (got ${which.length})`);
    if (this.resetCount < n) {
      for (let i = 0; i < n; i++) {
        if (which[i] !== 0 && this.sets[i] === undefined) throw new PrnnError(`env ${i} must be reset (resetEnv/resetAll) before sense`);
      }
    }
    this.select.set(which);
    this.senseSelected();
  }

  /** Senses the envs flagged in `select`. */
  private senseSelected(): void {
    const wasm = this.wasm;
    const select = this.select;
    if (wasm !== null) {
      this.lendStreams();
      wasm.senseSelected();
      return;
    }
    for (let e = 0; e < this.numEnvs; e++) if (select[e] !== 0) this.senseEnv(e, this.sets[e] as MazeSet);
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
