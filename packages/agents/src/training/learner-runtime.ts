/**
 * The learner runtime: everything a learning rule needs and none should rewrite. A learner plugs in a
 * {@link LearnerDefinition} — its typed parameters (defaults and one check per parameter) and a session that
 * trains one population-episode at a time and names its own resumable state — and `defineLearner` turns it
 * into a registrable `Learner` whose `train` runs, top to bottom:
 *
 *   population model from the registry → resume (weights, learner state, curve) → for each episode: curve
 *   points due (greedy test fitness on the run's shared test set), the learner's episode, hooks (checkpoint,
 *   stop, progress, timing) → final fitness through the exported ONNX policy → results.
 *
 * The stop protocol lives here: after every episode the runtime asks `hooks.shouldStop()` (or an aborted
 * `hooks.signal`) and answers with a {@link TrainingStopped} error, after a checkpoint of exactly that point.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MazeSet, TaskOptions, VectorEnv } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import type { PopulationMember } from '../sdk/architecture.js';
import type { Learner, LearnerConfig, LearnerState, NetworkResult, TrainHooks, TrainJob, TrainResult } from '../sdk/learner.js';
import type { PopulationModel } from '../sdk/population-model.js';
import { withOutputHeads, type OutputHead } from '../sdk/output-heads.js';
import { FINAL_EVALUATION_STREAM, TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { mazeTaskSource, type TaskSource } from '../sdk/task-source.js';
import { TrainingStopped } from '../sdk/training-stopped.js';
import { jsonNumber } from '../run/json-number.js';
import { ChunkedGreedyTest } from './chunked-greedy-test.js';
import { createPopulationModel } from './create-population.js';
import { onnxFinalFitness } from './onnx-final-fitness.js';
import { PhaseStopwatch, type PhaseTimes } from '../profile/phase-times.js';
import { applyConfigOverrides, curvePointEpisode, type ConfigCheck } from '../learners/dqn-config.js';

/** A named float32 tensor of a learner's state. */
export interface StateTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The part of a checkpoint a learner owns (optimiser moments, Rng states, buffers…); the runtime adds the rest. */
export interface LearnerStatePart {
  readonly json: Readonly<Record<string, unknown>>;
  readonly tensors: Readonly<Record<string, StateTensor>>;
}

/** What the runtime hands a learner when a population starts training. */
export interface LearnerRun<Config extends LearnerConfig> {
  readonly job: TrainJob<Config>;
  readonly task: TaskOptions;
  readonly config: Config;
  readonly members: readonly PopulationMember[];
  /** Each network's seed (members[n].seed). */
  readonly seeds: readonly number[];
  /** The trained population: its parameters are what the curve, the checkpoints and the results read. */
  readonly model: PopulationModel;
  /** Where training episodes come from (the job's task source, else the built-in mazes). */
  readonly taskSource: TaskSource;
  /**
   * Another model of the job's family and implementation (a target network, a batch of perturbed copies…),
   * for `members` (default: the job's), disposed by the runtime when training ends.
   */
  createModel(members?: readonly PopulationMember[]): PopulationModel;
}

/** A learner's training of one population, created by `LearnerDefinition.start`. */
export interface LearnerSession {
  /**
   * Trains every network for one episode (0-based `episode`); returns the population's mean loss (NaN when
   * the rule has none). Throws a PrnnError naming the network when training diverges.
   */
  episode(episode: number): number;
  /** The learner's resumable state after `episode` episodes (the runtime stores weights and the curve itself). */
  capture(episode: number): LearnerStatePart;
  /** Restores what `capture` returned (the weights are already restored); `bad` makes the mismatch error. */
  restore(state: LearnerState, bad: (what: string) => PrnnError): void;
  /** Releases what the session allocated outside the runtime's models. */
  dispose?(): void;
}

/** Typed parameters: defaults for a task, one check per parameter, optional checks across parameters. */
export interface LearnerParameters<Config extends LearnerConfig> {
  /** The learner's defaults for the task (the paper's, for the paper's learner). */
  defaults(task: TaskOptions): Config;
  /** One check per parameter; it throws a PrnnError carrying the parameter (see `parameterError`). */
  readonly checks: { readonly [K in keyof Config]-?: ConfigCheck };
  /** Checks across parameters, after each one passed its own. */
  validate?(config: Config): void;
}

