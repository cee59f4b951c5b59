/**
 * The reference DQN (SPEC §3), for a population of networks trained in lockstep.
 *
 * Per population-episode: every network gets a fresh training maze from its own stream, acts ε-greedily
 * for up to `steps` steps (the rollout records s_t, a_t, u_t and the target y_t = r_t + γ·max Q'_t − 0.1),
 * then the learning pass back-propagates Σ_t (Q_t[a_t] − y_t)² through the whole episode, clips each
 * network's gradient to global norm `clip`, and takes one Adam step. No replay buffer, no target network.
 *
 * Every random number of network n comes from its own streams `Rng.derive(seed_n, STREAM.…)`, and the
 * batched ops work per network slice, so a network's result does not depend on the population it is in.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MazeSet, PrnnError, Rng, VectorEnv, type TaskOptions } from '@prnn/env';
import { mazeTaskSource } from '../sdk/task-source.js';
import type { PopulationMember } from '../sdk/architecture.js';
import type { Learner, LearnerConfig, LearnerState, NetworkResult, TrainHooks, TrainJob, TrainResult } from '../sdk/learner.js';
import type { KernelSet } from '../sdk/kernel.js';
import { learningPass } from '../sdk/learning-pass.js';
import { allocateEpisodeRecords, allocateLike, type EpisodeRecords, type PopulationModel } from '../sdk/population-model.js';
import { createPopulationModel } from '../training/create-population.js';
import { selectedSquaredError } from './selected-squared-error.js';
import { jsonNumber } from '../run/json-number.js';
import { FINAL_EVALUATION_STREAM, STREAM, TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { ChunkedGreedyTest } from '../training/chunked-greedy-test.js';
import { onnxFinalFitness } from '../training/onnx-final-fitness.js';
import { PopulationOptimizer } from '../training/population-optimizer.js';
import { curvePointEpisode, epsilonAt, resolveDqnConfig, dqnDefaults, type DqnConfig } from './dqn-config.js';

export { FINAL_EVALUATION_STREAM };

/** The per-network random streams of the rollout. */
export interface RolloutStreams {
  readonly mazes: Rng[];
  readonly exploration: Rng[];
  readonly tieNoise: Rng[];
}

/** Each network's rollout streams, derived from its seed. */
export function rolloutStreams(seeds: readonly number[]): RolloutStreams {
  return {
    mazes: seeds.map((s) => Rng.derive(s, STREAM.trainingMazes)),
    exploration: seeds.map((s) => Rng.derive(s, STREAM.exploration)),
    tieNoise: seeds.map((s) => Rng.derive(s, STREAM.tieNoise)),
  };
}

/** One training env per network: reward 'progress', no autoreset, sensor noise from the network's own stream. */
export function createTrainingEnv(task: TaskOptions, config: DqnConfig, seeds: readonly number[]): VectorEnv {
  return new VectorEnv({
    numEnvs: seeds.length,
    channels: task.channels,
    sensorNoise: config.sensorNoise,
    reward: 'progress',
    autoreset: 'none',
    seeds: seeds.map((s) => Rng.derive(s, STREAM.sensorNoise).nextUint32()),
  });
}

/** Buffers the rollout reuses every episode (nothing is allocated per step). */
export interface RolloutScratch {
  readonly q: Float32Array;
  readonly qNext: Float32Array;
  readonly tie: Float32Array;
  readonly actions: Int32Array;
  readonly active: Uint8Array;
}

export function allocateRolloutScratch(population: number, outputs: number): RolloutScratch {
  return {
    q: new Float32Array(population * outputs),
    qNext: new Float32Array(population * outputs),
    tie: new Float32Array(population * outputs),
    actions: new Int32Array(population),
    active: new Uint8Array(population),
  };
}

export interface RolloutSettings {
  readonly epsilon: number;
  readonly gamma: number;
  readonly stepPenalty: number;
  readonly tieNoise: number;
}

/** The rollout settings of training episode `episode` (0-based): ε from the schedule, the rest from the config. */
export function rolloutSettings(config: DqnConfig, episode: number): RolloutSettings {
  return { epsilon: epsilonAt(config, episode), gamma: config.gamma, stepPenalty: config.stepPenalty, tieNoise: config.tieNoise };
}

/**
 * What a learner that recomputes targets later (e.g. with a target network) also needs from a rollout,
 * time-major like EpisodeRecords: s'_t [T·P·I], r_t [T·P], and the tie noise u'_t of the Q' forward [T·P·O].
 */
