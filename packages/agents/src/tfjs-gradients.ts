import { createRequire } from 'node:module';

/*
 * @tensorflow/tfjs-core's Node bundle registers no gradients; the full @tensorflow/tfjs package registers
 * all of them (with the one tfjs-core instance, which it shares) when it loads. It is loaded on first use
 * — by the generic learning pass and by measures that differentiate — because it adds about half a second
 * to start-up, which commands that never differentiate need not pay.
 */
let registered = false;

/** Registers every tfjs gradient (idempotent), so tf.grad works through any differentiable op. */
export function registerGradients(): void {
  if (registered) return;
  createRequire(import.meta.url)('@tensorflow/tfjs');
  registered = true;
}
