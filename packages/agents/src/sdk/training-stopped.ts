import { PrnnError } from '@prnn/core';

/** The brand of a TrainingStopped error (a registry-wide symbol: it holds across copies of this module). */
const BRAND = Symbol.for('prnn.TrainingStopped');

/**
 * The plain-data form of a stop, for crossing a worker-thread boundary (an Error loses its class and its
 * fields there): a worker returns it in its result and the parent throws `TrainingStopped.from(it)`.
 */
export interface TrainingStoppedMarker {
  readonly kind: 'training-stopped';
  /** Episodes completed per network when the learner stopped. */
  readonly episode: number;
  /** The run's episodes per network. */
  readonly episodes: number;
  /** Whether the state at `episode` was handed to `hooks.checkpoint.save` before stopping. */
  readonly checkpointed: boolean;
}

/**
 * A learner's answer to a stop request (`TrainHooks.shouldStop`): training stopped after the episode in
 * progress, with a checkpoint of exactly that point when checkpointing. Recognise it with
 * {@link isTrainingStopped}, never by its message.
 */
export class TrainingStopped extends PrnnError {
  readonly [BRAND] = true;

  constructor(
    /** Episodes completed per network when training stopped. */
    readonly episode: number,
    /** The run's episodes per network. */
    readonly episodes: number,
    /** Whether a checkpoint of episode `episode` was written first. */
    readonly checkpointed: boolean,
  ) {
    super(`training stopped at episode ${episode} of ${episodes}${checkpointed ? ' (checkpoint written)' : ''}`);
    this.name = 'TrainingStopped';
  }

  /** The serialisable marker of this stop (see TrainingStoppedMarker). */
  toMarker(): TrainingStoppedMarker {
    return { kind: 'training-stopped', episode: this.episode, episodes: this.episodes, checkpointed: this.checkpointed };
  }

  /** The error a marker stands for. */
  static from(marker: TrainingStoppedMarker): TrainingStopped {
    return new TrainingStopped(marker.episode, marker.episodes, marker.checkpointed);
  }
}

/** Whether `error` is a TrainingStopped (by class, or by brand when it comes from another copy of this module). */
export function isTrainingStopped(error: unknown): error is TrainingStopped {
  return error instanceof TrainingStopped || (typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true);
}

/** Whether `value` is a TrainingStoppedMarker (plain data from a worker). */
export function isTrainingStoppedMarker(value: unknown): value is TrainingStoppedMarker {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'training-stopped';
}
