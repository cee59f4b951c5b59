import * as tf from '@tensorflow/tfjs-core';
import type { ArchInfo } from '../sdk/architecture.js';
import type { ArchitectureDefinition, ParameterShapes, StepSizes } from '../sdk/define-architecture.js';
import { traceKernels, type RecordedKernel } from '../sdk/step-trace.js';
import { OP, ProgramBuilder, type StepProgram } from './program.js';

/*
 * Lowering a family's step to a StepProgram: the step is traced once for one network at batch 1 (with the
 * learner's noise present), and every recorded tfjs kernel becomes scalar ops or an index remap.
 *
 * Kernels the compiler knows (tfjs names): BatchMatMul (transposeA/B, broadcast batch axes), Add, AddV2,
 * Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference (all with numpy broadcasting), AddN, Neg,
 * Square, Tanh, Sigmoid, Relu, Exp, Abs, Sqrt, Softmax, Sum, Max (reductions), Concat, SplitV, Slice,
 * Reshape, Transpose, Pack, Unpack, Identity, Cast (float32), OnesLike, ZerosLike, Fill, Log, GatherV2 (constant
 * int32 indices, batchDims 0: an index remap). Any other kernel
 * makes the family fall back to the generic path.
 */

/** The kernels `lowerStep` compiles. */
export const COMPILED_KERNELS: readonly string[] = [
  'BatchMatMul', 'Add', 'AddV2', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'AddN',
  'Neg', 'Square', 'Tanh', 'Sigmoid', 'Relu', 'Exp', 'Abs', 'Sqrt', 'Softmax', 'Sum', 'Max', 'Concat', 'SplitV',
  'Slice', 'Reshape', 'Transpose', 'Pack', 'Unpack', 'Identity', 'Cast', 'OnesLike', 'ZerosLike', 'Fill', 'Log', 'GatherV2',
];

/** A step that uses kernels the compiler does not know. */
export class UnsupportedStepError extends Error {
  constructor(
    readonly family: string,
    readonly kernels: readonly string[],
  ) {
    super(`the step of ${family} uses tfjs kernels the step compiler does not know: ${kernels.join(', ')}`);
  }
}

/** A tensor of the trace as scalar references, row-major. */
interface Value {
  readonly shape: readonly number[];
  readonly refs: Int32Array;
  /** A constant int32 input's values (then refs is empty): only gather indices read it. */
  readonly ints?: Int32Array;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

/** For each element of `out` (row-major), the index of the element of `x` that broadcasting reads. */
function broadcastIndex(x: readonly number[], out: readonly number[]): Int32Array {
  const n = size(out);
  const idx = new Int32Array(n);
  const so = strides(out);
  const sx = strides(x);
  const shift = out.length - x.length;
  for (let i = 0; i < n; i++) {
    let rem = i;
    let at = 0;
    for (let k = 0; k < out.length; k++) {
      const c = Math.floor(rem / so[k]);
      rem -= c * so[k];
      const kx = k - shift;
      if (kx >= 0 && x[kx] !== 1) at += c * sx[kx];
    }
    idx[i] = at;
  }
  return idx;
}

/** Visits every index (as coordinates) of `shape` in row-major order. */
function forEachIndex(shape: readonly number[], f: (c: number[], flat: number) => void): void {
  const n = size(shape);
  const c = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    f(c, i);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++c[k] < shape[k]) break;
      c[k] = 0;
    }
  }
}

function axisOf(axis: unknown, rank: number): number {
  const a = Array.isArray(axis) ? (axis[0] as number) : (axis as number);
  return a < 0 ? a + rank : a;
}

function axesOf(axis: unknown, rank: number): number[] {
  if (axis === undefined || axis === null) return [...Array(rank).keys()];
  return (Array.isArray(axis) ? axis : [axis]).map((a: number) => (a < 0 ? a + rank : a));
}

const ELEMENTWISE: Record<string, number> = { Add: OP.add, AddV2: OP.add, Sub: OP.sub, Multiply: OP.mul, RealDiv: OP.div, Maximum: OP.max, Minimum: OP.min };
const UNARY: Record<string, number> = { Neg: OP.neg, Tanh: OP.tanh, Sigmoid: OP.sigmoid, Relu: OP.relu, Exp: OP.exp, Abs: OP.abs, Sqrt: OP.sqrt, Log: OP.log };