export interface TransitionRecords {
  readonly nextObs: Float32Array;
  readonly rewards: Float32Array;
  readonly nextTieNoise: Float32Array;
}

export function allocateTransitionRecords(steps: number, population: number, inputs: number, outputs: number): TransitionRecords {
  return {
    nextObs: new Float32Array(steps * population * inputs),
    rewards: new Float32Array(steps * population),
    nextTieNoise: new Float32Array(steps * population * outputs),
  };
}

/** u ~ U(0, amplitude) for every active network's outputs; zeros (and no draws) for finished ones. */
function drawTieNoise(tie: Float32Array, active: Uint8Array, rngs: Rng[], outputs: number, amplitude: number): void {
  for (let n = 0; n < active.length; n++) {
    if (active[n] === 1) rngs[n].fillFloat(tie, n * outputs, outputs, amplitude);
    else tie.fill(0, n * outputs, (n + 1) * outputs);
  }
}

/** The target y = r + γ·max_k q[base + k] − stepPenalty (k < outputs). */
export function dqnTarget(
  reward: number,
  q: Float32Array,
  base: number,
  outputs: number,
  settings: Pick<RolloutSettings, 'gamma' | 'stepPenalty'>,
): number {
  let max = q[base];
  for (let k = 1; k < outputs; k++) if (q[base + k] > max) max = q[base + k];
  return reward + settings.gamma * max - settings.stepPenalty;
}

/**
 * One population-episode on the mazes of `mazes` (network n on maze n), filling `records`.
 * `env` has one env per network, reward 'progress', each with the network's own sensor-noise stream.
 * The env senses s_0 on reset and s'_t after each step; we sense s_t (t ≥ 1) explicitly, so every
 * network draws s_0, s'_0, s_1, s'_1, … from its stream as SPEC §3 orders them.
 */
export function rollout(
  model: PopulationModel,
  env: VectorEnv,
  mazes: MazeSet,
  records: EpisodeRecords,
  streams: RolloutStreams,
  scratch: RolloutScratch,
  settings: RolloutSettings,
  transitions?: TransitionRecords,
): void {
  const P = records.population;
  const T = records.steps;
  const I = model.inputs;
  const O = model.outputs;
  const { q, qNext, tie, actions, active } = scratch;
  const obs = env.observations;
  model.resetState(1);
  for (let n = 0; n < P; n++) {
    env.resetEnv(n, mazes, n);
    active[n] = 1;
    records.lengths[n] = 0;
    actions[n] = 4;
  }
  let running = P;
  for (let t = 0; t < T && running > 0; t++) {
    // 1. sense s_t (s_0 was sensed by the reset)
    if (t > 0) env.senseWhere(active);
    // 2–3. Q_t from the current state, state moves on; s_t and u_t are recorded for the learning pass
    drawTieNoise(tie, active, streams.tieNoise, O, settings.tieNoise);
    model.forward(obs, tie, q, true);
    records.obs.set(obs, t * P * I);
    records.tieNoise.set(tie, t * P * O);
    // ε-greedy on Q_t
    for (let n = 0; n < P; n++) {
      if (active[n] === 0) continue;
      const rng = streams.exploration[n];
      let a: number;
      if (rng.float() < settings.epsilon) {
        a = rng.int(O);
      } else {
        a = n * O;
        for (let k = 1; k < O; k++) if (q[n * O + k] > q[a]) a = n * O + k;
        a -= n * O;
      }
      actions[n] = a;
      records.actions[t * P + n] = a;
    }
    // 4. act (the env senses s'_t with fresh noise after the move)
    env.step(actions);
    // 5. Q'_t from the new state on s'_t, without moving the state; target y_t = r_t + γ·max Q'_t − 0.1
    drawTieNoise(tie, active, streams.tieNoise, O, settings.tieNoise);
    model.forward(obs, tie, qNext, false);
    if (transitions) {
      transitions.nextObs.set(obs, t * P * I);
      transitions.nextTieNoise.set(tie, t * P * O);
      for (let n = 0; n < P; n++) transitions.rewards[t * P + n] = env.rewards[n];
    }
    for (let n = 0; n < P; n++) {
      if (active[n] === 0) continue;
      records.targets[t * P + n] = dqnTarget(env.rewards[n], qNext, n * O, O, settings);
      records.lengths[n] = t + 1;
      // 6. stop when the goal was reached (the step limit ends the loop anyway)
      if (env.terminated[n] === 1) {
        active[n] = 0;
        running--;
      }
    }
  }
}

