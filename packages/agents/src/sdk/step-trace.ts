import * as tf from '@tensorflow/tfjs-core';

/*
 * Recording a family's step: the step runs once while every tfjs kernel it calls at the top level is
 * recorded (engine.runKernel). The ONNX exporter (step-onnx.ts) and the step compiler (compiler/lower.ts)
 * both read the same recording.
 */

/** A kernel input as it was when the kernel ran (ops dispose the tensors they made from numbers). */
export interface TracedInput {
  readonly id: number;
  readonly shape: number[];
  readonly rank: number;
  readonly dtype: string;
  /** The values of a float32 input (what a constant holds); null for other dtypes. */
  readonly data: Float32Array | null;
  /** The values of an int32 input (e.g. the indices of a gather); null for other dtypes. */
  readonly ints?: Int32Array | null;
}

/** One recorded top-level kernel call. */
export interface RecordedKernel {
  readonly kernel: string;
  readonly inputs: TracedInput[];
  readonly attrs: Record<string, unknown>;
  readonly outputs: tf.Tensor[];
}

type RunKernel = (kernel: string, inputs: Record<string, tf.Tensor | tf.Tensor[]>, attrs?: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** Runs `f` recording the kernels it calls at the top level (kernels called by kernels are not seen). */
export function traceKernels<T>(f: () => T): { result: T; recorded: RecordedKernel[] } {
  const engine = tf.engine() as unknown as { runKernel: RunKernel };
  const original = engine.runKernel;
  const recorded: RecordedKernel[] = [];
  let depth = 0;
  engine.runKernel = function (kernel, inputs, attrs) {
    depth++;
    let out: tf.Tensor | tf.Tensor[];
    try {
      out = original.call(this, kernel, inputs, attrs);
    } finally {
      depth--;
    }
    if (depth === 0) {
      const ins = Object.values(inputs)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .map((t) => ({ id: t.id, shape: [...t.shape], rank: t.rank, dtype: t.dtype, data: t.dtype === 'float32' ? Float32Array.from(t.dataSync() as Float32Array) : null, ints: t.dtype === 'int32' ? Int32Array.from(t.dataSync() as Int32Array) : null }));
      recorded.push({ kernel, inputs: ins, attrs: { ...(attrs ?? {}) }, outputs: Array.isArray(out) ? out : [out] });
    }
    return out;
  };
  try {
    return { result: f(), recorded };
  } finally {
    engine.runKernel = original;
  }
}
