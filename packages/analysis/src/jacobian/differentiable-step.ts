import type * as tf from '@tensorflow/tfjs-core';

/**
 * One step of a recurrent policy written in differentiable tfjs ops, batched over rows: the shape of
 * network that `autodiffJacobians` differentiates. Any architecture whose step can be written this way gets
 * exact Jacobians (the 9-pathway family's is `ninePathwayTfjsStep`). Interim contract of @prnn/analysis
 * until the plugin SDK's differentiable-step contract lands.
 */
export interface DifferentiableStep {
  readonly inputs: number;
  readonly outputs: number;
  /** The zero state of `batch` rows (any number of tensors). */
  initialState(batch: number): tf.Tensor[];
  /** o_t ([batch, outputs], the output activity) and the next state, from s_t ([batch, inputs]). */
  step(s: tf.Tensor2D, state: tf.Tensor[]): { o: tf.Tensor2D; state: tf.Tensor[] };
}
