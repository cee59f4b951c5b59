/**
 * The reference DQN (docs/spec.md §3), for a population of networks trained in lockstep.
 *
 * Per population-episode: every network gets a fresh training maze from its own stream, acts ε-greedily
 * for up to `steps` steps (the rollout records s_t, a_t, u_t and the target y_t = r_t + γ·max Q'_t − 0.1),
 * then the learning pass back-propagates Σ_t (Q_t[a_t] − y_t)² through the whole episode, clips each
 * network's gradient to global norm `clip`, and takes one Adam step. No replay buffer, no target network.
 *
 * Every random number of network n comes from its own streams `Rng.derive(seed_n, STREAM.…)`, and the
 * batched ops work per network slice, so a network's result does not depend on the population it is in.
 */
import { type MazeSet, PopulationDraws, VectorEnv, type TaskOptions } from '@prnn/env';
import { PrnnError, Rng } from '@prnn/core';
import type { PopulationMember } from '../sdk/architecture.js';
import type { LearnerState, TrainHooks, TrainJob, TrainResult } from '../sdk/learner.js';
import type { KernelSet } from '../sdk/kernel.js';
import { learningPass } from '../sdk/learning-pass.js';
import { TrainingMazes } from '../sdk/task-source.js';
import { allocateEpisodeRecords, allocateLike, type EpisodeRecords, type PopulationModel } from '../sdk/population-model.js';
import { selectedSquaredError } from './selected-squared-error.js';
import { FINAL_EVALUATION_STREAM, STREAM } from '../sdk/streams.js';
import { PopulationOptimizer } from '../training/population-optimizer.js';
import { allocateEpisodeScratch, defineLearner, runEpisode, type EpisodeScratch, type LearnerRun, type LearnerSession, type LearnerStatePart, type StepPolicy, type StateTensor } from '../training/learner-runtime.js';
import { DQN_CHECKS, epsilonAt, dqnDefaults, validateDqnConfig, type DqnConfig } from './dqn-config.js';

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
  readonly qNext: Float32Array;
  readonly tie: Float32Array;
  /**
   * The per-step draws (tie noise, ε-greedy) of every network in one call each, from the rollout's streams,
   * which `rollout` hands to it for the episode (PopulationDraws.load … save). Without it (or when the
   * streams were not handed to it) the step policy draws from the streams in JavaScript: the same numbers.
   */
  readonly draws?: PopulationDraws;
  /** The runtime's episode buffers (Q_t is `episode.outputs`). */
  readonly episode: EpisodeScratch;
}

/** The rollout's buffers for `population` networks of `outputs` outputs. */
export function allocateRolloutScratch(population: number, outputs: number): RolloutScratch {
  const draws = new PopulationDraws(population, outputs);
  return {
    qNext: new Float32Array(population * outputs),
    tie: draws.tie,
    draws,
    episode: allocateEpisodeScratch(population, outputs),
  };
}

/**
 * Per-episode settings of a DQN rollout: ε-greedy rate, discount γ, the step penalty in the target, and tie-breaking
 * noise.
 */
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

/**
 * Zeroed buffers of one episode's transitions for P networks: next observations, rewards and next tie-breaking noise.
 */
export function allocateTransitionRecords(steps: number, population: number, inputs: number, outputs: number): TransitionRecords {
  return {
    nextObs: new Float32Array(steps * population * inputs),
    rewards: new Float32Array(steps * population),
    nextTieNoise: new Float32Array(steps * population * outputs),
  };
}


/** The target y = r + γ·max_k q[base + k] − stepPenalty (k < outputs). */
export function dqnTarget(
  reward: number,
  q: Float32Array,
  base: number,
  outputs: number,
  settings: Pick<RolloutSettings, 'gamma' | 'stepPenalty'>,
): number {
  // the index of the largest moves by an integer select (no branch on the float compare, which random q-values
  // would mispredict); a later value wins only when strictly larger, as a scan keeping the largest so far
  let best = base;
  for (let k = 1; k < outputs; k++) best = q[base + k] > q[best] ? base + k : best;
  return reward + settings.gamma * q[best] - settings.stepPenalty;
}