/** The layout a program is lowered for: one network's parameter shapes (in order) and sizes. */
export interface LoweringLayout {
  readonly arch: ArchInfo;
  readonly shapes: ParameterShapes;
  readonly sizes: StepSizes;
  readonly stateSize: number;
}

/**
 * Traces `def.step` for one network of `layout` (G = 1, batch 1, noise present) and lowers it to a
 * StepProgram. Throws UnsupportedStepError naming every kernel it does not know.
 */
export function lowerStep(def: ArchitectureDefinition, layout: LoweringLayout): StepProgram {
  const { inputs: I, outputs: O } = layout.sizes;
  const S = layout.stateSize;
  const names = Object.keys(layout.shapes);
  const paramCount = names.reduce((s, name) => s + size(layout.shapes[name]), 0);
  const b = new ProgramBuilder({ params: paramCount, state: S, obs: I, noise: O });
  const values = new Map<number, Value>();
  const unknown = new Set<string>();
  let program: StepProgram | undefined;
  const seq = (start: number, n: number): Int32Array => Int32Array.from({ length: n }, (_, k) => start + k);

  tf.tidy(() => {
    const params: Record<string, tf.Tensor> = {};
    let at = 0;
    for (const name of names) {
      const shape = layout.shapes[name];
      const t = tf.zeros([1, ...(shape.length === 1 ? [1] : []), ...shape]);
      params[name] = t;
      values.set(t.id, { shape: t.shape, refs: seq(at, size(shape)) });
      at += size(shape);
    }
    const state = tf.zeros([1, 1, S]) as tf.Tensor3D;
    const obs = tf.zeros([1, 1, I]) as tf.Tensor3D;
    const noise = tf.zeros([1, 1, O]) as tf.Tensor3D;
    values.set(state.id, { shape: state.shape, refs: seq(paramCount, S) });
    values.set(obs.id, { shape: obs.shape, refs: seq(paramCount + S, I) });
    values.set(noise.id, { shape: noise.shape, refs: seq(paramCount + S + I, O) });

    const { result, recorded } = traceKernels(() => def.step(params, state, obs, noise, layout.arch));
    const poisoned = (shape: readonly number[]): Value => ({ shape, refs: new Int32Array(size(shape)).fill(b.constant(0)) });
    for (const r of recorded) {
      const ins: (Value | null)[] = r.inputs.map((t) => {
        const known = values.get(t.id);
        if (known) return known;
        if (t.ints) return { shape: t.shape, refs: new Int32Array(0), ints: t.ints };
        if (!t.data) return null;
        return { shape: t.shape, refs: Int32Array.from(t.data, (v) => b.constant(v)) };
      });
      let outs: Value[] | null = null;
      if (ins.every((v) => v !== null)) outs = lowerKernel(b, r, ins as Value[]);
      if (!outs) {
        unknown.add(ins.some((v) => v === null) && lowerable(r.kernel) ? `${r.kernel} (a non-float32 input)` : r.kernel);
        outs = r.outputs.map((t) => poisoned(t.shape));
      }
      r.outputs.forEach((t, k) => values.set(t.id, outs![k]));
    }
    if (unknown.size > 0) throw new UnsupportedStepError(def.family, [...unknown]);
    const lookup = (t: tf.Tensor, what: string, n: number): Int32Array => {
      const v = values.get(t.id);
      if (!v) throw new UnsupportedStepError(def.family, [`a ${what} the trace cannot follow`]);
      if (v.refs.length !== n) throw new UnsupportedStepError(def.family, [`a ${what} of ${v.refs.length} values (expected ${n})`]);
      return v.refs;
    };
    const out = lookup(result.output, 'step output', O);
    const next = lookup(result.state, 'next state', S);
    // where each parameter tensor starts among the parameter inputs
    const tensors = new Int32Array(names.length);
    for (let t = 1; t < names.length; t++) tensors[t] = tensors[t - 1] + size(layout.shapes[names[t - 1]]);
    program = { ...b.finish(Array.from(out), Array.from(next)), tensors };
  });
  return program!;
}

function lowerable(kernel: string): boolean {
  return COMPILED_KERNELS.includes(kernel);
}