/** A learner as the runtime runs it: its name, parameters and how it trains a population-episode. */
export interface LearnerDefinition<Config extends LearnerConfig> extends LearnerParameters<Config> {
  /** Registry key (`--learner`). */
  readonly name: string;
  readonly description: string;
  /**
   * Flags of the learner's own parameters, parameter → flag name without dashes (see `Learner.flags`), e.g.
   * `{ gamma: 'gamma' }`; every key must be one of its parameters. Absent: none.
   */
  readonly flags?: { readonly [K in keyof Config]?: string };
  /** Sets up the learner's state for one population (called once per `train`). */
  start(run: LearnerRun<Config>): LearnerSession;
  /**
   * Output heads the learner trains with the network (e.g. an actor-critic's value, see output-heads.ts): the
   * runtime's models then carry them (`withOutputHeads`: parameters, checkpoints, weights, the VJP's rows) and
   * the exported ONNX policies have them as extra outputs. Absent or empty: none.
   */
  outputHeads?(config: Config): readonly OutputHead[];
}

/** Defaults overridden by `overrides` (unknown keys refused), every parameter checked, then the cross checks. */
export function resolveLearnerConfig<Config extends LearnerConfig>(
  params: LearnerParameters<Config>,
  name: string,
  task: TaskOptions,
  overrides: Readonly<Record<string, unknown>> = {},
): Config {
  const config = applyConfigOverrides(params.defaults(task), overrides, name);
  for (const key of Object.keys(params.checks) as (keyof Config & string)[]) params.checks[key](key, config[key]);
  params.validate?.(config);
  return config;
}

/** The registrable Learner of a definition: its configure checks the typed parameters, its train runs the runtime. */
export function defineLearner<Config extends LearnerConfig>(definition: LearnerDefinition<Config>): Learner<Config> & { readonly definition: LearnerDefinition<Config> } {
  return {
    name: definition.name,
    description: definition.description,
    ...(definition.flags ? { flags: definition.flags as Readonly<Record<string, string>> } : {}),
    definition,
    defaults: (task) => definition.defaults(task),
    configure: (task, overrides) => resolveLearnerConfig(definition, definition.name, task, overrides),
    train: (job, hooks) => runLearner(definition, job, hooks),
  };
}

/** Trains the job's population with `definition` (see the module comment for the order of things). */
export async function runLearner<Config extends LearnerConfig>(
  definition: LearnerDefinition<Config>,
  job: TrainJob<Config>,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const { task, config, members } = job;
  if (members.length < 1) throw new PrnnError('a population needs at least one network');
  const models: PopulationModel[] = [];
  const heads = definition.outputHeads?.(config) ?? [];
  const buildModel = (ms: readonly PopulationMember[]): PopulationModel => {
    const m = createPopulationModel({ ...job, members: ms });
    if (heads.length === 0) return m;
    try {
      return withOutputHeads(m, heads);
    } catch (e) {
      m.dispose();
      throw e;
    }
  };
  const createModel = (ms: readonly PopulationMember[] = members): PopulationModel => {
    const m = buildModel(ms);
    models.push(m);
    return m;
  };
  let session: LearnerSession | undefined;
  let testCurves: TrainingCurves | undefined;
  try {
    const model = createModel();
    const seeds = members.map((m) => m.seed);
    session = definition.start({ job, task, config, members, seeds, model, taskSource: job.taskSource ?? mazeTaskSource, createModel });
    const s = session;
    const E = config.episodes;
    // The run's shared test set, for the training curve and the final fitness.
    const curves = new TrainingCurves(job, model, buildModel);
    testCurves = curves;
    let startEpisode = 0;
    if (job.resume) startEpisode = restoreLearnerState(job.resume, definition.name, { members, model, curves: curves.values, episodes: E }, s);

    const progress = new TrainHookRunner(hooks, E, members.length);
    const capture = (done: number) => captureLearnerState(definition.name, done, { members, model, curves: curves.values }, s.capture(done));
    for (let episode = startEpisode; episode < E; episode++) {
      // The training curve: greedy test fitness before episodes 0, E/points, 2E/points, …
      await curves.measureDue(episode);
      progress.startEpisode();
      const loss = s.episode(episode);
      await progress.endEpisode(episode + 1, loss, capture);
    }
    return {
      networks: await finalNetworkResults(model, members, curves, E),
      netEpisodesPerSecond: progress.netEpisodesPerSecond(),
      backend: tf.getBackend(),
      phases: curves.phases(),
    };
  } finally {
    session?.dispose?.();
    testCurves?.dispose();
    for (const m of models) m.dispose();
  }
}

/**
 * How a learner acts and what it records, step by step, in {@link runEpisode}. Networks that finished
 * (terminated) are not active: act and record skip them.
 */