/**
 * One population-episode on the mazes of `mazes` (network n on maze n), filling `records`: the runtime's
 * `runEpisode` with the DQN's step policy. `env` has one env per network, reward 'progress', each with the
 * network's own sensor-noise stream. The env senses s_0 on reset and s'_t after each step; the policy senses
 * s_t (t ≥ 1) explicitly, so every network draws s_0, s'_0, s_1, s'_1, … from its stream as docs/spec.md §3
 * orders them.
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
  records.lengths.fill(0);
  // the streams' draws are made by scratch.draws for the episode: it takes their states now and gives them back
  // at the end (also when the episode throws), so the Rngs are current whenever a checkpoint reads them
  const { draws } = scratch;
  draws?.load(streams.tieNoise, streams.exploration);
  try {
    runEpisode(model, env, mazes, records.steps, dqnStepPolicy(model, records, streams, scratch, settings, transitions), scratch.episode);
  } finally {
    draws?.save(streams.tieNoise, streams.exploration);
  }
}

/** Per scratch: draws in JavaScript straight from the streams, for step policies run outside `rollout`. */
const streamDraws = new WeakMap<RolloutScratch, PopulationDraws>();

/** The draws of a step policy on `streams`: scratch.draws while it holds them (inside `rollout`), else JavaScript's. */
function drawsFor(scratch: RolloutScratch, streams: RolloutStreams, population: number, outputs: number): PopulationDraws {
  if (scratch.draws?.holds(streams.tieNoise, streams.exploration)) return scratch.draws;
  let draws = streamDraws.get(scratch);
  if (!draws || draws.agents !== population || draws.outputs !== outputs) {
    draws = new PopulationDraws(population, outputs, { backend: 'js' });
    streamDraws.set(scratch, draws);
  }
  draws.load(streams.tieNoise, streams.exploration);
  return draws;
}

/**
 * The DQN's step policy: tie noise u_t on Q_t; s_t and u_t recorded; ε-greedy on Q_t; after the move,
 * Q'_t on s'_t with fresh tie noise (the state not moved on) and the target y_t = r_t + γ·max Q'_t − 0.1.
 * Every network draws from its own streams (`streams`): u ~ U(0, tieNoise) per output of each running network
 * (nothing for finished ones), and the ε-greedy choice; inside `rollout`, `scratch.draws` makes them.
 */
export function dqnStepPolicy(
  model: PopulationModel,
  records: EpisodeRecords,
  streams: RolloutStreams,
  scratch: RolloutScratch,
  settings: RolloutSettings,
  transitions?: TransitionRecords,
): StepPolicy {
  const P = records.population;
  const I = model.inputs;
  const O = model.outputs;
  const { qNext } = scratch;
  const draws = drawsFor(scratch, streams, P, O);
  const tie = draws.tie;
  return {
    resense: true,
    noise(_t, active) {
      // (the running networks do not change within a step: `act` and `record` draw for the same ones)
      draws.active.set(active);
      draws.fillTie(settings.tieNoise);
      return tie;
    },
    act(t, obs, q, active, actions) {
      records.obs.set(obs, t * P * I);
      records.tieNoise.set(tie, t * P * O);
      // ε-greedy on Q_t
      draws.q.set(q);
      draws.epsilonGreedy(settings.epsilon);
      const chosen = draws.actions;
      for (let n = 0; n < P; n++) {
        if (active[n] === 0) continue;
        actions[n] = chosen[n];
        records.actions[t * P + n] = chosen[n];
      }
    },
    record(t, env, active) {
      const obs = env.observations;
      draws.fillTie(settings.tieNoise);
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
      }
    },
  };
}

function describeMember(m: PopulationMember): string {
  return `${m.arch.name} (seed ${m.seed})`;
}

/** The buffers of the learning pass (per-network losses, gradients aligned with the parameters), reused every episode. */
export interface LearningScratch {
  readonly losses: Float32Array;
  readonly gradients: Float32Array[];
}

/** Per-network losses and gradient buffers of a learning pass (in the optimiser's Adam memory when it provides one). */
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

/** The DQN's own state next to the networks: its optimiser, streams and environment. */
export interface DqnParts {
  readonly members: readonly PopulationMember[];
  readonly model: PopulationModel;
  readonly optimizer: PopulationOptimizer;
  readonly streams: RolloutStreams;
  readonly env: VectorEnv;
}

