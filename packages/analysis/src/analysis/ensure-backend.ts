import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@prnn/agents';

/**
 * Autodiff through a family's step and the traced ONNX export of plugin families need a tfjs backend: the
 * one already set up, else the fastest that loads (as `prnn measure` picks).
 */
export async function ensureBackend(): Promise<void> {
  if (tf.getBackend()) return;
  await initBackend();
}