export interface StepPolicy {
  /** Sense s_t afresh before each step t ≥ 1 (the DQN: s_t and s'_{t−1} are two noisy readings). Default: no. */
  readonly resense?: boolean;
  /** The noise the model adds to its outputs at step t, drawn for the active networks (null or absent: none). */
  noise?(t: number, active: Uint8Array): Float32Array | null;
  /** Chooses `actions[n]` for every active network n from the step's outputs ([N·O]), recording s_t and a_t as it needs. */
  act(t: number, obs: Float32Array, outputs: Float32Array, active: Uint8Array, actions: Int32Array): void;
  /** After the env moved on step t: records what the update needs (r_t, s'_t, targets…), before finished networks drop out. */
  record?(t: number, env: VectorEnv, active: Uint8Array): void;
}

/** Buffers of {@link runEpisode}, reused every episode (nothing is allocated per step). */
export interface EpisodeScratch {
  /** The model's outputs of the step, [N·O]. */
  readonly outputs: Float32Array;
  readonly actions: Int32Array;
  /** 1 while env n's episode runs. */
  readonly active: Uint8Array;
  /** The maze (of the set passed to runEpisode) each env starts on. */
  readonly mazeOfEnv: Int32Array;
}

/** Scratch for `envs` envs and `outputs` outputs per network; env n starts on maze `mazeOfEnv[n]` (default n). */
export function allocateEpisodeScratch(envs: number, outputs: number, mazeOfEnv?: ArrayLike<number>): EpisodeScratch {
  return {
    outputs: new Float32Array(envs * outputs),
    actions: new Int32Array(envs),
    active: new Uint8Array(envs),
    mazeOfEnv: mazeOfEnv ? Int32Array.from(mazeOfEnv) : Int32Array.from({ length: envs }, (_, n) => n),
  };
}

/**
 * One episode of every env, network n of `model` acting in env n: resets (env n on maze `mazeOfEnv[n]` of
 * `mazes`, the model's state to zero), then per step t < `steps` while any network runs: (re)sense, the
 * policy's noise, the forward pass (state advancing), the policy's actions, the env step, the policy's
 * record; a network whose env terminated drops out. Returns the number of steps run.
 */
export function runEpisode(model: PopulationModel, env: VectorEnv, mazes: MazeSet, steps: number, policy: StepPolicy, scratch: EpisodeScratch): number {
  const { outputs, actions, active, mazeOfEnv } = scratch;
  const N = env.numEnvs;
  model.resetState(1);
  env.resetAll(mazes, mazeOfEnv);
  active.fill(1);
  actions.fill(4);
  let running = N;
  let t = 0;
  for (; t < steps && running > 0; t++) {
    if (t > 0 && policy.resense === true) env.senseWhere(active);
    const noise = policy.noise ? policy.noise(t, active) : null;
    model.forward(env.observations, noise, outputs, true);
    policy.act(t, env.observations, outputs, active, actions);
    env.step(actions);
    policy.record?.(t, env, active);
    for (let n = 0; n < N; n++) {
      if (active[n] === 1 && env.terminated[n] === 1) {
        active[n] = 0;
        running--;
      }
    }
  }
  return t;
}

/** What the runtime stores of every learner: the networks, their parameters and the curve so far. */
interface RuntimeParts {
  readonly members: readonly PopulationMember[];
  readonly model: PopulationModel;
  readonly curves: number[][];
}

/**
 * A checkpoint: `{ members, …learner json, curves }` and the tensors `variable/<i>` then the learner's
 * (weights checked finite: a diverged run writes no checkpoint).
 */
export function captureLearnerState(learner: string, episode: number, parts: RuntimeParts, own: LearnerStatePart): LearnerState {
  const { members, model, curves } = parts;
  const tensors: Record<string, StateTensor> = {};
  const { values, shapes } = model.parameters;
  values.forEach((v, i) => {
    const data = Float32Array.from(v);
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j])) throw new PrnnError(`training diverged: non-finite weights at episode ${episode}; no checkpoint written`);
    }
    tensors[`variable/${i}`] = { shape: [...shapes[i]], data };
  });
  Object.assign(tensors, own.tensors);
  return {
    learner,
    episode,
    json: { members: members.map((m) => ({ arch: m.arch.name, seed: m.seed })), ...own.json, curves: curves.map((c) => c.map(jsonNumber)) },
    tensors,
  };
}