/** Scalar ops of one kernel; null when the kernel is unknown. */
function lowerKernel(b: ProgramBuilder, r: RecordedKernel, ins: Value[]): Value[] | null {
  const outShape = (k = 0): readonly number[] => r.outputs[k].shape;
  const x = ins[0];
  if (r.kernel === 'GatherV2') return gather(x, ins[1], r, outShape());
  if (ins.some((v) => v.ints)) return null;
  const binOp = ELEMENTWISE[r.kernel];
  if (binOp !== undefined || r.kernel === 'SquaredDifference') {
    const shape = outShape();
    const ia = broadcastIndex(ins[0].shape, shape);
    const ib = broadcastIndex(ins[1].shape, shape);
    const refs = Int32Array.from(ia, (a, i) => {
      const ra = ins[0].refs[a];
      const rb = ins[1].refs[ib[i]];
      if (binOp !== undefined) return b.binary(binOp, ra, rb);
      const d = b.binary(OP.sub, ra, rb);
      return b.binary(OP.mul, d, d);
    });
    return [{ shape, refs }];
  }
  const unOp = UNARY[r.kernel];
  if (unOp !== undefined) return [{ shape: x.shape, refs: x.refs.map((a) => b.unary(unOp, a)) }];
  switch (r.kernel) {
    case 'Square':
      return [{ shape: x.shape, refs: x.refs.map((a) => b.binary(OP.mul, a, a)) }];
    case 'Identity':
    case 'Reshape':
      return [{ shape: outShape(), refs: x.refs }];
    case 'Cast':
      return r.outputs[0].dtype === 'float32' ? [{ shape: outShape(), refs: x.refs }] : null;
    case 'OnesLike':
    case 'ZerosLike':
      return [{ shape: outShape(), refs: new Int32Array(size(outShape())).fill(b.constant(r.kernel === 'OnesLike' ? 1 : 0)) }];
    case 'Fill':
      return r.outputs[0].dtype === 'float32' ? [{ shape: outShape(), refs: new Int32Array(size(outShape())).fill(b.constant(Number(r.attrs.value))) }] : null;
    case 'AddN': {
      const refs = ins[0].refs.map((_, i) => ins.slice(1).reduce((acc, v) => b.binary(OP.add, acc, v.refs[i]), ins[0].refs[i]));
      return [{ shape: outShape(), refs }];
    }
    case 'BatchMatMul':
      return [matMul(b, ins[0], ins[1], Boolean(r.attrs.transposeA), Boolean(r.attrs.transposeB), outShape())];
    case 'Softmax': {
      const axis = axisOf(r.attrs.dim ?? -1, x.shape.length);
      if (axis !== x.shape.length - 1) return null;
      const n = x.shape[axis];
      const refs = new Int32Array(x.refs.length);
      for (let row = 0; row < x.refs.length / n; row++) {
        const v = x.refs.subarray(row * n, (row + 1) * n);
        let m = v[0];
        for (let k = 1; k < n; k++) m = b.binary(OP.max, m, v[k]);
        m = b.unary(OP.stop, m);
        const e = Array.from(v, (a) => b.unary(OP.exp, b.binary(OP.sub, a, m)));
        const sum = e.reduce((acc, a) => b.binary(OP.add, acc, a));
        e.forEach((a, k) => (refs[row * n + k] = b.binary(OP.div, a, sum)));
      }
      return [{ shape: x.shape, refs }];
    }
    case 'Sum':
    case 'Max': {
      const axes = axesOf(r.attrs.axis, x.shape.length);
      const kept = x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
      const acc: (number | undefined)[] = new Array(size(kept));
      const ks = strides(kept);
      forEachIndex(x.shape, (c, flat) => {
        let at = 0;
        c.forEach((ci, k) => (at += axes.includes(k) ? 0 : ci * ks[k]));
        const v = x.refs[flat];
        acc[at] = acc[at] === undefined ? v : b.binary(r.kernel === 'Sum' ? OP.add : OP.max, acc[at]!, v);
      });
      return [{ shape: outShape(), refs: Int32Array.from(acc, (v) => v ?? b.constant(0)) }];
    }
    case 'Concat': {
      const axis = axisOf(r.attrs.axis, x.shape.length);
      const shape = outShape();
      const refs = new Int32Array(size(shape));
      const so = strides(shape);
      let offset = 0;
      for (const v of ins) {
        if (size(v.shape) === 0) continue;
        forEachIndex(v.shape, (c, flat) => {
          let at = 0;
          c.forEach((ci, k) => (at += (k === axis ? ci + offset : ci) * so[k]));
          refs[at] = v.refs[flat];
        });
        offset += v.shape[axis];
      }
      return [{ shape, refs }];
    }
    case 'SplitV':
    case 'Unpack': {
      const axis = axisOf(r.attrs.axis, x.shape.length);
      let begin = 0;
      return r.outputs.map((t) => {
        const width = r.kernel === 'SplitV' ? t.shape[axis] : 1;
        const part = sliceOf(x, x.shape.map((_, k) => (k === axis ? begin : 0)), x.shape.map((d, k) => (k === axis ? width : d)));
        begin += width;
        return { shape: t.shape, refs: part };
      });
    }
    case 'Slice': {
      const begin = r.attrs.begin as number[];
      const shape = outShape();
      return [{ shape, refs: sliceOf(x, begin, shape) }];
    }
    case 'Transpose': {
      const perm = r.attrs.perm as number[];
      const shape = outShape();
      const sx = strides(x.shape);
      const refs = new Int32Array(size(shape));
      forEachIndex(shape, (c, flat) => {
        let at = 0;
        c.forEach((ci, k) => (at += ci * sx[perm[k]]));
        refs[flat] = x.refs[at];
      });
      return [{ shape, refs }];
    }
    case 'Pack': {
      const axis = axisOf(r.attrs.axis, x.shape.length + 1);
      const shape = outShape();
      const refs = new Int32Array(size(shape));
      const so = strides(shape);
      ins.forEach((v, j) =>
        forEachIndex(v.shape, (c, flat) => {
          const full = [...c.slice(0, axis), j, ...c.slice(axis)];
          refs[full.reduce((s, ci, k) => s + ci * so[k], 0)] = v.refs[flat];
        }),
      );
      return [{ shape, refs }];
    }
    default:
      return null;
  }
}

