import type { TaskOptions } from '@prnn/env';
import type { Architecture, PopulationMember } from './architecture.js';
import type { KernelSet } from './kernel.js';
import type { TaskSource } from './task-source.js';
import type { PhaseTimes } from '../profile/phase-times.js';

/**
 * A learning algorithm (a plugin contract, bound to `TYPES.Learner`). Built-in: `dqn`, the reference's
 * per-episode DQN (docs/spec.md §3). A learner trains one population — P networks of one architecture family, each
 * with its own seed — and returns every network's final weights, fitness and training curve.
 *
 * Learners are written CleanRL-style: one file that reads top to bottom, hyper-parameters in one typed
 * object whose defaults are the paper's. Write one with `defineLearner` (training/learner-runtime.ts): the
 * learner runtime does what every learner needs (population set-up, the rollout loop, training curves,
 * hooks and the stop protocol, checkpoint framing, the final ONNX fitness) and the learner supplies its typed
 * parameters and a session (act, record, update); see docs/guides/learners.md.
 */
export interface Learner<Config extends LearnerConfig = LearnerConfig> {
  /** Registry key, e.g. `dqn` or `replay-dqn`; what `--learner` and run.json name. */
  readonly name: string;
  readonly description: string;
  /**
   * The command-line flags this learner accepts for its own parameters, parameter → flag name without dashes
   * (e.g. `{ gamma: 'gamma', epsilonStart: 'epsilon-start' }`). The common flags of LEARNER_COMMON_FLAGS apply
   * to every learner; any other parameter is set with `--learner-param key=value`. A flag a learner does not
   * declare here is refused for it. Absent: no flags of its own.
   */
  readonly flags?: Readonly<Record<string, string>>;
  /** The paper's hyper-parameters for this task (episodes depend on the task, docs/spec.md §0). */
  defaults(task: TaskOptions): Config;
  /**
   * Merges user overrides into the defaults and validates them; throws a PrnnError carrying the parameter
   * (`PrnnError.parameter`). Unknown keys are an error.
   */
  configure(task: TaskOptions, overrides: Readonly<Record<string, unknown>>): Config;
  /** Trains the job's population; resumes from `job.resume` when given. */
  train(job: TrainJob<Config>, hooks?: TrainHooks): Promise<TrainResult>;
}

/**
 * The flags every learner accepts, parameter → flag name without dashes: the parameters of LearnerConfig,
 * which every learner has.
 */
export const LEARNER_COMMON_FLAGS: Readonly<Record<keyof LearnerConfig, string>> = {
  episodes: 'episodes',
  hidden: 'hidden',
  sensorNoise: 'sensor-noise',
  testMazes: 'test-mazes',
  curvePoints: 'curve-points',
};

/** Every learner's configuration carries at least these (the run directory and the CLI rely on them). */
export interface LearnerConfig {
  /** Training episodes per network. */
  readonly episodes: number;
  /** Sensor noise σs during training and for the training curve / final fitness. */
  readonly sensorNoise: number;
  /** Hidden units H of the networks (the architecture's own hidden size wins for e.g. ff-large). */
  readonly hidden: number;
  /** Number of points of the training curve (docs/spec.md §3: 100). */
  readonly curvePoints: number;
  /** Size of the run's shared test set (docs/spec.md §4: 1 000). */
  readonly testMazes: number;
}

/** One population to train. */
export interface TrainJob<Config extends LearnerConfig = LearnerConfig> {
  readonly task: TaskOptions;
  /** The architecture family, as resolved by the Registry (learners never construct models themselves). */
  readonly architecture: Architecture;
  readonly members: readonly PopulationMember[];
  readonly config: Config;
  /** The run's seed: fixes the shared test set (`runSeed + TEST_SET_SEED_OFFSET`). */
  readonly runSeed: number;
  /** Where the episodes come from (absent: the built-in mazes of `task.kind`). */
  readonly taskSource?: TaskSource;
  /** The kernels registered for the family (the registry's `kernels(family)`); absent: none. */
  readonly kernels?: KernelSet;
  /** Which implementation to train with: `generic` or a population kernel's name (absent: the family's default). */
  readonly path?: string;
  /** A state previously handed to `hooks.checkpoint`; training continues from it. */
  readonly resume?: LearnerState;
}

/** Progress of training: episodes done and planned per network, the population size, elapsed ms and the latest loss. */
export interface TrainProgress {
  /** Episodes completed per network so far (the population moves in lockstep). */
  readonly episode: number;
  readonly episodes: number;
  readonly population: number;
  /** Wall-clock milliseconds spent in this `train` call. */
  readonly elapsedMs: number;
  /** Mean over networks of the last episode's loss, when the learner has one. */
  readonly loss?: number;
}

/** What a learner calls back during training: progress, checkpoints, and the stop protocol (`shouldStop`, `signal`). */
export interface TrainHooks {
  /** Called every few episodes (at least at each curve point and at the end). */
  onProgress?(progress: TrainProgress): void;
  /** Call `onProgress` also after every this many episodes (absent: only as often as a display needs). */
  readonly progressEvery?: number;
  /**
   * Checkpointing: every `everyEpisodes` episodes (and never mid-episode) the learner hands its complete
   * state to `save`; resuming from that state must give exactly the result of an uninterrupted run.
   */
  checkpoint?: {
    readonly everyEpisodes: number;
    /** Persists the learner's state (the run's checkpoint); training waits for it. */
    save(state: LearnerState): Promise<void> | void;
  };
  /**
   * The stop protocol: asked after every episode (after the event loop had a turn); when it answers true,
   * training stops after the episode in progress by throwing a `TrainingStopped` error, handing
   * `checkpoint.save` the state at that point first (when checkpointing). A request during the last episode
   * lets the run finish (its results are complete).
   */
  shouldStop?(): boolean;
  /** Same as `shouldStop: () => signal.aborted` (either one stops training). */
  signal?: AbortSignal;
}

/**
 * A learner's resumable state in a storage-neutral form: JSON-able metadata plus named float32 tensors
 * (weights, optimiser moments, replay buffers…). The run directory stores it as a manifest + one binary file.
 */
export interface LearnerState {
  readonly learner: string;
  /** Episodes completed per network. */
  readonly episode: number;
  readonly json: Readonly<Record<string, unknown>>;
  readonly tensors: Readonly<Record<string, { readonly shape: readonly number[]; readonly data: Float32Array }>>;
}

/** One trained network: its member, final weights, test fitness and training curve. */
export interface NetworkResult {
  readonly member: PopulationMember;
  /** Final weights by name (for the 9-pathway family: present pathways, row-major [A, B]). */
  readonly weights: Record<string, Float32Array>;
  /** Greedy test fitness at the training sensor noise on the run's test set (docs/spec.md §4). */
  readonly fitness: number;
  /** `curvePoints` test fitnesses, before episodes 0, E/points, 2E/points, … (docs/spec.md §3). */
  readonly trainingCurve: readonly number[];
  readonly episodes: number;
}

/** Result of training a population: every network's result, the training rate, the tfjs backend and the phase times. */
export interface TrainResult {
  readonly networks: readonly NetworkResult[];
  /** Network-episodes per wall-clock second of training (evaluation excluded). */
  readonly netEpisodesPerSecond: number;
  /** The tfjs backend that ran it (`tensorflow`, `wasm`, `cpu`). */
  readonly backend: string;
  /**
   * Time spent in phases other than training proper, measured in the training thread (PHASES names:
   * `curveTests`, `finalTests`); absent when the learner does not time them.
   */
  readonly phases?: PhaseTimes;
}