/** Restores a state written by `captureLearnerState` (weights, the learner's part, the curve); returns its episode. */
export function restoreLearnerState(
  state: LearnerState,
  learner: string,
  parts: RuntimeParts & { readonly episodes: number },
  session: Pick<LearnerSession, 'restore'>,
): number {
  const { members, model, curves, episodes } = parts;
  const bad = (what: string) => new PrnnError(`checkpoint does not match this run: ${what}`);
  if (state.learner !== learner) throw bad(`it was written by learner "${state.learner}"`);
  const json = state.json as { members?: { arch: string; seed: number }[]; curves?: (number | null)[][] };
  if (
    !json.members ||
    json.members.length !== members.length ||
    json.members.some((m, n) => m.arch !== members[n].arch.name || m.seed !== members[n].seed)
  ) {
    throw bad('its networks differ');
  }
  if (!Number.isInteger(state.episode) || state.episode < 0 || state.episode > episodes) {
    throw bad(`episode ${state.episode} is outside 0…${episodes}`);
  }
  if (!json.curves || json.curves.length !== curves.length) throw bad('it lacks the curve state');
  model.parameters.values.forEach((v, i) => {
    const t = state.tensors[`variable/${i}`];
    if (!t || t.data.length !== v.length) throw bad(`variable ${i} is missing or has the wrong size`);
    v.set(t.data);
  });
  model.parameters.commit();
  session.restore(state, bad);
  json.curves.forEach((c, n) => {
    for (let k = 0; k < curves[n].length; k++) curves[n][k] = c[k] ?? Number.NaN;
  });
  return state.episode;
}

function describeMember(m: PopulationMember): string {
  return `${m.arch.name} (seed ${m.seed})`;
}

/**
 * The training curve and the final test (docs/spec.md §4): greedy fitness of every network on the run's
 * shared test set before episodes 0, E/points, 2E/points, … (curve point k uses evalNoise stream k), and
 * after the last episode (stream FINAL_EVALUATION_STREAM).
 */
export class TrainingCurves {
  /** values[n][k]: network n's fitness at curve point k (NaN until measured). */
  readonly values: number[][];
  private readonly config: LearnerConfig;
  private readonly seeds: number[];
  private readonly evaluator: ChunkedGreedyTest;
  private readonly model: PopulationModel;
  private readonly job: TrainJob;
  private point = 0;
  /** Time spent measuring curve points, and in the final test (this thread's clock). */
  readonly curveTime = new PhaseStopwatch();
  readonly finalTime = new PhaseStopwatch();

  /** `create`: a model of the trained population's kind for a chunk of networks (default: the job's implementation). */
  constructor(job: TrainJob, model: PopulationModel, create?: (members: readonly PopulationMember[]) => PopulationModel) {
    const { task, config, members } = job;
    this.config = config;
    this.job = job;
    this.seeds = members.map((m) => m.seed);
    const testSet = (job.taskSource ?? mazeTaskSource).generateSet(task, { count: config.testMazes, seed: job.runSeed + TEST_SET_SEED_OFFSET });
    // tested a chunk of networks at a time, each chunk in a model of the trained population's implementation
    // each chunk's model is kept for all the curve points (freed by `dispose`): models made and dropped at every
    // point left the collector their memories to free during the training between points
    this.evaluator = new ChunkedGreedyTest(testSet, members, create ?? ((chunk) => createPopulationModel({ ...job, members: chunk })), undefined, true);
    this.model = model;
    this.values = members.map(() => new Array<number>(config.curvePoints).fill(Number.NaN));
  }

  /** Disposes the test's kept chunk models. */
  dispose(): void {
    this.evaluator.dispose();
  }

  /** The time spent in curve points and the final test so far, this thread's clock (TrainResult.phases). */
  phases(): PhaseTimes {
    return { curveTests: this.curveTime.elapsed, finalTests: this.finalTime.elapsed };
  }

  /** Measures the points due before `episode`; points of earlier episodes (measured before a resume) are skipped. */
  async measureDue(episode: number): Promise<void> {
    const { config } = this;
    while (this.point < config.curvePoints && curvePointEpisode(config, this.point) < episode) this.point++;
    while (this.point < config.curvePoints && curvePointEpisode(config, this.point) === episode) {
      const { fitness } = await this.curveTime.time(() => this.evaluator.evaluate(this.model, this.seeds, { sensorNoise: config.sensorNoise, streamId: this.point }));
      for (let n = 0; n < fitness.length; n++) this.values[n][this.point] = fitness[n];
      this.point++;
    }
  }