function describeMember(m: PopulationMember): string {
  return `${m.arch.name} (seed ${m.seed})`;
}

/** The buffers of the learning pass (per-network losses, gradients aligned with the parameters), reused every episode. */
export interface LearningScratch {
  readonly losses: Float32Array;
  readonly gradients: Float32Array[];
}

export function allocateLearningScratch(model: PopulationModel): LearningScratch {
  // gradients where the optimiser's Adam reads them, when it says where (saves a copy per episode)
  const gradients = model.parameters.adam?.allocateGradients?.() ?? allocateLike(model.parameters);
  return { losses: new Float32Array(model.population), gradients };
}

/**
 * The learning pass on one episode's records: Σ_t (Q_t[a_t] − y_t)² with BPTT (a registered kernel for the
 * family, else tfjs autodiff of the step), each network's gradient clipped, one Adam step per network.
 * Returns the population's mean loss; a non-finite loss or gradient is a PrnnError naming the network
 * (nothing is applied then).
 */
export function learnFromEpisode(
  model: PopulationModel,
  kernels: KernelSet | undefined,
  optimizer: PopulationOptimizer,
  records: EpisodeRecords,
  members: readonly PopulationMember[],
  episode: number,
  lr: number,
  scratch: LearningScratch,
): number {
  const P = members.length;
  const { losses, gradients } = scratch;
  learningPass(model, kernels, selectedSquaredError, records, losses, gradients);
  let sum = 0;
  for (let n = 0; n < P; n++) {
    if (!Number.isFinite(losses[n])) {
      throw new PrnnError(
        `training diverged: network ${describeMember(members[n])} has a ${losses[n]} loss at episode ${episode}; ` +
          `try a smaller lr (got ${lr}) — no weights were written`,
      );
    }
    sum += losses[n];
  }
  const { norms, applied } = optimizer.step(gradients);
  if (!applied) {
    const n = norms.findIndex((x) => !Number.isFinite(x));
    throw new PrnnError(
      `training diverged: network ${describeMember(members[n])} has a non-finite gradient at episode ${episode}; ` +
        `try a smaller lr (got ${lr}) — no weights were written`,
    );
  }
  return sum / P;
}

/** Trains the job's population with the reference DQN. */
export async function trainDqn(job: TrainJob<DqnConfig>, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { task, config, members } = job;
  if (members.length < 1) throw new PrnnError('a population needs at least one network');
  // The population and its optimiser (disposed whatever happens).
  const model = createPopulationModel(job);
  const optimizer = new PopulationOptimizer(model.parameters, members.length, config);
  try {
    return await trainPopulation(job, hooks, model, optimizer);
  } finally {
    model.dispose();
  }
}

/** The training loop of `trainDqn`, top to bottom: streams, test set, episodes, final test. */
async function trainPopulation(job: TrainJob<DqnConfig>, hooks: TrainHooks, model: PopulationModel, optimizer: PopulationOptimizer): Promise<TrainResult> {
  const { task, config, members } = job;
  const P = members.length;
  const T = task.steps;
  const E = config.episodes;
  const seeds = members.map((m) => m.seed);
  const streams = rolloutStreams(seeds);
  const source = job.taskSource ?? mazeTaskSource;
  const trainingMazes = MazeSet.allocate(task, P);
  const env = createTrainingEnv(task, config, seeds);
  const records = allocateEpisodeRecords(T, P, model.inputs, model.outputs);
  const scratch = allocateRolloutScratch(P, model.outputs);
  const learning = allocateLearningScratch(model);

  // The run's shared test set, for the training curve and the final fitness.
  const curves = new TrainingCurves(job, model);
  const parts: DqnParts = { members, model, optimizer, streams, env, curves: curves.values };

  let startEpisode = 0;
  if (job.resume) startEpisode = restoreDqnState(job.resume, { ...parts, config });

  const progress = new TrainHookRunner(hooks, E, P);
  const capture = (done: number) => captureDqnState(done, parts);
  for (let episode = startEpisode; episode < E; episode++) {
    // The training curve: greedy test fitness before episodes 0, E/points, 2E/points, …
    await curves.measureDue(episode);
    progress.startEpisode();

    // Fresh training mazes, one per network, from each network's own stream; one ε-greedy episode each.
    for (let n = 0; n < P; n++) source.generateInto(trainingMazes, n, streams.mazes[n]);
    rollout(model, env, trainingMazes, records, streams, scratch, rolloutSettings(config, episode));

    // Learning pass: Σ_t (Q_t[a_t] − y_t)² with BPTT, per-network clip, one Adam step.
    const loss = learnFromEpisode(model, job.kernels, optimizer, records, members, episode, config.lr, learning);

    await progress.endEpisode(episode + 1, loss, capture);
  }

  // Final greedy fitness on the test set.
  return {
    networks: await finalNetworkResults(model, members, curves, E),
    netEpisodesPerSecond: progress.netEpisodesPerSecond(),
    backend: tf.getBackend(),
  };
}

