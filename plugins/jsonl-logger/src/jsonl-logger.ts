import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { inject, injectable } from 'inversify';
import { PrnnError, type CurvePointEvent, type FinalFitnessEvent, type LossEvent, type RunEndEvent, type RunStartEvent, type TrainingLogger } from '@prnn/agents';

/** Environment variable naming the events file (absent: `<out>/events.jsonl`, or `events.jsonl` here without --out). */
export const JSONL_PATH_ENV = 'PRNN_JSONL_LOG';
/** Environment variable: log the loss after every this many episodes (absent: a tenth of the run). */
export const JSONL_LOSS_EVERY_ENV = 'PRNN_JSONL_LOSS_EVERY';

/** Service identifier of the {@link JsonlLoggerOptions} the plugin's logger is built with. */
export const JSONL_LOGGER_OPTIONS = Symbol.for('prnn.plugin-jsonl-logger.Options');

/** Options of {@link JsonlLogger}. */
export interface JsonlLoggerOptions {
  /** The events file; absent: `<out>/events.jsonl` of the run (or `events.jsonl` in the working directory). */
  readonly path?: string;
  /** Log the loss after every this many episodes; absent: the run's default (a tenth of the run). */
  readonly lossEvery?: number;
}

/**
 * Writes each training event as one JSON object on one line, `{"event": "...", "time": <ISO 8601>, ...}`.
 *
 * The file is opened for appending (O_APPEND) at run start and every line is handed to the kernel in one
 * write of the whole line, newline included: a process that crashes or is killed leaves only complete lines
 * (a resumed run appends after them). The file is fsynced at the end of the run; after a power loss a
 * reader should drop a last line that has no newline.
 */
@injectable()
export class JsonlLogger implements TrainingLogger {
  readonly lossEvery?: number;
  #fd: number | undefined;
  #path: string | undefined;

  constructor(@inject(JSONL_LOGGER_OPTIONS) private readonly options: JsonlLoggerOptions = {}) {
    if (options.lossEvery !== undefined) this.lossEvery = options.lossEvery;
  }

  /** The events file of the current (or last) run. */
  get path(): string | undefined {
    return this.#path;
  }

  /** Opens (appends to) the events file of this run and writes the `run-start` event. */
  runStart(e: RunStartEvent): void {
    this.#path = path.resolve(this.options.path ?? (e.out !== undefined ? path.join(e.out, 'events.jsonl') : 'events.jsonl'));
    this.#fd = openSync(this.#path, 'a');
    this.#write('run-start', e);
  }

  /** Writes a `curve-point` event (fitness on the learning curve). */
  curvePoint(e: CurvePointEvent): void {
    this.#write('curve-point', e);
  }

  /** Writes a `loss` event (at most every `lossEvery` episodes). */
  loss(e: LossEvent): void {
    this.#write('loss', e);
  }

  /** Writes a `final-fitness` event for one trained network. */
  finalFitness(e: FinalFitnessEvent): void {
    this.#write('final-fitness', e);
  }

  /** Writes the `run-end` event and fsyncs the events file. */
  runEnd(e: RunEndEvent): void {
    this.#write('run-end', e);
    if (this.#fd !== undefined) fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #write(event: string, body: object): void {
    if (this.#fd === undefined) return;
    const line = Buffer.from(`${JSON.stringify({ event, time: new Date().toISOString(), ...body })}\n`, 'utf8');
    let at = 0;
    while (at < line.length) at += writeSync(this.#fd, line, at, line.length - at);
  }
}

/** Options from the environment ({@link JSONL_PATH_ENV}, {@link JSONL_LOSS_EVERY_ENV}); a bad value is an error naming the variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): JsonlLoggerOptions {
  const file = env[JSONL_PATH_ENV];
  const every = env[JSONL_LOSS_EVERY_ENV];
  let lossEvery: number | undefined;
  if (every !== undefined && every !== '') {
    lossEvery = Number(every);
    if (!Number.isInteger(lossEvery) || lossEvery < 1) {
      throw new PrnnError(`${JSONL_LOSS_EVERY_ENV} must be an integer ≥ 1 (got ${JSON.stringify(every)}); unset it or give e.g. 10`);
    }
  }
  return { ...(file ? { path: file } : {}), ...(lossEvery !== undefined ? { lossEvery } : {}) };
}
