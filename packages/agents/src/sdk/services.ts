/**
 * Services that plugins may bind, rebind or decorate in the container (see docs/DESIGN.md, "What is
 * injected"): loggers of training events (`TYPES.Logger`, any number), the progress reporter
 * (`TYPES.ProgressReporter`, at most one; absent: the CLI's own progress bar), the trainer runtime
 * (`TYPES.TrainerRuntime`, bound by the built-in learners plugin) and the fitness evaluator
 * (`TYPES.Evaluator`, bound by the built-in evaluation plugin). The results store of a sweep
 * (`TYPES.ResultsStore`) is declared by @prnn/sweeps.
 */
import type { TrainRunOptions, TrainRunResult } from '../training/train-run.js';
import type { RunEvaluation, RunEvaluationOptions } from '../eval/evaluate-run.js';
import type { EvaluationOptions, EvaluationResult } from '../eval/policy-evaluator.js';
import type { QEngine } from '../eval/q-engine.js';

/** What trains a run (the built-in: `trainRun`). A plugin may rebind it, e.g. to wrap `trainRun`. */
export interface TrainerRuntime {
  /** Trains a run (writing its run directory when `out` is given). */
  train(options: TrainRunOptions): Promise<TrainRunResult>;
}

/**
 * What measures greedy test fitness over a sensor-noise sweep (docs/spec.md §1.5, §4): `prnn eval`, and the
 * noise sweeps of `prnn sweep run` and `prnn reproduce`. Bound to `TYPES.Evaluator` (the last binding wins);
 * the built-in is `evaluateRun` and `evaluatePolicy`. A plugin rebinds it, or decorates it with
 * `onActivation(TYPES.Evaluator, (context, inner) => wrapper)`.
 */
export interface FitnessEvaluator {
  /** Every trained network of a run directory (or those `options.select` picks) over a noise sweep. */
  evaluateRun(runDir: string, options: RunEvaluationOptions): Promise<RunEvaluation>;
  /** One policy (an onnxruntime session, or any `QEngine`) over a noise sweep. */
  evaluatePolicy(engine: QEngine, options: EvaluationOptions): Promise<EvaluationResult>;
}

/** A network of the run as loggers see it. */
export interface LoggedNetwork {
  readonly id: string;
  readonly arch: string;
  readonly seed: number;
}

/** The run starts: its configuration and networks, in run order. */
export interface RunStartEvent {
  readonly learner: string;
  readonly runSeed: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly networks: readonly LoggedNetwork[];
  readonly out?: string;
}

/** One point of a population's training curve: greedy test fitness of each network before `episode`. */
export interface CurvePointEvent {
  readonly point: number;
  readonly episode: number;
  /** The networks of the population, and their fitness at this point (null: not finite), in the same order. */
  readonly networks: readonly string[];
  readonly fitness: readonly (number | null)[];
}

/** The mean loss of a population (or slice of it) after `episode` episodes. */
export interface LossEvent {
  readonly episode: number;
  readonly networks: readonly string[];
  /** null when the learner reports no loss (or it is not finite). */
  readonly loss: number | null;
}

/** Final fitness of the networks of a population. */
export interface FinalFitnessEvent {
  readonly networks: readonly string[];
  readonly fitness: readonly (number | null)[];
}

/** The run ends (all networks trained or already stored). */
export interface RunEndEvent {
  readonly networks: number;
  /** Network-episodes per second of training (null when nothing was trained in this call). */
  readonly netEpisodesPerSecond: number | null;
  readonly out?: string;
}

/**
 * A logger of training events, bound to `TYPES.Logger` (several may be bound; each receives every event).
 * Every method is optional; a returned promise is awaited before training continues.
 */
export interface TrainingLogger {
  /** Wants the loss after every this many episodes (the run uses the smallest asked; default: a tenth of the run). */
  readonly lossEvery?: number;
  /** The run starts: its settings and networks. */
  runStart?(event: RunStartEvent): void | Promise<void>;
  /** A point of a network's learning curve (greedy test fitness). */
  curvePoint?(event: CurvePointEvent): void | Promise<void>;
  /** The learning-pass losses, every `lossEvery` episodes. */
  loss?(event: LossEvent): void | Promise<void>;
  /** A network's final test fitness. */
  finalFitness?(event: FinalFitnessEvent): void | Promise<void>;
  /** The run ended: networks trained and the training rate. */
  runEnd?(event: RunEndEvent): void | Promise<void>;
  /** Called once after the run, also when it failed or was interrupted. */
  close?(): void | Promise<void>;
}

/** Progress of a run, in network-episodes. */
export interface ProgressUpdate {
  readonly done: number;
  readonly total: number;
  /** Network-episodes per second. */
  readonly rate: number;
  readonly loss?: number;
}

/** What shows a run's progress (the CLI's default: a bar on stderr). Bound to `TYPES.ProgressReporter`. */
export interface ProgressReporter {
  /** Shows the current progress of the run. */
  update(progress: ProgressUpdate): void;
  /** The run is over: e.g. the progress bar is closed. */
  finish(): void;
}
