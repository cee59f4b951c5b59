// Plugin SDK first: it loads the reflect-metadata polyfill that decorated plugins need.
export * from './sdk/index.js';
export * from './backend.js';
export * from './tfjs-gradients.js';
// The one tfjs-core instance prnn computes with: plugins import it from here (no second copy).
export * as tf from '@tensorflow/tfjs-core';
export * from './builtins/index.js';
export * from './architectures/nine-pathway/family.js';
export * from './architectures/nine-pathway/architecture.js';
export * from './architectures/nine-pathway/tfjs-population.js';
export * from './architectures/nine-pathway/step.js';
// Training: learners (dqn), greedy evaluation, run directories, checkpoints, one thread of the training benchmarks.
export * from './compiler/index.js';
export * from './training/index.js';
// Evaluation (ONNX and in-process engines, noise sweeps) and ONNX export.
export * from './eval/index.js';
// Wall and CPU time by phase (prnn reproduce's profile).
export * from './profile/index.js';
export * from './onnx/index.js';
// Measures: recorded test trials and running metric plugins over a run.
export * from './metrics/index.js';
// The generic path's memory estimate.
export { tfjsMemoryBytes } from './architectures/nine-pathway/tfjs-memory.js';