  /**
   * Every network's final greedy fitness: with the networks' `weights`, through their exported ONNX policies
   * when the family can export one (the arithmetic `prnn eval` uses, see onnxFinalFitness), else through the
   * population model.
   */
  async finalFitness(weights?: readonly Record<string, Float32Array>[]): Promise<Float64Array> {
    return this.finalTime.time(() => this.finalFitnessUntimed(weights));
  }

  private async finalFitnessUntimed(weights?: readonly Record<string, Float32Array>[]): Promise<Float64Array> {
    const { architecture, members } = this.job;
    if (weights && architecture.exportOnnx) {
      return onnxFinalFitness(architecture, members, weights, this.evaluator.set, this.config.sensorNoise, this.job.kernels);
    }
    const { fitness } = await this.evaluator.evaluate(this.model, this.seeds, { sensorNoise: this.config.sensorNoise, streamId: FINAL_EVALUATION_STREAM });
    return fitness;
  }
}

/** The final test, then each network's weights (checked finite), fitness and curve. */
export async function finalNetworkResults(
  model: PopulationModel,
  members: readonly PopulationMember[],
  curves: TrainingCurves,
  episodes: number,
): Promise<NetworkResult[]> {
  const weights = members.map((member, n) => {
    const w = model.exportWeights(n);
    assertFiniteWeights(w, member);
    return w;
  });
  const fitness = await curves.finalFitness(weights);
  return members.map((member, n) => ({ member, weights: weights[n], fitness: fitness[n], trainingCurve: curves.values[n], episodes }));
}

/** Whether the hooks ask training to stop (`shouldStop()` or an aborted `signal`). */
export function stopRequested(hooks: TrainHooks): boolean {
  return hooks.shouldStop?.() === true || hooks.signal?.aborted === true;
}

/** Lets signal handlers and messages run (a training loop otherwise never leaves the microtask queue). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs a training loop's TrainHooks after each episode (checkpoint, stop request, progress report) and
 * keeps its clock: training time counts from `startEpisode()` to `endEpisode()`, so curve points do not.
 */
export class TrainHookRunner {
  private readonly started = performance.now();
  private episodeStarted = 0;
  private trainingMs = 0;
  private trained = 0;
  private lastReport = 0;

  constructor(
    private readonly hooks: TrainHooks,
    private readonly episodes: number,
    private readonly population: number,
  ) {}

  /** Marks the start of an episode (for the episode's timing in progress reports). */
  startEpisode(): void {
    this.episodeStarted = performance.now();
  }

  /**
   * After `done` episodes: a checkpoint when one is due (`capture(done)` gives the state), then the stop
   * protocol (a TrainingStopped error when a stop was requested before the last episode), then progress.
   */
  async endEpisode(done: number, loss: number, capture: (episode: number) => LearnerState): Promise<void> {
    const { hooks, episodes: E } = this;
    this.trainingMs += performance.now() - this.episodeStarted;
    this.trained++;
    // a stop request is honoured after the episode in progress, with a checkpoint of exactly that point;
    // a request during the last episode lets the run finish (its results are complete)
    if (hooks.signal || hooks.shouldStop) await yieldToEventLoop();
    const stop = stopRequested(hooks) && done < E;
    // the last episode is checkpointed too: should the final test fail, the trained weights are kept and
    // --resume finishes the run without training again
    if (hooks.checkpoint && (stop || done % hooks.checkpoint.everyEpisodes === 0 || done === E)) {
      await hooks.checkpoint.save(capture(done));
      if (stop || (done < E && stopRequested(hooks))) throw new TrainingStopped(done, E, true);
    } else if (stop) {
      throw new TrainingStopped(done, E, false);
    }
    const now = performance.now();
    const every = hooks.progressEvery;
    if (hooks.onProgress && (now - this.lastReport > 200 || done === E || (every !== undefined && done % every === 0))) {
      this.lastReport = now;
      hooks.onProgress({ episode: done, episodes: E, population: this.population, elapsedMs: now - this.started, loss });
    }
  }

  /** Network-episodes trained per second of training time. */
  netEpisodesPerSecond(): number {
    return this.trainingMs > 0 ? (this.trained * this.population) / (this.trainingMs / 1000) : 0;
  }
}

/** Throws a PrnnError naming the network when a weight is not finite. */
export function assertFiniteWeights(weights: Record<string, Float32Array>, member: PopulationMember): void {
  for (const [name, w] of Object.entries(weights)) {
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i])) {
        throw new PrnnError(`training diverged: network ${describeMember(member)} has non-finite weights in ${name}; no weights were written`);
      }
    }
  }
}
