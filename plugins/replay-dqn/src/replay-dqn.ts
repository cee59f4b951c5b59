/**
 * DQN with experience replay and a target network (Mnih et al. 2013), adapted to recurrent networks that
 * learn from whole episodes (as in DRQN): every episode is stored in the network's own replay buffer; each
 * update replays one episode sampled uniformly from that buffer, recomputes its targets
 * y_t = r_t + γ·max Q̂'_t − 0.1 with the target network Q̂ (a copy of the weights refreshed every
 * `targetUpdateEvery` episodes), back-propagates through the episode, clips and takes one Adam step.
 *
 * Everything else — mazes, exploration, noise streams, the test set, the curve — is the reference DQN's,
 * so the two learners differ only in where the targets come from. Each network samples with its own Rng
 * from its own buffer, so its result does not depend on the population it is trained in.
 */
import type { TaskOptions } from '@prnn/env';
import { PrnnError, Rng } from '@prnn/core';
import {
  DQN_CHECKS,
  PopulationOptimizer,
  TrainingMazes,
  allocateLearningScratch,
  copyParameters,
  defineLearner,
  allocateEpisodeRecords,
  allocateRolloutScratch,
  allocateTransitionRecords,
  captureDqnPart,
  createTrainingEnv,
  dqnDefaults,
  DQN_FLAGS,
  dqnTarget,
  integerAtLeast,
  learnFromEpisode,
  restoreDqnPart,
  rollout,
  rolloutSettings,
  rolloutStreams,
  validateDqnConfig,
  type DqnConfig,
  type DqnParts,
  type EpisodeRecords,
  type LearnerRun,
  type LearnerSession,
  type LearnerState,
  type LearnerStatePart,
  type PopulationModel,
  type StateTensor,
  type TrainHooks,
  type TrainJob,
  type TrainResult,
  type TransitionRecords,
} from '@prnn/agents';

/** Learner name of DQN with an episode replay buffer and a target network (`--learner replay-dqn`). */
export const REPLAY_DQN = 'replay-dqn';
/** Stream id of each network's replay-sampling generator: Rng.derive(seed, REPLAY_STREAM). */
export const REPLAY_STREAM = 0x5245504c; // 'REPL'

/** The replay-DQN hyper-parameters: the paper's DQN ones plus buffer size, target-update period and warm-up. */
export interface ReplayDqnConfig extends DqnConfig {
  /** Episodes each network's buffer holds (oldest overwritten first). */
  readonly bufferEpisodes: number;
  /** Episodes between copies of the online weights into the target network. */
  readonly targetUpdateEvery: number;
  /** Episodes collected before the first update. */
  readonly learningStarts: number;
  /** Replayed episodes (updates) per collected episode. */
  readonly updatesPerEpisode: number;
}

/**
 * Replay-DQN defaults for a task: DQN's, a 1000-episode buffer, target copy every 100 episodes, 10 warm-up episodes, 1
 * update per episode.
 */
export function replayDqnDefaults(task: TaskOptions): ReplayDqnConfig {
  return { ...dqnDefaults(task), bufferEpisodes: 1000, targetUpdateEvery: 100, learningStarts: 10, updatesPerEpisode: 1 };
}

/** Replay-DQN config of a task with overrides applied and checked (a PrnnError names the bad key). */
export function resolveReplayDqnConfig(task: TaskOptions, overrides: Readonly<Record<string, unknown>> = {}): ReplayDqnConfig {
  return replayDqnLearner.configure(task, overrides);
}

/** dst[d … d+len) = src[s … s+len), without allocating views. */
function copy(dst: Float32Array, d: number, src: Float32Array, s: number, len: number): void {
  for (let k = 0; k < len; k++) dst[d + k] = src[s + k];
}

/** P ring buffers of whole episodes, one per network, in flat typed arrays. */
export class EpisodeReplayBuffer {
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly tie: Float32Array;
  readonly nextTie: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly lengths: Int32Array;
  /** Episodes stored per network so far (saturates at capacity). */
  readonly size: Int32Array;
  /** Slot the next episode of each network goes to. */
  readonly next: Int32Array;

  constructor(
    readonly population: number,
    readonly capacity: number,
    readonly steps: number,
    readonly inputs: number,
    readonly outputs: number,
  ) {
    const slots = population * capacity * steps;
    const bytes = slots * (2 * inputs + 2 * outputs + 2) * 4;
    if (bytes > 2 ** 31) {
      throw new PrnnError(`bufferEpisodes ${capacity} needs ${Math.round(bytes / 2 ** 20)} MiB for ${population} networks; use a smaller bufferEpisodes or population`);
    }
    this.obs = new Float32Array(slots * inputs);
    this.nextObs = new Float32Array(slots * inputs);
    this.tie = new Float32Array(slots * outputs);
    this.nextTie = new Float32Array(slots * outputs);
    this.actions = new Int32Array(slots);
    this.rewards = new Float32Array(slots);
    this.lengths = new Int32Array(population * capacity);
    this.size = new Int32Array(population);
    this.next = new Int32Array(population);
  }