/**
 * The training curve and the final test (SPEC §4): greedy fitness of every network on the run's shared
 * test set before episodes 0, E/points, 2E/points, … (curve point k uses evalNoise stream k), and after
 * the last episode (stream FINAL_EVALUATION_STREAM).
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

  constructor(job: TrainJob, model: PopulationModel) {
    const { task, config, members } = job;
    this.config = config;
    this.job = job;
    this.seeds = members.map((m) => m.seed);
    const testSet = (job.taskSource ?? mazeTaskSource).generateSet(task, { count: config.testMazes, seed: job.runSeed + TEST_SET_SEED_OFFSET });
    // tested a chunk of networks at a time, each chunk in a model of the trained population's implementation
    this.evaluator = new ChunkedGreedyTest(testSet, members, (chunk) => createPopulationModel({ ...job, members: chunk }));
    this.model = model;
    this.values = members.map(() => new Array<number>(config.curvePoints).fill(Number.NaN));
  }

  /** Measures the points due before `episode`; points of earlier episodes (measured before a resume) are skipped. */
  async measureDue(episode: number): Promise<void> {
    const { config } = this;
    while (this.point < config.curvePoints && curvePointEpisode(config, this.point) < episode) this.point++;
    while (this.point < config.curvePoints && curvePointEpisode(config, this.point) === episode) {
      const { fitness } = await this.evaluator.evaluate(this.model, this.seeds, { sensorNoise: config.sensorNoise, streamId: this.point });
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

  startEpisode(): void {
    this.episodeStarted = performance.now();
  }

  /** After `done` episodes: a checkpoint when one is due (`capture(done)` gives the state), then a stop request, then progress. */
  async endEpisode(done: number, loss: number, capture: (episode: number) => LearnerState): Promise<void> {
    const { hooks, episodes: E } = this;
    this.trainingMs += performance.now() - this.episodeStarted;
    this.trained++;
    // a stop request is honoured after the episode in progress, with a checkpoint of exactly that point;
    // a request during the last episode lets the run finish (its results are complete)
    if (hooks.signal) await yieldToEventLoop();
    const stop = hooks.signal?.aborted === true && done < E;
    // the last episode is checkpointed too: should the final test fail, the trained weights are kept and
    // --resume finishes the run without training again
    if (hooks.checkpoint && (stop || done % hooks.checkpoint.everyEpisodes === 0 || done === E)) {
      await hooks.checkpoint.save(capture(done));
      if (stop || (done < E && hooks.signal?.aborted)) throw new PrnnError(`training stopped at episode ${done} of ${E} (checkpoint written)`);
    } else if (stop) {
      throw new PrnnError(`training stopped at episode ${done} of ${E}`);
    }
    const now = performance.now();
    if (hooks.onProgress && (now - this.lastReport > 200 || done === E)) {
      this.lastReport = now;
      hooks.onProgress({ episode: done, episodes: E, population: this.population, elapsedMs: now - this.started, loss });
    }
  }

  /** Network-episodes trained per second of training time. */
  netEpisodesPerSecond(): number {
    return this.trainingMs > 0 ? (this.trained * this.population) / (this.trainingMs / 1000) : 0;
  }
}

export function assertFiniteWeights(weights: Record<string, Float32Array>, member: PopulationMember): void {
  for (const [name, w] of Object.entries(weights)) {
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i])) {
        throw new PrnnError(`training diverged: network ${describeMember(member)} has non-finite weights in ${name}; no weights were written`);
      }
    }
  }
}

export interface DqnParts {
  readonly members: readonly PopulationMember[];
  readonly model: PopulationModel;
  readonly optimizer: PopulationOptimizer;
  readonly streams: RolloutStreams;
  readonly env: VectorEnv;
  readonly curves: number[][];
}

