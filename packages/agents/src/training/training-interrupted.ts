import { PrnnError } from '@prnn/core';

/**
 * A run stopped on request (TrainRunOptions.signal, e.g. Ctrl-C): every finished network is stored and, with
 * a run directory, the population in progress was checkpointed where it stopped, so `resume` continues it.
 */
export class TrainingInterrupted extends PrnnError {
  constructor(
    message: string,
    /** Whether the run directory holds everything needed to resume (false without `out`). */
    readonly resumable: boolean,
  ) {
    super(message);
    this.name = 'TrainingInterrupted';
  }
}
