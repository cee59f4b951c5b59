// Public API of training: learners, the greedy evaluation, run directories and checkpoints.
export * from '../learners/dqn-config.js';
export * from '../learners/dqn.js';
export * from '../learners/selected-squared-error.js';
export * from './create-population.js';
export * from './populations.js';
export * from '../builtins/learners.js';
export * from './evaluate-greedy.js';
export * from './population-optimizer.js';
export * from './train-run.js';
export * from './bench-train.js';
export * from '../run/atomic-write.js';
export * from '../run/run-dir.js';
export * from '../run/checkpoint.js';
export * from './memory-estimate.js';
export * from './bench-sweep.js';
export { TrainWorkerPool, checkWorkers, sliceBounds, trainInWorkers, type TrainInWorkersOptions } from './workers/train-in-workers.js';
export { WORKER_PROTOCOL, type SliceRequest, type SliceResult } from './workers/worker-protocol.js';
