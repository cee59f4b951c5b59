import { generateMazeSet, GreedyActions, MazeSet, meanFitness, VectorEnv, type TaskOptions } from '@prnn/env';
import { PrnnError, Rng } from '@prnn/core';
import { jsonNumber } from '../run/json-number.js';
import { FINAL_EVALUATION_STREAM, STREAM, TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { argmaxWithTies } from '../training/evaluate-greedy.js';
import { checkNoiseLevels, PAPER_FITNESS_NOISE, trapezoidArea } from './noise-spec.js';
import { POLICY_ACTIONS as ACTIONS } from '../onnx/policy-contract.js';
import type { QEngine } from './q-engine.js';

/**
 * What an evaluator holds fixed: task, test mazes (count and seed, or a set), noise levels and the stream id of its
 * generators.
 */
export interface EvaluatorOptions {
  readonly task: TaskOptions;
  /**
   * Number of test mazes (default 1 000, docs/spec.md §4), or a maze set to use as is (it must not change while
   * the evaluator is in use: its mazes are copied into the maze world once, at the first evaluation).
   */
  readonly mazes?: number | MazeSet;
  /** Seed of the generated test set (a run's test set is runSeed + TEST_SET_SEED_OFFSET). */
  readonly mazeSeed?: number;
  /** Sensor-noise levels σs, strictly increasing (default [0.05]). */
  readonly noise?: readonly number[];
  /**
   * evalNoise stream id (default: the trainer's final evaluation, so that a level equal to the training σs
   * reproduces the network's stored fitness).
   */
  readonly streamId?: number;
  /**
   * Run only the trials still going (engines that offer QEngine.compact): once at least this fraction of the
   * engine's rows belong to finished trials, the batch is compacted to the live ones. Default 0.125; 0 or
   * more than 1 never compacts. The results are the same bits either way (rows are computed independently
   * and the tie draws keep their order).
   */
  readonly compact?: number;
}

/**
 * Sees every step of an evaluation before the engine does: the step index, the observations the engine is
 * about to get ([batch·4C], env i = maze·L + level for L levels: PolicyEvaluator.envOf) and which envs have already finished (1 = finished; their
 * rows are computed but their actions ignored). For recording test trials (analysis); must not keep `obs`.
 */
export type EvaluationStepObserver = (t: number, obs: Float32Array, finished: Uint8Array) => void;


/** Options of one evaluation: the evaluator's plus the network's seed. */
export interface EvaluationOptions extends EvaluatorOptions {
  /** The network's seed (its evaluation streams derive from it); also fixes the test set unless `mazeSeed`. */
  readonly seed?: number;
}

/** Result of evaluating one network: noise levels, mean fitness per level, robustness, and the mazes used. */
export interface EvaluationResult {
  readonly noise: number[];
  /** Mean fitness per noise level over the mazes whose score is defined (docs/spec.md §1.5); null when none is. */
  readonly fitness: (number | null)[];
  /** Trapezoid area under fitness(σs) over the levels (docs/spec.md §4); only with more than one level. */
  readonly robustness?: number | null;
  readonly mazes: number;
  readonly engine: string;
  /** Wall-clock seconds of the evaluation (the rollout, not loading). */
  readonly seconds: number;
}

/**
 * Sees every step of an evaluation, e.g. to record one trial for display (TrialRecorder). `step` is called
 * after the actions of step t are chosen and before the environments move, so `env.observations`, `q`, `actions`
 * and `env.position` are step t's; `end` after the last step. Rows are env i = maze·L + level for L noise levels
(PolicyEvaluator.envOf, mazeOf, levelOf).
 */
export interface EvaluationObserver {
  /** Before the engine gets step t's observations (for recording test trials, analysis). */
  readonly beforeStep?: EvaluationStepObserver;
  /** Called after the actions of step t are chosen, before the envs move. */
  step?(t: number, env: VectorEnv, q: Float32Array, actions: Int32Array): void;
  /** After the move of step t (−1: right after the reset). */
  readonly afterStep?: (step: StepObservation) => void;
  /** Called after the last step with every trial's fitness (NaN where undefined). */
  end?(env: VectorEnv, trialFitness: Float64Array): void;
}

/** What `PolicyEvaluator.evaluate` shows an observer after each step (views into its buffers). */
export interface StepObservation {
  /** The step just taken; −1 right after the reset (positions are the starts). */
  readonly step: number;
  readonly actions: Int32Array;
  readonly positions: Int32Array;
  /** 1 for trials that had already ended before this step (their action was ignored). */
  readonly finished: Uint8Array;
  /** 1 for trials that are over after this step; `fitness` then holds their score. */
  readonly done: Uint8Array;
  readonly fitness: Float32Array;
}

function checkSeed(name: string, seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new PrnnError(`${name} must be an integer ≥ 0 (got ${seed})`);
  }
  return seed;
}