  /** Stores network n's part of a rollout (time-major records) in its next slot. */
  store(records: EpisodeRecords, transitions: TransitionRecords): void {
    const { population: P, steps: T, inputs: I, outputs: O, capacity } = this;
    for (let n = 0; n < P; n++) {
      const slot = n * capacity + this.next[n];
      for (let t = 0; t < T; t++) {
        const src = t * P + n;
        const dst = slot * T + t;
        copy(this.obs, dst * I, records.obs, src * I, I);
        copy(this.nextObs, dst * I, transitions.nextObs, src * I, I);
        copy(this.tie, dst * O, records.tieNoise, src * O, O);
        copy(this.nextTie, dst * O, transitions.nextTieNoise, src * O, O);
        this.actions[dst] = records.actions[src];
        this.rewards[dst] = transitions.rewards[src];
      }
      this.lengths[slot] = records.lengths[n];
      this.next[n] = (this.next[n] + 1) % capacity;
      this.size[n] = Math.min(capacity, this.size[n] + 1);
    }
  }

  /** Copies episode `index` of every network n (indices[n]) into time-major batch records. */
  gather(indices: Int32Array, out: EpisodeRecords, nextObs: Float32Array, nextTie: Float32Array, rewards: Float32Array): void {
    const { population: P, steps: T, inputs: I, outputs: O, capacity } = this;
    for (let n = 0; n < P; n++) {
      const slot = n * capacity + indices[n];
      for (let t = 0; t < T; t++) {
        const src = slot * T + t;
        const dst = t * P + n;
        copy(out.obs, dst * I, this.obs, src * I, I);
        copy(nextObs, dst * I, this.nextObs, src * I, I);
        copy(out.tieNoise, dst * O, this.tie, src * O, O);
        copy(nextTie, dst * O, this.nextTie, src * O, O);
        out.actions[dst] = this.actions[src];
        rewards[dst] = this.rewards[src];
      }
      out.lengths[n] = this.lengths[slot];
    }
  }
}

/** Per-step views [P·I] / [P·O] into time-major arrays, made once so the target pass allocates nothing. */
function stepViews(data: Float32Array, steps: number): Float32Array[] {
  const width = data.length / steps;
  return Array.from({ length: steps }, (_, t) => data.subarray(t * width, (t + 1) * width));
}

interface TargetViews {
  readonly obs: Float32Array[];
  readonly tie: Float32Array[];
  readonly nextObs: Float32Array[];
  readonly nextTie: Float32Array[];
}

/** Fills `batch.targets` with y_t = r_t + γ·max Q̂'_t − penalty, running the target network over each episode. */
function targetsFromTargetNetwork(
  target: PopulationModel,
  batch: EpisodeRecords,
  views: TargetViews,
  rewards: Float32Array,
  q: Float32Array,
  config: DqnConfig,
): void {
  const { steps: T, population: P } = batch;
  const O = target.outputs;
  target.resetState(1);
  for (let t = 0; t < T; t++) {
    target.forward(views.obs[t], views.tie[t], q, true);
    target.forward(views.nextObs[t], views.nextTie[t], q, false);
    for (let n = 0; n < P; n++) batch.targets[t * P + n] = dqnTarget(rewards[t * P + n], q, n * O, O, config);
  }
}


/**
 * The replay DQN's session: the reference DQN's rollout, but each update learns from replayed episodes
 * whose targets come from the target network.
 */
export function startReplayDqn(run: LearnerRun<ReplayDqnConfig>): LearnerSession {
  const { task, config, members, seeds, model, taskSource, job } = run;
  const P = members.length;
  const T = task.steps;
  const I = model.inputs;
  const O = model.outputs;
  // Online and target networks (same seeds → same initial weights) and the optimiser.
  const target = run.createModel();
  const optimizer = new PopulationOptimizer(model.parameters, P, config);
  const streams = rolloutStreams(seeds);
  const replayRngs = seeds.map((s) => Rng.derive(s, REPLAY_STREAM));
  const trainingMazes = new TrainingMazes(taskSource, task, P);
  const env = createTrainingEnv(task, config, seeds);
  const records = allocateEpisodeRecords(T, P, I, O);
  const transitions = allocateTransitionRecords(T, P, I, O);
  const scratch = allocateRolloutScratch(P, O);
  const buffer = new EpisodeReplayBuffer(P, config.bufferEpisodes, T, I, O);
  const batch = allocateEpisodeRecords(T, P, I, O);
  const batchNext = allocateTransitionRecords(T, P, I, O);
  const picks = new Int32Array(P);
  const qTarget = new Float32Array(P * O);
  const learning = allocateLearningScratch(model);
  const views: TargetViews = {
    obs: stepViews(batch.obs, T),
    tie: stepViews(batch.tieNoise, T),
    nextObs: stepViews(batchNext.nextObs, T),
    nextTie: stepViews(batchNext.nextTieNoise, T),
  };
  const parts: DqnParts = { members, model, optimizer, streams, env };
  const replay: ReplayParts = { target, buffer, replayRngs };
  let loss = Number.NaN;
  return {
    episode(episode) {
      // Collect one episode per network with the online network; store it.
      trainingMazes.draw(streams.mazes, scratch.episode.mazeOfEnv);
      rollout(model, env, trainingMazes.set, records, streams, scratch, rolloutSettings(config, episode), transitions);
      buffer.store(records, transitions);
      // Replay: each network samples one stored episode; targets from the target network.
      if (episode + 1 >= config.learningStarts) {
        for (let u = 0; u < config.updatesPerEpisode; u++) {
          for (let n = 0; n < P; n++) picks[n] = replayRngs[n].int(buffer.size[n]);
          buffer.gather(picks, batch, batchNext.nextObs, batchNext.nextTieNoise, batchNext.rewards);
          targetsFromTargetNetwork(target, batch, views, batchNext.rewards, qTarget, config);
          loss = learnFromEpisode(model, job.kernels, optimizer, batch, members, episode, config.lr, learning);
        }
      }
      if ((episode + 1) % config.targetUpdateEvery === 0) copyParameters(model.parameters, target.parameters);
      return loss;
    },
    capture: () => captureReplayPart(captureDqnPart(parts), replay),
    restore: (state, bad) => {
      restoreDqnPart(state, parts, bad);
      restoreReplayState(state, replay, bad);
    },
  };
}