/** tf.gather with constant indices (batchDims 0): out[o, q, i] = x[o, indices[q], i], an index remap. */
function gather(x: Value, indices: Value, r: RecordedKernel, shape: readonly number[]): Value[] | null {
  const idx = indices.ints;
  if (!idx || x.ints || Number(r.attrs.batchDims ?? 0) !== 0) return null;
  const axis = axisOf(r.attrs.axis ?? 0, x.shape.length);
  const n = x.shape[axis];
  if (idx.some((i) => i < 0 || i >= n)) return null;
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  const refs = new Int32Array(outer * idx.length * inner);
  let at = 0;
  for (let o = 0; o < outer; o++) for (const q of idx) for (let i = 0; i < inner; i++) refs[at++] = x.refs[(o * n + q) * inner + i];
  return refs.length === size(shape) ? [{ shape, refs }] : null;
}

function sliceOf(x: Value, begin: readonly number[], shape: readonly number[]): Int32Array {
  const sx = strides(x.shape);
  const refs = new Int32Array(size(shape));
  forEachIndex(shape, (c, flat) => {
    let at = 0;
    c.forEach((ci, k) => (at += (ci + begin[k]) * sx[k]));
    refs[flat] = x.refs[at];
  });
  return refs;
}

/** out[..., i, j] = Σ_k A[..., i, k]·B[..., k, j] as a chain of c + a·b, batch axes broadcast. */
function matMul(b: ProgramBuilder, A: Value, B: Value, transposeA: boolean, transposeB: boolean, shape: readonly number[]): Value {
  const ra = A.shape.length;
  const rb = B.shape.length;
  const m = transposeA ? A.shape[ra - 1] : A.shape[ra - 2];
  const inner = transposeA ? A.shape[ra - 2] : A.shape[ra - 1];
  const n = transposeB ? B.shape[rb - 2] : B.shape[rb - 1];
  const batchShape = shape.slice(0, -2);
  const ia = broadcastIndex(A.shape.slice(0, -2), batchShape);
  const ib = broadcastIndex(B.shape.slice(0, -2), batchShape);
  const [a0, a1] = [A.shape[ra - 2], A.shape[ra - 1]];
  const [b0, b1] = [B.shape[rb - 2], B.shape[rb - 1]];
  const refs = new Int32Array(size(shape));
  const zero = b.constant(0);
  for (let bt = 0; bt < ia.length; bt++) {
    const baseA = ia[bt] * a0 * a1;
    const baseB = ib[bt] * b0 * b1;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = zero;
        for (let k = 0; k < inner; k++) {
          const ea = A.refs[baseA + (transposeA ? k * a1 + i : i * a1 + k)];
          const eb = B.refs[baseB + (transposeB ? j * b1 + k : k * b1 + j)];
          acc = b.fma(acc, ea, eb);
        }
        refs[(bt * m + i) * n + j] = acc;
      }
    }
  }
  return { shape, refs };
}
