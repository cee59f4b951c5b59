import * as tf from '@tensorflow/tfjs-core';
import type { DifferentiableStep } from './differentiable-step.js';
import type { NinePathwaySizes } from './nine-pathway-jacobian.js';

/** SPEC §2's step of a 9-pathway network in tfjs ops (no tie noise): state [x, h, o]. */
export function ninePathwayTfjsStep(weights: Readonly<Record<string, Float32Array>>, sizes: NinePathwaySizes): DifferentiableStep {
  const { inputs: I, hidden: H, outputs: O } = sizes;
  const size: Record<string, number> = { i: I, h: H, o: O };
  const w: Record<string, tf.Tensor2D> = {};
  for (const [name, values] of Object.entries(weights)) w[name] = tf.tensor2d(values, [size[name[0]], size[name[1]]]);
  const term = (v: tf.Tensor2D, name: string): tf.Tensor2D | undefined => (w[name] ? tf.matMul(v, w[name]) : undefined);
  const sum = (first: tf.Tensor2D, ...rest: (tf.Tensor2D | undefined)[]): tf.Tensor2D =>
    rest.reduce<tf.Tensor2D>((a, b) => (b ? tf.add(a, b) : a), first);
  return {
    inputs: I,
    outputs: O,
    initialState: (batch) => [tf.zeros([batch, I]), tf.zeros([batch, H]), tf.zeros([batch, O])],
    step: (s, [x0, h0, o0]) => {
      const xp = x0 as tf.Tensor2D;
      const hp = h0 as tf.Tensor2D;
      const op = o0 as tf.Tensor2D;
      const x = sum(s, term(xp, 'ii'), term(op, 'oi'), term(hp, 'hi'));
      const h = tf.relu(sum(tf.matMul(x, w.ih), term(hp, 'hh'), term(op, 'oh')));
      const o = tf.softmax(sum(tf.matMul(h, w.ho), term(op, 'oo'), term(x, 'io')));
      return { o, state: [x, h, o] };
    },
  };
}