/**
 * Greedy evaluation of policies on one test set over a sweep of sensor-noise levels (docs/spec.md §4).
 *
 * All trials of a network — mazes × levels, env i = maze·L + level for L levels — advance together as ONE batch
 * per step. The levels of a maze sit side by side: they share its noise draws and, moving alike, the same cells
 * of its layout, so a step reads each maze's memory once rather than once per level.
 * Randomness follows the trainer's greedy evaluator (training/evaluate-greedy.ts) level by level: with the
 * network's seed s, maze m senses with the stream seeded from Rng.derive(s, evalNoise, streamId, 1 + m), and
 * exact ties in argmax q are broken by Rng.derive(s, evalNoise, streamId, 0) — one generator per level —
 * drawn in (step, maze) order. So a level's result depends only on (network, test set, s, σs): not on the
 * other levels of the sweep, nor on the engine that computes the q-values, and at the training σs it equals
 * the trainer's final fitness. Envs that finished are frozen and their actions ignored; once enough of them
 * have finished, an engine that offers QEngine.compact runs only the rows of the trials still going
 * (EvaluatorOptions.compact), which gives the same results.
 *
 * One evaluator holds all buffers (env, q, actions, generators) and reuses them for every network.
 */
export class PolicyEvaluator {
  readonly task: TaskOptions;
  readonly set: MazeSet;
  readonly noise: readonly number[];
  readonly streamId: number;
  readonly batch: number;
  private readonly env: VectorEnv;
  private readonly mazeIndices: Int32Array;
  private readonly tieRngs: Rng[];
  /** The per-step argmax (its q, actions, finished and rowEnv are the evaluator's buffers). */
  private readonly greedy: GreedyActions;
  private readonly q: Float32Array;
  private readonly actions: Int32Array;
  private readonly finished: Uint8Array;
  private readonly trialFitness: Float64Array;
  private readonly levelValues: Float64Array;
  /** Compaction (see EvaluatorOptions.compact): env of each engine row, noise level of each env, gathered obs. */
  private readonly compactFraction: number;
  private readonly rowEnv: Int32Array;
  private readonly keep: Int32Array;
  private readonly envLevel: Int32Array;
  private readonly rowObs: Float32Array;
  /** Scratch of the per-maze noise seeds: the stream ids and the generator they seed. */
  private readonly streamIds = new Float64Array(3);
  private readonly seedScratch = new Rng(0);

