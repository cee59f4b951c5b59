import * as tf from '@tensorflow/tfjs-core';

/*
 * @tensorflow/tfjs-core's Node bundle registers no gradients (the full @tensorflow/tfjs package adds them,
 * and it is not a dependency here). These are the derivatives of the kernels that prnn differentiates
 * through with tf.variableGrads; each is registered only when no gradient exists for it yet, so a full
 * tfjs loaded alongside keeps its own.
 */

type Grads = Record<string, () => tf.Tensor>;

/** Sums `dy` down to `shape`, undoing broadcasting of an input of that shape. */
function unbroadcast(dy: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (dy.shape.length === shape.length && dy.shape.every((d, k) => d === shape[k])) return dy;
  const lead = dy.shape.length - shape.length;
  const axes: number[] = [];
  dy.shape.forEach((d, k) => {
    if (k < lead || (shape[k - lead] === 1 && d !== 1)) axes.push(k);
  });
  return tf.reshape(tf.sum(dy, axes), [...shape]);
}

function axisList(axis: unknown, rank: number): number[] {
  const list = axis === undefined || axis === null ? [...Array(rank).keys()] : Array.isArray(axis) ? axis : [axis as number];
  return list.map((a: number) => (a < 0 ? a + rank : a));
}

const CONFIGS: tf.GradConfig[] = [
  {
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]): Grads => ({
      a: () => unbroadcast(dy as tf.Tensor, a.shape),
      b: () => unbroadcast(dy as tf.Tensor, b.shape),
    }),
  },
  {
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]): Grads => ({
      a: () => unbroadcast(dy as tf.Tensor, a.shape),
      b: () => tf.neg(unbroadcast(dy as tf.Tensor, b.shape)),
    }),
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]): Grads => ({
      a: () => unbroadcast(tf.mul(dy as tf.Tensor, b), a.shape),
      b: () => unbroadcast(tf.mul(dy as tf.Tensor, a), b.shape),
    }),
  },
  {
    kernelName: tf.Square,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]): Grads => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(x, 2)) }),
  },
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs): Grads => ({
      x: () => {
        const reduced = axisList(attrs.axis, x.rank);
        const kept = x.shape.map((d, k) => (reduced.includes(k) ? 1 : d));
        return tf.mul(tf.reshape(dy as tf.Tensor, kept), tf.onesLike(x));
      },
    }),
  },
  {
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]): Grads => ({ x: () => tf.mul(dy as tf.Tensor, tf.step(x)) }),
  },
  {
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs): Grads => ({
      logits: () => {
        const dim = axisList(attrs.dim, y.rank);
        const g = dy as tf.Tensor;
        return tf.mul(y, tf.sub(g, tf.sum(tf.mul(g, y), dim, true)));
      },
    }),
  },
  {
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs): Grads => {
      const g = dy as tf.Tensor;
      const ta = Boolean(attrs.transposeA);
      const tb = Boolean(attrs.transposeB);
      if (a.rank !== b.rank || a.shape.slice(0, -2).some((d, k) => d !== b.shape[k])) {
        throw new Error('BatchMatMul gradient: broadcast batch dimensions are not supported');
      }
      // C = op(A)·op(B): dA = dC·op(B)ᵀ (transposed back when A was), dB likewise.
      return {
        a: () => (ta ? tf.matMul(b, g, tb, true) : tf.matMul(g, b, false, !tb)),
        b: () => {
          if (!ta && !tb && a.shape[a.rank - 2] === 1) {
            // A is one row per batch (one step of a recurrence): dB is an outer product, and a broadcast
            // multiply computes it about twice as fast as a transposed matmul on the wasm backend.
            const k = a.shape[a.rank - 1];
            return tf.mul(tf.reshape(a, [...a.shape.slice(0, -2), k, 1]), g);
          }
          return tb ? tf.matMul(g, a, true, ta) : tf.matMul(a, g, !ta, false);
        },
      };
    },
  },
  {
    kernelName: tf.Reshape,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]): Grads => ({ x: () => tf.reshape(dy as tf.Tensor, x.shape) }),
  },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs): Grads => {
      const perm = attrs.perm as number[];
      const inverse = perm.map((_, k) => perm.indexOf(k));
      return { x: () => tf.transpose(dy as tf.Tensor, inverse) };
    },
  },
  {
    kernelName: tf.Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs): Grads => {
      const axis = axisList(attrs.axis, saved[0].rank)[0];
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[axis]), axis);
      return Object.fromEntries(parts.map((p, k) => [String(k), () => p]));
    },
  },
  {
    kernelName: tf.SplitV,
    gradFunc: (dy, _saved, attrs): Grads => ({
      x: () => {
        const parts = dy as tf.Tensor[];
        return tf.concat(parts, axisList(attrs.axis, parts[0].rank)[0]);
      },
    }),
  },
];

let registered = false;

/** Registers the gradients above (once; kernels that already have a gradient keep it). */
export function registerGradients(): void {
  if (registered) return;
  registered = true;
  for (const config of CONFIGS) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}