/** The DQN's part of a checkpoint: Adam's moments and every Rng (the runtime adds weights and curve). */
export function captureDqnPart(parts: DqnParts): LearnerStatePart {
  const { members, model, optimizer, streams, env } = parts;
  const tensors: Record<string, StateTensor> = {};
  const shapes = model.parameters.shapes;
  const adam = optimizer.getState();
  adam.m.forEach((m, i) => (tensors[`adam/m/${i}`] = { shape: [...shapes[i]], data: m }));
  adam.v.forEach((v, i) => (tensors[`adam/v/${i}`] = { shape: [...shapes[i]], data: v }));
  return {
    json: {
      adam: { iterations: adam.iterations, accBeta1: adam.accBeta1, accBeta2: adam.accBeta2, moments: adam.m.length },
      rng: {
        mazes: streams.mazes.map((r) => r.state()),
        exploration: streams.exploration.map((r) => r.state()),
        tieNoise: streams.tieNoise.map((r) => r.state()),
        sensorNoise: members.map((_, n) => env.noiseRng(n).state()),
      },
    },
    tensors,
  };
}

/** Restores what `captureDqnPart` stored. */
export function restoreDqnPart(state: LearnerState, parts: DqnParts, bad: (what: string) => PrnnError): void {
  const { members, optimizer, streams, env } = parts;
  const json = state.json as {
    adam?: { iterations: number; accBeta1: number; accBeta2: number; moments: number };
    rng?: Record<'mazes' | 'exploration' | 'tieNoise' | 'sensorNoise', number[][]>;
  };
  if (!json.adam || !json.rng) throw bad('it lacks optimiser or Rng state');
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
}

/**
 * The reference DQN's session, top to bottom: per episode, fresh training mazes (one per network from its
 * own stream), one ε-greedy rollout recording s_t, a_t, u_t and y_t, then the learning pass
 * Σ_t (Q_t[a_t] − y_t)² with BPTT, a per-network clip and one Adam step.
 */
export function startDqn(run: LearnerRun<DqnConfig>): LearnerSession {
  const { task, config, members, seeds, model, taskSource, job } = run;
  const P = members.length;
  const optimizer = new PopulationOptimizer(model.parameters, P, config);
  const streams = rolloutStreams(seeds);
  const trainingMazes = new TrainingMazes(taskSource, task, P);
  const env = createTrainingEnv(task, config, seeds);
  const records = allocateEpisodeRecords(task.steps, P, model.inputs, model.outputs);
  const scratch = allocateRolloutScratch(P, model.outputs);
  const learning = allocateLearningScratch(model);
  const parts: DqnParts = { members, model, optimizer, streams, env };
  return {
    episode(episode) {
      trainingMazes.draw(streams.mazes, scratch.episode.mazeOfEnv);
      rollout(model, env, trainingMazes.set, records, streams, scratch, rolloutSettings(config, episode));
      return learnFromEpisode(model, job.kernels, optimizer, records, members, episode, config.lr, learning);
    },
    capture: () => captureDqnPart(parts),
    restore: (state, bad) => restoreDqnPart(state, parts, bad),
  };
}

/** The command-line flags of the DQN's own parameters (`--lr`, `--gamma`, `--epsilon-start`, `--epsilon-end`, `--clip`). */
export const DQN_FLAGS = { lr: 'lr', gamma: 'gamma', epsilonStart: 'epsilon-start', epsilonEnd: 'epsilon-end', clip: 'clip' } as const;

/** The built-in `dqn` learner (docs/spec.md §3). */
export const dqnLearner = defineLearner<DqnConfig>({
  name: 'dqn',
  description: 'The reference DQN (docs/spec.md §3): one episode per update, BPTT over the episode, no replay, no target network.',
  flags: DQN_FLAGS,
  defaults: (task: TaskOptions) => dqnDefaults(task),
  checks: DQN_CHECKS,
  validate: validateDqnConfig,
  start: startDqn,
});

/** Trains the job's population with the reference DQN. */
export function trainDqn(job: TrainJob<DqnConfig>, hooks: TrainHooks = {}): Promise<TrainResult> {
  return dqnLearner.train(job, hooks);
}
