import type { TaskOptions } from '@prnn/env';
import { HEAP_OVERHEAD, mazeSetBytes, vectorEnvBytesPerEnv } from '../training/memory-estimate.js';

/**
 * Peak bytes of a PolicyEvaluator run: `mazes` × `levels` trials advance as one batch, each with its
 * VectorEnv slot, q-values, action, flags and fitness, the engine's obs and double-buffered state rows and
 * about as much again inside the engine (onnxruntime's intermediate tensors), plus the test set; times
 * HEAP_OVERHEAD for garbage and allocator slack, as the training estimate.
 */
export function estimateEvalMemory(task: TaskOptions, mazes: number, levels: number, stateSize: number): number {
  const trials = mazes * levels;
  const perTrial = vectorEnvBytesPerEnv(task.channels) + 20 + 4 + 1 + 8 + 2 * (16 * task.channels + 8 * stateSize + 20);
  return HEAP_OVERHEAD * (trials * perTrial + mazeSetBytes(task, mazes));
}