/** Everything needed to continue exactly: variables, Adam moments, every Rng, the curve so far. */
export function captureDqnState(episode: number, parts: DqnParts, learner = 'dqn'): LearnerState {
  const { members, model, optimizer, streams, env, curves } = parts;
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  const { values, shapes } = model.parameters;
  values.forEach((v, i) => {
    const data = Float32Array.from(v);
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j])) throw new PrnnError(`training diverged: non-finite weights at episode ${episode}; no checkpoint written`);
    }
    tensors[`variable/${i}`] = { shape: [...shapes[i]], data };
  });
  const adam = optimizer.getState();
  adam.m.forEach((m, i) => (tensors[`adam/m/${i}`] = { shape: [...shapes[i]], data: m }));
  adam.v.forEach((v, i) => (tensors[`adam/v/${i}`] = { shape: [...shapes[i]], data: v }));
  return {
    learner,
    episode,
    json: {
      members: members.map((m) => ({ arch: m.arch.name, seed: m.seed })),
      adam: { iterations: adam.iterations, accBeta1: adam.accBeta1, accBeta2: adam.accBeta2, moments: adam.m.length },
      rng: {
        mazes: streams.mazes.map((r) => r.state()),
        exploration: streams.exploration.map((r) => r.state()),
        tieNoise: streams.tieNoise.map((r) => r.state()),
        sensorNoise: members.map((_, n) => env.noiseRng(n).state()),
      },
      curves: curves.map((c) => c.map(jsonNumber)),
    },
    tensors,
  };
}

/** Restores a state captured by `captureDqnState`; returns the episode to continue from. */
export function restoreDqnState(state: LearnerState, parts: DqnParts & { config: DqnConfig }, learner = 'dqn'): number {
  const { members, model, optimizer, streams, env, curves, config } = parts;
  const bad = (what: string) => new PrnnError(`checkpoint does not match this run: ${what}`);
  if (state.learner !== learner) throw bad(`it was written by learner "${state.learner}"`);
  const json = state.json as {
    members?: { arch: string; seed: number }[];
    adam?: { iterations: number; accBeta1: number; accBeta2: number; moments: number };
    rng?: Record<'mazes' | 'exploration' | 'tieNoise' | 'sensorNoise', number[][]>;
    curves?: (number | null)[][];
  };
  if (
    !json.members ||
    json.members.length !== members.length ||
    json.members.some((m, n) => m.arch !== members[n].arch.name || m.seed !== members[n].seed)
  ) {
    throw bad('its networks differ');
  }
  if (!Number.isInteger(state.episode) || state.episode < 0 || state.episode > config.episodes) {
    throw bad(`episode ${state.episode} is outside 0…${config.episodes}`);
  }
  if (!json.adam || !json.rng || !json.curves) throw bad('it lacks optimiser, Rng or curve state');
  model.parameters.values.forEach((v, i) => {
    const t = state.tensors[`variable/${i}`];
    if (!t || t.data.length !== v.length) throw bad(`variable ${i} is missing or has the wrong size`);
    v.set(t.data);
  });
  model.parameters.commit();
  const m: Float32Array[] = [];
  const vv: Float32Array[] = [];
  for (let i = 0; i < json.adam.moments; i++) {
    const a = state.tensors[`adam/m/${i}`];
    const b = state.tensors[`adam/v/${i}`];
    if (!a || !b) throw bad(`Adam moment ${i} is missing`);
    m.push(a.data);
    vv.push(b.data);
  }
  optimizer.setState({ iterations: json.adam.iterations, accBeta1: json.adam.accBeta1, accBeta2: json.adam.accBeta2, m, v: vv });
  const restore = (rngs: Rng[], states: number[][] | undefined, what: string) => {
    if (!states || states.length !== rngs.length) throw bad(`${what} Rng states are missing`);
    rngs.forEach((r, n) => r.setState(states[n]));
  };
  restore(streams.mazes, json.rng.mazes, 'maze');
  restore(streams.exploration, json.rng.exploration, 'exploration');
  restore(streams.tieNoise, json.rng.tieNoise, 'tie-noise');
  restore(members.map((_, n) => env.noiseRng(n)), json.rng.sensorNoise, 'sensor-noise');
  if (json.curves.length !== curves.length) throw bad('curves are missing');
  json.curves.forEach((c, n) => {
    for (let k = 0; k < curves[n].length; k++) curves[n][k] = c[k] ?? Number.NaN;
  });
  return state.episode;
}

/** The built-in `dqn` learner (SPEC §3). */
export const dqnLearner: Learner<DqnConfig> = {
  name: 'dqn',
  description: 'The reference DQN (SPEC §3): one episode per update, BPTT over the episode, no replay, no target network.',
  defaults: (task: TaskOptions) => dqnDefaults(task),
  configure: (task, overrides) => resolveDqnConfig(task, overrides),
  train: trainDqn,
};
