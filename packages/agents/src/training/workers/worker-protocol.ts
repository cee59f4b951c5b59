import type { MessagePort } from 'node:worker_threads';
import type { TaskOptions } from '@prnn/env';
import type { PopulationMember } from '../../sdk/architecture.js';
import type { PhaseTimes } from '../../profile/phase-times.js';
import type { LearnerConfig, LearnerState, NetworkResult } from '../../sdk/learner.js';
import type { TrainingStoppedMarker } from '../../sdk/training-stopped.js';

/**
 * Version of the messages between `trainRun` and this worker. The worker runs the compiled dist/, so a
 * parent running newer sources with an old build finds out at once (instead of waiting for messages the
 * old worker never sends).
 */
export const WORKER_PROTOCOL = 3;

/** One slice of a population to train in a worker thread (plain data: it crosses the thread boundary). */
export interface SliceRequest {
  readonly task: TaskOptions;
  /** Registry key of the plugin task (absent: the built-in mazes). */
  readonly taskSource?: string;
  /** Registry keys: the architecture family and the learner. */
  readonly family: string;
  readonly learner: string;
  readonly members: readonly PopulationMember[];
  /** Already configured and validated by the learner in the parent. */
  readonly config: LearnerConfig;
  readonly runSeed: number;
  readonly path?: string;
  /** Where the worker looks up configured plugins (prnn.config.json / package.json), and `extra` plugin specs. */
  readonly cwd: string;
  readonly plugins?: readonly string[];
  /** The tfjs backend the parent runs (so every worker computes with the same one). */
  readonly backend: string;
  /** The parent's WORKER_PROTOCOL (absent: a caller that needs no progress or checkpoints). */
  readonly protocol?: number;
  /** Continue from this checkpoint state. */
  readonly resume?: LearnerState;
  /** Hand a checkpoint to the parent every this many episodes (needs `port`). */
  readonly checkpointEvery?: number;
  /** Report progress also after every this many episodes (for loggers of the loss). */
  readonly progressEvery?: number;
  /** Channel to the parent: progress and checkpoints go up, acknowledgements come down. */
  readonly port?: MessagePort;
  /** Shared flag, set to 1 by the parent: stop after the next checkpoint (without checkpoints: at once). */
  readonly stop?: Int32Array;
}

/**
 * What a worker returns for one slice: the trained networks, its training rate, the backend and the protocol version.
 */
export interface SliceResult {
  readonly networks: readonly NetworkResult[];
  readonly netEpisodesPerSecond: number;
  readonly backend: string;
  readonly protocol: number;
  /** Present when the slice stopped on request (`networks` is then empty): the parent throws `TrainingStopped.from(stopped)`. */
  readonly stopped?: TrainingStoppedMarker;
  /** The learner's phase times (TrainResult.phases), measured in the worker thread. */
  readonly phases?: PhaseTimes;
}

/** Worker → parent. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly episode: number; readonly loss?: number }
  | { readonly type: 'checkpoint'; readonly state: LearnerState };

/** Parent → worker, the answer to a checkpoint. */
export type ParentMessage = { readonly type: 'saved' } | { readonly type: 'failed'; readonly message: string };