  constructor(options: EvaluatorOptions) {
    const noise = [...(options.noise ?? [PAPER_FITNESS_NOISE])];
    checkNoiseLevels(noise);
    let set: MazeSet;
    if (options.mazes instanceof MazeSet) {
      set = options.mazes;
    } else {
      const count = options.mazes ?? 1000;
      if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
        throw new PrnnError(`mazes must be an integer in [1, 1000000] (got ${count})`);
      }
      set = generateMazeSet(options.task, { count, seed: checkSeed('maze seed', options.mazeSeed ?? TEST_SET_SEED_OFFSET) });
    }
    if (set.count < 1) throw new PrnnError('mazes must hold at least one maze');
    this.task = set.options;
    this.set = set;
    this.noise = noise;
    this.streamId = options.streamId ?? FINAL_EVALUATION_STREAM;
    const M = set.count;
    const N = M * noise.length;
    this.batch = N;
    const L = noise.length;
    this.mazeIndices = new Int32Array(N);
    for (let i = 0; i < N; i++) this.mazeIndices[i] = Math.floor(i / L);
    this.tieRngs = noise.map(() => new Rng(0));
    // every evaluation resets onto this evaluator's own set, maze ⌊i / L⌋ in env i: the module copies each maze
    // once, for the first network, and keeps it for the next (fixedMazes)
    this.env = new VectorEnv({ numEnvs: N, channels: set.channels, seeds: new Float64Array(N), reward: 'goal', autoreset: 'none', fixedMazes: true });
    for (let i = 0; i < N; i++) this.env.setSensorNoise(i, noise[i % L]);
    // the levels of a maze draw the same stream in step (seeded alike, reset and stepped together): its
    // draws are made once per step for all of them (the level-0 env of the maze holds the stream)
    this.env.shareNoiseDraws(Int32Array.from({ length: N }, (_, i) => i - (i % L)));
    // the engine writes q into the argmax's memory; the actions it chooses are copied into the env's
    this.greedy = new GreedyActions(N);
    this.q = this.greedy.q;
    this.actions = this.greedy.actions;
    this.finished = this.greedy.finished;
    this.trialFitness = new Float64Array(N);
    this.levelValues = new Float64Array(M);
    const fraction = options.compact ?? 0.125;
    if (!(fraction >= 0) || !Number.isFinite(fraction)) throw new PrnnError(`compact must be a fraction ≥ 0 (got ${fraction})`);
    this.compactFraction = fraction;
    this.rowEnv = this.greedy.rowEnv;
    this.keep = new Int32Array(N);
    this.envLevel = new Int32Array(N);
    for (let i = 0; i < N; i++) this.envLevel[i] = i % L;
    this.rowObs = new Float32Array(fraction > 0 && fraction <= 1 ? N * this.env.observationSize : 0);
  }

  /** The env (and engine row, before compaction) of maze `maze` at noise level index `level`: maze·L + level. */
  envOf(level: number, maze: number): number {
    const L = this.noise.length;
    if (!Number.isInteger(level) || level < 0 || level >= L) throw new PrnnError(`level must be an integer in [0, ${L - 1}] (got ${level})`);
    const M = this.set.count;
    if (!Number.isInteger(maze) || maze < 0 || maze >= M) throw new PrnnError(`maze must be an integer in [0, ${M - 1}] (got ${maze})`);
    return maze * L + level;
  }

  /** The maze of env i (envOf's inverse). */
  mazeOf(i: number): number {
    return Math.floor(i / this.noise.length);
  }

  /** The noise level index of env i (envOf's inverse). */
  levelOf(i: number): number {
    return i % this.noise.length;
  }

  /** Observation values per env (4 per cue channel). */
  get observationSize(): number {
    return this.env.observationSize;
  }

  /**
   * Evaluates one network (any QEngine) whose evaluation streams derive from `seed`. `observer`, when given,
   * sees every step: `beforeStep` the observations the engine is about to get, `afterStep` the actions taken
   * and the positions reached (env order).
   */
  async evaluate(engine: QEngine, seed: number, observer?: EvaluationObserver): Promise<EvaluationResult> {
    const started = performance.now();
    checkSeed('seed', seed);
    const { env, q, actions, finished, trialFitness, tieRngs, set, streamId } = this;
    const N = this.batch;
    const M = set.count;
    const levels = this.noise.length;
    if (engine.obsSize !== env.observationSize) {
      throw new PrnnError(
        `policy obs size must equal 4·C = ${env.observationSize} for the task's ${set.channels} channels (got ${engine.obsSize})`,
      );
    }
    for (const rng of tieRngs) rng.reseed(seed, STREAM.evalNoise, streamId, 0);
    // every level of maze m draws the same noise stream: seeded once, copied level by level
    const { streamIds, seedScratch } = this;
    streamIds[0] = STREAM.evalNoise;
    streamIds[1] = streamId;
    for (let m = 0; m < M; m++) {
      // Rng.derive(seed, evalNoise, streamId, 1 + m) without a generator per maze
      streamIds[2] = 1 + m;
      env.seedEnv(m * levels, seedScratch.reseedIds(seed, streamIds).nextUint32());
      if (levels > 1) env.spreadNoiseStream(m * levels, m * levels + 1, levels - 1);
    }
    env.resetAll(set, this.mazeIndices);
    engine.reset(N);
    finished.fill(0);
    trialFitness.fill(Number.NaN);
    const { done, fitness: envFitness } = env;
    observer?.afterStep?.({ step: -1, actions, positions: env.position, finished, done, fitness: envFitness });
    let remaining = N;
    // engine rows: all N envs in order until the first compaction, then the envs of rowEnv[0 … rows)
    const compactEngine = engine.compact !== undefined && observer?.step === undefined && this.compactFraction > 0 && this.compactFraction <= 1;
    const { rowEnv, keep, envLevel, rowObs, greedy } = this;
    const tieRows = greedy.tieRows;
    const obsSize = env.observationSize;
    let rows = N;
    let obsView = env.observations;
    let qView = q;
    for (let t = 0; t < this.task.steps && remaining > 0; t++) {
      observer?.beforeStep?.(t, env.observations, finished);
      if (rows === N) {
        const pending = engine.step(env.observations, q);
        if (pending) await pending; // a synchronous engine (tfjs, reference) costs no promise per step
      } else {
        const observations = env.observations;
        for (let k = 0, o = 0; k < rows; k++) {
          for (let from = rowEnv[k] * obsSize, end = from + obsSize; from < end; from++) rowObs[o++] = observations[from];
        }
        const pending = engine.step(obsView, qView);
        if (pending) await pending;
      }
      // the rows without a tie in one call; the tied ones here, in row order (= env order, so each level's
      // tie draws keep their (step, maze) order: each level has its own generator, and a decided row draws nothing)
      const compacted = rows !== N;
      const tied = greedy.choose(rows, compacted);
      for (let j = 0; j < tied; j++) {
        const k = tieRows[j];
        const i = compacted ? rowEnv[k] : k;
        actions[i] = argmaxWithTies(q, k * ACTIONS, tieRngs[envLevel[i]]);
      }
      observer?.step?.(t, env, q, actions);
      env.step(actions);
      observer?.afterStep?.({ step: t, actions, positions: env.position, finished, done, fitness: envFitness });
      if (rows === N) {
        for (let i = 0; i < N; i++) {
          if (finished[i] === 0 && done[i] === 1) {
            finished[i] = 1;
            trialFitness[i] = envFitness[i];
            remaining--;
          }
        }
      } else {
        // every trial still going has a row
        for (let k = 0; k < rows; k++) {
          const i = rowEnv[k];
          if (finished[i] === 0 && done[i] === 1) {
            finished[i] = 1;
            trialFitness[i] = envFitness[i];
            remaining--;
          }
        }
      }
      if (compactEngine && remaining > 0 && rows - remaining >= this.compactFraction * rows && t + 1 < this.task.steps) {
        // the rows of finished trials are dropped from the engine's batch
        let count = 0;
        for (let k = 0; k < rows; k++) {
          const i = rows === N ? k : rowEnv[k];
          if (finished[i] === 0) {
            keep[count] = k;
            rowEnv[count++] = i;
          }
        }
        engine.compact!(keep, count);
        rows = count;
        obsView = rowObs.subarray(0, rows * obsSize);
        qView = q.subarray(0, rows * ACTIONS);
      }
    }
    observer?.end?.(env, trialFitness);
    const fitness: (number | null)[] = [];
    const means: number[] = [];
    for (let level = 0; level < levels; level++) {
      for (let m = 0; m < M; m++) this.levelValues[m] = trialFitness[m * levels + level];
      const mean = meanFitness(this.levelValues);
      means.push(mean);
      fitness.push(jsonNumber(mean));
    }
    return {
      noise: [...this.noise],
      fitness,
      ...(levels > 1 ? { robustness: jsonNumber(trapezoidArea(this.noise, means)) } : {}),
      mazes: M,
      engine: engine.engine,
      seconds: (performance.now() - started) / 1000,
    };
  }
}

/** Evaluates one policy: a PolicyEvaluator for a single network. */
export async function evaluatePolicy(engine: QEngine, options: EvaluationOptions): Promise<EvaluationResult> {
  const seed = options.seed ?? 0;
  const evaluator = new PolicyEvaluator({ ...options, mazeSeed: options.mazeSeed ?? seed + TEST_SET_SEED_OFFSET });
  return evaluator.evaluate(engine, seed);
}
