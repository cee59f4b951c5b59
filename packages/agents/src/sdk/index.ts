// The plugin SDK. container.js comes first: it loads the reflect-metadata polyfill that decorators need.
export * from './container.js';
export * from './tokens.js';
export * from './services.js';
export * from './plugin.js';
export * from './architecture.js';
export * from './population-model.js';
export * from './metric.js';
export * from './environment.js';
export * from './learner.js';
export * from './training-stopped.js';
export * from './streams.js';
export * from './loader.js';
export * from './kernel.js';
export * from './task-source.js';
export * from './learning-pass.js';
export * from './define-architecture.js';
export * from './step-population.js';
export * from './step-onnx.js';
export * from './output-heads.js';
// What plugins need from @prnn/env and @prnn/core, so that a plugin can depend on the SDK alone.
export { MazeSet, VectorEnv, type TaskOptions } from '@prnn/env';
export { PrnnError, Rng, describeValue, parameterError, type PrnnErrorOptions } from '@prnn/core';
