/**
 * Service identifiers of the plugin SDK. `Symbol.for` keys make them identical across copies of
 * @prnn/agents (a plugin built against the published package and the CLI's own copy agree).
 */
export const TYPES = {
  Architecture: Symbol.for('prnn.Architecture'),
  Learner: Symbol.for('prnn.Learner'),
  Metric: Symbol.for('prnn.Metric'),
  Environment: Symbol.for('prnn.Environment'),
  Kernel: Symbol.for('prnn.Kernel'),
  Task: Symbol.for('prnn.Task'),
  /** The trainer runtime (`TrainerRuntime`) `prnn train` trains through; the last binding wins. */
  TrainerRuntime: Symbol.for('prnn.TrainerRuntime'),
  /** The fitness evaluator (`FitnessEvaluator`: noise sweeps through onnxruntime or tfjs); the last binding wins. */
  Evaluator: Symbol.for('prnn.Evaluator'),
  /** The results store of sweeps (`ResultsStoreFactory` of @prnn/sweeps); the last binding wins. */
  ResultsStore: Symbol.for('prnn.ResultsStore'),
  /** Training loggers (`TrainingLogger`, services.ts); several may be bound. */
  Logger: Symbol.for('prnn.Logger'),
  /** The run's progress reporter (`ProgressReporter`); the last binding wins. */
  ProgressReporter: Symbol.for('prnn.ProgressReporter'),
  /** The front end's own progress reporter, bound by it before it resolves `ProgressReporter`: what a decorator wraps. */
  DefaultProgressReporter: Symbol.for('prnn.DefaultProgressReporter'),
} as const;

/** Kind of a registered service: what `Registry` look-ups are keyed by. */
export type ServiceKind = 'architecture' | 'learner' | 'metric' | 'environment' | 'kernel' | 'task';