interface ReplayParts {
  readonly target: PopulationModel;
  readonly buffer: EpisodeReplayBuffer;
  readonly replayRngs: Rng[];
}

function captureReplayPart(base: LearnerStatePart, replay: ReplayParts): LearnerStatePart {
  const { target, buffer, replayRngs } = replay;
  const tensors: Record<string, StateTensor> = { ...base.tensors };
  target.parameters.values.forEach((v, i) => {
    tensors[`target/${i}`] = { shape: [...target.parameters.shapes[i]], data: Float32Array.from(v) };
  });
  const flat = (name: string, data: Float32Array) => (tensors[`replay/${name}`] = { shape: [data.length], data: Float32Array.from(data) });
  flat('obs', buffer.obs);
  flat('nextObs', buffer.nextObs);
  flat('tie', buffer.tie);
  flat('nextTie', buffer.nextTie);
  flat('rewards', buffer.rewards);
  // integers are stored exactly in float32 (all well below 2^24)
  flat('actions', Float32Array.from(buffer.actions));
  flat('lengths', Float32Array.from(buffer.lengths));
  return {
    json: { ...base.json, replay: { size: [...buffer.size], next: [...buffer.next], rng: replayRngs.map((r) => r.state()) } },
    tensors,
  };
}

function restoreReplayState(state: LearnerState, replay: ReplayParts, bad: (what: string) => PrnnError): void {
  const { target, buffer, replayRngs } = replay;
  const json = state.json.replay as { size: number[]; next: number[]; rng: number[][] } | undefined;
  if (!json || json.size.length !== buffer.population) throw bad('its replay buffer state is missing');
  target.parameters.values.forEach((v, i) => {
    const t = state.tensors[`target/${i}`];
    if (!t || t.data.length !== v.length) throw bad(`target variable ${i} is missing`);
    v.set(t.data);
  });
  target.parameters.commit();
  const get = (name: string, length: number) => {
    const t = state.tensors[`replay/${name}`];
    if (!t || t.data.length !== length) throw bad(`replay ${name} is missing or has the wrong size (bufferEpisodes changed?)`);
    return t.data;
  };
  buffer.obs.set(get('obs', buffer.obs.length));
  buffer.nextObs.set(get('nextObs', buffer.nextObs.length));
  buffer.tie.set(get('tie', buffer.tie.length));
  buffer.nextTie.set(get('nextTie', buffer.nextTie.length));
  buffer.rewards.set(get('rewards', buffer.rewards.length));
  buffer.actions.set(get('actions', buffer.actions.length));
  buffer.lengths.set(get('lengths', buffer.lengths.length));
  buffer.size.set(json.size);
  buffer.next.set(json.next);
  replayRngs.forEach((r, n) => r.setState(json.rng[n]));
}

/** The `replay-dqn` learner, run by the learner runtime. */
export const replayDqnLearner = defineLearner<ReplayDqnConfig>({
  name: REPLAY_DQN,
  description: 'DQN with a replay buffer of whole episodes and a target network (Mnih et al. 2013), BPTT per replayed episode',
  flags: DQN_FLAGS,
  defaults: replayDqnDefaults,
  checks: { ...DQN_CHECKS, bufferEpisodes: integerAtLeast(1), targetUpdateEvery: integerAtLeast(1), learningStarts: integerAtLeast(1), updatesPerEpisode: integerAtLeast(1) },
  validate: validateDqnConfig,
  start: startReplayDqn,
});

/** Trains the job's population with the replay DQN. */
export function trainReplayDqn(job: TrainJob<ReplayDqnConfig>, hooks: TrainHooks = {}): Promise<TrainResult> {
  return replayDqnLearner.train(job, hooks);
}
