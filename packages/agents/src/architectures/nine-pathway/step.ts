import * as tf from '@tensorflow/tfjs-core';
import type { StepFunction } from '../../sdk/define-architecture.js';

/**
 * One step of docs/spec.md §2 for G networks of one architecture, in tfjs ops (state = [x, h, o]); a pathway is
 * present when its parameter is:
 *
 *   x_t = s_t + [ii] x·W_ii + [oi] o·W_oi + [hi] h·W_hi        h_t = relu(x_t·W_ih + [hh] h·W_hh + [oh] o·W_oh)
 *   o_t = softmax(h_t·W_ho + [oo] o·W_oo + [io] x_t·W_io + u_t)
 */
export const ninePathwayStep: StepFunction = (p, state, obs, noise) => {
  const I = obs.shape[2];
  const H = p.ih.shape[2];
  const O = p.ho.shape[2];
  const [xPrev, hPrev, oPrev] = tf.split(state, [I, H as number, O as number], 2);
  const terms = (first: tf.Tensor, more: [tf.Tensor, tf.Tensor | undefined][]): tf.Tensor => {
    const present = more.filter(([, w]) => w !== undefined).map(([a, w]) => tf.matMul(a as tf.Tensor3D, w as tf.Tensor3D));
    return present.length ? tf.addN([first, ...present]) : first;
  };
  const x = terms(obs, [[xPrev, p.ii], [oPrev, p.oi], [hPrev, p.hi]]);
  const h = tf.relu(terms(tf.matMul(x as tf.Tensor3D, p.ih as tf.Tensor3D), [[hPrev, p.hh], [oPrev, p.oh]]));
  const z = terms(tf.matMul(h as tf.Tensor3D, p.ho as tf.Tensor3D), [[oPrev, p.oo], [x, p.io]]);
  const o = tf.softmax(noise ? tf.add(z, noise) : z);
  return { output: o as tf.Tensor3D, state: tf.concat([x, h, o], 2) as tf.Tensor3D };
};
