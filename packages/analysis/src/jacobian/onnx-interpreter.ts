import { PrnnError } from '@prnn/core';
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor } from '@prnn/agents';

/**
 * A double-precision interpreter of the ONNX ops policies are written with, differentiated in forward mode:
 * every floating-point value carries its tangents along D directions (t[d·size + i]), and each op applies its
 * exact linearisation to them. Constants and integer tensors carry none. Used to get exact Jacobians of any
 * ONNX policy (see onnx-jacobian.ts); values follow the ONNX operator definitions of opsets 1–21 for the
 * attributes and inputs listed in SUPPORTED_ONNX_OPS.
 */

/** A tensor of the interpreter: row-major values and, for floats that depend on the inputs, tangents. */
export interface Value {
  readonly dims: number[];
  readonly dtype: 'float' | 'int';
  readonly v: Float64Array;
  /** D × size tangents (direction-major), or null when the value does not depend on the inputs. */
  readonly t: Float64Array | null;
}

/** The ops the interpreter runs (default ONNX domain). A graph with any other op is not interpreted. */
export const SUPPORTED_ONNX_OPS = [
  'MatMul', 'Gemm', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Tanh', 'Sigmoid', 'Relu', 'Exp', 'Softmax', 'LogSoftmax',
  'Concat', 'Slice', 'Split', 'Gather', 'Reshape', 'Flatten', 'Transpose', 'Unsqueeze', 'Squeeze', 'Identity',
  'Constant', 'Cast', 'Shape',
] as const;

const SUPPORTED = new Set<string>(SUPPORTED_ONNX_OPS);

const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= dims[k];
  }
  return s;
}

function fail(node: OnnxNode, what: string): never {
  throw new PrnnError(`ONNX node ${node.name || node.opType} (${node.opType}): ${what}`);
}

function constValue(t: OnnxTensor): Value {
  return { dims: [...t.dims], dtype: t.dtype, v: t.data, t: null };
}

/** Numpy-style broadcast of two shapes: the output shape and, per output element, the flat index into each. */
function broadcast(a: readonly number[], b: readonly number[], node: OnnxNode): { dims: number[]; ia: Int32Array; ib: Int32Array } {
  const rank = Math.max(a.length, b.length);
  const pa = [...new Array<number>(rank - a.length).fill(1), ...a];
  const pb = [...new Array<number>(rank - b.length).fill(1), ...b];
  const dims = pa.map((x, k) => {
    const y = pb[k];
    if (x !== y && x !== 1 && y !== 1) fail(node, `shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    return x === 1 ? y : x;
  });
  const sa = stridesOf(pa).map((s, k) => (pa[k] === 1 ? 0 : s));
  const sb = stridesOf(pb).map((s, k) => (pb[k] === 1 ? 0 : s));
  const n = sizeOf(dims);
  const ia = new Int32Array(n);
  const ib = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let x = 0;
    let y = 0;
    for (let k = 0; k < rank; k++) {
      x += idx[k] * sa[k];
      y += idx[k] * sb[k];
    }
    ia[i] = x;
    ib[i] = y;
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return { dims, ia, ib };
}

/** The value whose element i is x's element map[i] (tangents likewise): every pure data-movement op. */
function gather(x: Value, dims: number[], map: Int32Array, D: number): Value {
  const n = map.length;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = x.v[map[i]];
  let t: Float64Array | null = null;
  if (x.t) {
    const m = x.v.length;
    t = new Float64Array(D * n);
    for (let d = 0; d < D; d++) for (let i = 0; i < n; i++) t[d * n + i] = x.t[d * m + map[i]];
  }
  return { dims, dtype: x.dtype, v, t };
}

const reshaped = (x: Value, dims: number[]): Value => ({ dims, dtype: x.dtype, v: x.v, t: x.t });

function normAxis(axis: number, rank: number, node: OnnxNode): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) fail(node, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a && (a.kind === 'int' || a.kind === 'float') ? a.value : fallback;
}

function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a && (a.kind === 'float' || a.kind === 'int') ? a.value : fallback;
}

function intsAttr(node: OnnxNode, name: string): number[] | undefined {
  const a: OnnxAttribute | undefined = node.attributes[name];
  return a && a.kind === 'ints' ? a.value : undefined;
}

const ints = (x: Value | undefined): number[] | undefined => (x ? Array.from(x.v, (v) => Math.trunc(v)) : undefined);

function elementwise(node: OnnxNode, a: Value, b: Value, D: number): Value {
  const { dims, ia, ib } = broadcast(a.dims, b.dims, node);
  const n = ia.length;
  const v = new Float64Array(n);
  const op = node.opType;
  for (let i = 0; i < n; i++) {
    const x = a.v[ia[i]];
    const y = b.v[ib[i]];
    v[i] = op === 'Add' ? x + y : op === 'Sub' ? x - y : op === 'Mul' ? x * y : x / y;
  }
  const dtype = a.dtype === 'float' || b.dtype === 'float' ? 'float' : 'int';
  if (dtype === 'int' && op === 'Div') for (let i = 0; i < n; i++) v[i] = Math.trunc(v[i]);
  if (!a.t && !b.t) return { dims, dtype, v, t: null };
  const t = new Float64Array(D * n);
  const ma = a.v.length;
  const mb = b.v.length;
  for (let d = 0; d < D; d++) {
    const o = d * n;
    for (let i = 0; i < n; i++) {
      const da = a.t ? a.t[d * ma + ia[i]] : 0;
      const db = b.t ? b.t[d * mb + ib[i]] : 0;
      const x = a.v[ia[i]];
      const y = b.v[ib[i]];
      t[o + i] = op === 'Add' ? da + db : op === 'Sub' ? da - db : op === 'Mul' ? da * y + x * db : (da * y - x * db) / (y * y);
    }
  }
  return { dims, dtype, v, t };
}

/** y = f(x) elementwise with y' = g(x, y)·x'. */
function unary(x: Value, D: number, f: (x: number) => number, g: (x: number, y: number) => number): Value {
  const n = x.v.length;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = f(x.v[i]);
  if (!x.t) return { dims: x.dims, dtype: x.dtype, v, t: null };
  const slope = new Float64Array(n);
  for (let i = 0; i < n; i++) slope[i] = g(x.v[i], v[i]);
  const t = new Float64Array(D * n);
  for (let d = 0; d < D; d++) for (let i = 0; i < n; i++) t[d * n + i] = slope[i] * x.t[d * n + i];
  return { dims: x.dims, dtype: x.dtype, v, t };
}

function softmax(node: OnnxNode, x: Value, D: number, opset: number, log: boolean): Value {
  const rank = x.dims.length;
  const axis = normAxis(intAttr(node, 'axis', opset >= 13 ? -1 : 1), rank, node);
  // opset < 13 coerces the input to 2-D at `axis`; from 13 on the op runs along the one axis
  const n = opset >= 13 ? x.dims[axis] : sizeOf(x.dims.slice(axis));
  const inner = opset >= 13 ? sizeOf(x.dims.slice(axis + 1)) : 1;
  const outer = sizeOf(x.dims.slice(0, axis));
  const total = x.v.length;
  const y = new Float64Array(total); // softmax
  const v = new Float64Array(total);
  for (let o = 0; o < outer; o++) {
    for (let q = 0; q < inner; q++) {
      const base = o * n * inner + q;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) max = Math.max(max, x.v[base + j * inner]);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(x.v[base + j * inner] - max);
      const logSum = Math.log(sum) + max;
      for (let j = 0; j < n; j++) {
        const i = base + j * inner;
        y[i] = Math.exp(x.v[i] - logSum);
        v[i] = log ? x.v[i] - logSum : y[i];
      }
    }
  }
  if (!x.t) return { dims: x.dims, dtype: 'float', v, t: null };
  const t = new Float64Array(D * total);
  for (let d = 0; d < D; d++) {
    const off = d * total;
    for (let o = 0; o < outer; o++) {
      for (let q = 0; q < inner; q++) {
        const base = o * n * inner + q;
        // dx_j − Σ_i y_i·dx_i written as Σ_i y_i·(dx_j − dx_i) (Σ y_i = 1): no cancellation when one output
        // saturates (y_m ≈ 1), so tiny sensitivities keep full relative precision
        for (let j = 0; j < n; j++) {
          const q = base + j * inner;
          const dj = x.t[off + q];
          let c = 0;
          for (let k = 0; k < n; k++) c += y[base + k * inner] * (dj - x.t[off + base + k * inner]);
          t[off + q] = log ? c : y[q] * c;
        }
      }
    }
  }
  return { dims: x.dims, dtype: 'float', v, t };
}

/** C[b] = A[ia[b]]·B[ib[b]] over broadcast batch dims, with tangents dA·B + A·dB. */
function matmul(node: OnnxNode, a0: Value, b0: Value, D: number): Value {
  const a = a0.dims.length === 1 ? reshaped(a0, [1, a0.dims[0]]) : a0;
  const b = b0.dims.length === 1 ? reshaped(b0, [b0.dims[0], 1]) : b0;
  const [m, k] = a.dims.slice(-2);
  const [k2, n] = b.dims.slice(-2);
  if (k !== k2) fail(node, `inner dimensions differ: [${a0.dims.join(', ')}] × [${b0.dims.join(', ')}]`);
  const batch = broadcast(a.dims.slice(0, -2), b.dims.slice(0, -2), node);
  const B = batch.ia.length;
  const dims = [...batch.dims, m, n];
  if (a0.dims.length === 1) dims.splice(dims.length - 2, 1);
  if (b0.dims.length === 1) dims.splice(dims.length - 1, 1);
  const size = B * m * n;
  const ma = a.v.length;
  const mb = b.v.length;
  const product = (av: Float64Array, ao: number, bv: Float64Array, bo: number, out: Float64Array, oo: number, add: boolean): void => {
    for (let bi = 0; bi < B; bi++) {
      const pa = ao + batch.ia[bi] * m * k;
      const pb = bo + batch.ib[bi] * k * n;
      const po = oo + bi * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += av[pa + i * k + q] * bv[pb + q * n + j];
          out[po + i * n + j] = add ? out[po + i * n + j] + s : s;
        }
      }
    }
  };
  const v = new Float64Array(size);
  product(a.v, 0, b.v, 0, v, 0, false);
  if (!a.t && !b.t) return { dims, dtype: 'float', v, t: null };
  const t = new Float64Array(D * size);
  for (let d = 0; d < D; d++) {
    if (a.t) product(a.t, d * ma, b.v, 0, t, d * size, true);
    if (b.t) product(a.v, 0, b.t, d * mb, t, d * size, true);
  }
  return { dims, dtype: 'float', v, t };
}

function transpose(x: Value, perm: number[], D: number): Value {
  const dims = perm.map((p) => x.dims[p]);
  const src = stridesOf(x.dims);
  const n = x.v.length;
  const map = new Int32Array(n);
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let k = 0; k < dims.length; k++) f += idx[k] * src[perm[k]];
    map[i] = f;
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return gather(x, dims, map, D);
}

function gemm(node: OnnxNode, a0: Value, b0: Value, c: Value | undefined, D: number): Value {
  const a = intAttr(node, 'transA', 0) ? transpose(a0, [1, 0], D) : a0;
  const b = intAttr(node, 'transB', 0) ? transpose(b0, [1, 0], D) : b0;
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  let y = matmul(node, a, b, D);
  if (alpha !== 1) y = scale(y, alpha, D);
  if (c && beta !== 0) y = elementwise({ ...node, opType: 'Add' }, y, beta === 1 ? c : scale(c, beta, D), D);
  return y;
}

function scale(x: Value, s: number, D: number): Value {
  return unary(x, D, (v) => s * v, () => s);
}

/** Index map of a strided slice (starts/ends/axes/steps as in ONNX Slice, clamped). */
function slice(node: OnnxNode, x: Value, starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined, D: number): Value {
  const rank = x.dims.length;
  const begin = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const dims = [...x.dims];
  const ax = axes ?? starts.map((_, k) => k);
  ax.forEach((a0, k) => {
    const a = normAxis(a0, rank, node);
    const dim = x.dims[a];
    const st = steps?.[k] ?? 1;
    if (st === 0) fail(node, 'a slice step is 0');
    let s = starts[k];
    let e = ends[k];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      dims[a] = Math.max(0, Math.ceil((e - s) / st));
    } else {
      s = Math.min(Math.max(s, -1), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      dims[a] = Math.max(0, Math.ceil((e - s) / st));
    }
    begin[a] = s;
    step[a] = st;
  });
  const src = stridesOf(x.dims);
  const n = sizeOf(dims);
  const map = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let k = 0; k < rank; k++) f += (begin[k] + idx[k] * step[k]) * src[k];
    map[i] = f;
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return gather(x, dims, map, D);
}

function concat(node: OnnxNode, xs: Value[], D: number): Value {
  const rank = xs[0].dims.length;
  const axis = normAxis(intAttr(node, 'axis', 0), rank, node);
  const outer = sizeOf(xs[0].dims.slice(0, axis));
  const inner = sizeOf(xs[0].dims.slice(axis + 1));
  const dims = [...xs[0].dims];
  dims[axis] = xs.reduce((s, x) => s + x.dims[axis], 0);
  const n = sizeOf(dims);
  const v = new Float64Array(n);
  const anyT = xs.some((x) => x.t);
  const t = anyT ? new Float64Array(D * n) : null;
  const row = dims[axis] * inner;
  let offset = 0;
  for (const x of xs) {
    const block = x.dims[axis] * inner;
    const m = x.v.length;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < block; j++) v[o * row + offset + j] = x.v[o * block + j];
      if (t && x.t) for (let d = 0; d < D; d++) for (let j = 0; j < block; j++) t[d * n + o * row + offset + j] = x.t[d * m + o * block + j];
    }
    offset += block;
  }
  return { dims, dtype: xs.some((x) => x.dtype === 'float') ? 'float' : 'int', v, t };
}

function reshapeTo(node: OnnxNode, x: Value, shape: number[], allowZero: boolean): Value {
  const dims = shape.map((s, k) => (s === 0 && !allowZero ? x.dims[k] : s));
  const unknown = dims.indexOf(-1);
  if (unknown >= 0) {
    const known = dims.reduce((a, b, k) => (k === unknown ? a : a * b), 1);
    dims[unknown] = known === 0 ? 0 : x.v.length / known;
  }
  if (sizeOf(dims) !== x.v.length) fail(node, `cannot reshape [${x.dims.join(', ')}] to [${shape.join(', ')}]`);
  return reshaped(x, dims);
}

/** Runs one node; `opset` is the model's default-domain opset. */
function runNode(node: OnnxNode, ins: (Value | undefined)[], D: number, opset: number): Value[] {
  const x = ins[0] as Value;
  const need = (k: number): Value => ins[k] ?? fail(node, `input ${k} is missing`);
  switch (node.opType) {
    case 'Identity':
      return [x];
    case 'Add': case 'Sub': case 'Mul': case 'Div':
      return [elementwise(node, need(0), need(1), D)];
    case 'Neg':
      return [unary(x, D, (v) => -v, () => -1)];
    case 'Tanh':
      return [unary(x, D, Math.tanh, (_, y) => 1 - y * y)];
    case 'Sigmoid':
      return [unary(x, D, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))), (_, y) => y * (1 - y))];
    case 'Relu':
      return [unary(x, D, (v) => (v > 0 ? v : 0), (v) => (v > 0 ? 1 : 0))];
    case 'Exp':
      return [unary(x, D, Math.exp, (_, y) => y)];
    case 'Softmax':
      return [softmax(node, x, D, opset, false)];
    case 'LogSoftmax':
      return [softmax(node, x, D, opset, true)];
    case 'MatMul':
      return [matmul(node, need(0), need(1), D)];
    case 'Gemm':
      return [gemm(node, need(0), need(1), ins[2], D)];
    case 'Concat':
      return [concat(node, ins.filter((v): v is Value => v !== undefined), D)];
    case 'Slice': {
      if (opset < 10) {
        return [slice(node, x, intsAttr(node, 'starts') ?? [], intsAttr(node, 'ends') ?? [], intsAttr(node, 'axes'), undefined, D)];
      }
      return [slice(node, x, ints(need(1))!, ints(need(2))!, ints(ins[3]), ints(ins[4]), D)];
    }
    case 'Split': {
      const rank = x.dims.length;
      const axis = normAxis(intAttr(node, 'axis', 0), rank, node);
      const count = node.outputs.length;
      let parts = opset >= 13 ? ints(ins[1]) : intsAttr(node, 'split');
      if (!parts) {
        const dim = x.dims[axis];
        const chunk = Math.ceil(dim / count);
        parts = Array.from({ length: count }, (_, k) => Math.max(0, Math.min(chunk, dim - k * chunk)));
      }
      let start = 0;
      return parts.map((p) => {
        const out = slice(node, x, [start], [start + p], [axis], undefined, D);
        start += p;
        return out;
      });
    }
    case 'Gather': {
      const idx = need(1);
      const rank = x.dims.length;
      const axis = normAxis(intAttr(node, 'axis', 0), rank, node);
      const outer = sizeOf(x.dims.slice(0, axis));
      const inner = sizeOf(x.dims.slice(axis + 1));
      const dim = x.dims[axis];
      const dims = [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)];
      const k = idx.v.length;
      const map = new Int32Array(outer * k * inner);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < k; j++) {
          let at = Math.trunc(idx.v[j]);
          if (at < 0) at += dim;
          if (!(at >= 0 && at < dim)) fail(node, `index ${idx.v[j]} is out of range for a dimension of ${dim}`);
          for (let q = 0; q < inner; q++) map[(o * k + j) * inner + q] = (o * dim + at) * inner + q;
        }
      }
      return [gather(x, dims, map, D)];
    }
    case 'Reshape':
      return [reshapeTo(node, x, ints(need(1))!, intAttr(node, 'allowzero', 0) === 1)];
    case 'Flatten': {
      const axis = normAxis(intAttr(node, 'axis', 1), x.dims.length + 1, node);
      return [reshaped(x, [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))])];
    }
    case 'Transpose': {
      const perm = intsAttr(node, 'perm') ?? x.dims.map((_, k) => x.dims.length - 1 - k);
      return [transpose(x, perm, D)];
    }
    case 'Unsqueeze': {
      const axes = (opset >= 13 ? ints(ins[1]) : intsAttr(node, 'axes')) ?? fail(node, 'axes are missing');
      const rank = x.dims.length + axes.length;
      const at = new Set(axes.map((a) => normAxis(a, rank, node)));
      const dims: number[] = [];
      let src = 0;
      for (let k = 0; k < rank; k++) dims.push(at.has(k) ? 1 : x.dims[src++]);
      return [reshaped(x, dims)];
    }
    case 'Squeeze': {
      const given = opset >= 13 ? ints(ins[1]) : intsAttr(node, 'axes');
      const axes = new Set((given ?? x.dims.flatMap((d, k) => (d === 1 ? [k] : []))).map((a) => normAxis(a, x.dims.length, node)));
      return [reshaped(x, x.dims.filter((_, k) => !axes.has(k)))];
    }
    case 'Constant': {
      const a = node.attributes;
      const v = a.value;
      if (v?.kind === 'tensor') return [constValue(v.value)];
      const f = a.value_float;
      if (f?.kind === 'float') return [{ dims: [], dtype: 'float', v: Float64Array.of(f.value), t: null }];
      const fs = a.value_floats;
      if (fs?.kind === 'floats') return [{ dims: [fs.value.length], dtype: 'float', v: Float64Array.from(fs.value), t: null }];
      const i = a.value_int;
      if (i?.kind === 'int') return [{ dims: [], dtype: 'int', v: Float64Array.of(i.value), t: null }];
      const is = a.value_ints;
      if (is?.kind === 'ints') return [{ dims: [is.value.length], dtype: 'int', v: Float64Array.from(is.value), t: null }];
      return fail(node, 'only value, value_float(s) and value_int(s) constants are supported');
    }
    case 'Cast': {
      const to = intAttr(node, 'to', 1);
      if (to === 1 || to === 10 || to === 11 || to === 16) return [{ ...x, dtype: 'float' }];
      if (to === 9) return [{ dims: x.dims, dtype: 'int', v: Float64Array.from(x.v, (v) => (v !== 0 ? 1 : 0)), t: null }];
      return [{ dims: x.dims, dtype: 'int', v: Float64Array.from(x.v, Math.trunc), t: null }];
    }
    case 'Shape': {
      const rank = x.dims.length;
      const clamp = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
      const dims = x.dims.slice(clamp(intAttr(node, 'start', 0)), clamp(intAttr(node, 'end', rank)));
      return [{ dims: [dims.length], dtype: 'int', v: Float64Array.from(dims), t: null }];
    }
    default:
      return fail(node, 'op is not supported');
  }
}

/** Why `graph` cannot be interpreted (ops outside SUPPORTED_ONNX_OPS, other domains), or [] when it can. */
export function unsupportedOnnxOps(graph: OnnxGraph): string[] {
  const bad = new Set<string>();
  for (const n of graph.nodes) {
    if (n.domain !== '' && n.domain !== 'ai.onnx') bad.add(`${n.domain}.${n.opType}`);
    else if (!SUPPORTED.has(n.opType)) bad.add(n.opType);
  }
  return [...bad].sort();
}

/**
 * One step of an ONNX policy as a program of the interpreter: `run` maps named input Values to the graph's
 * outputs by name. Nodes run in file order (ONNX requires it to be topological).
 */
export class OnnxProgram {
  private readonly constants = new Map<string, Value>();

  constructor(private readonly graph: OnnxGraph) {
    const bad = unsupportedOnnxOps(graph);
    if (bad.length > 0) throw new PrnnError(`the ONNX graph uses ops the interpreter does not run: ${bad.join(', ')}`);
    for (const [name, t] of graph.initializers) this.constants.set(name, constValue(t));
  }

  /** Runs the graph with `inputs` (by name) carrying tangents along D directions; returns every graph output. */
  run(inputs: Readonly<Record<string, Value>>, D: number): Map<string, Value> {
    const env = new Map<string, Value>(this.constants);
    for (const [name, v] of Object.entries(inputs)) env.set(name, v);
    for (const node of this.graph.nodes) {
      const ins = node.inputs.map((name) => {
        if (name === '') return undefined;
        const v = env.get(name);
        if (!v) fail(node, `input ${name} is not computed before the node`);
        return v;
      });
      const outs = runNode(node, ins, D, this.graph.opset);
      node.outputs.forEach((name, k) => {
        if (name !== '' && outs[k]) env.set(name, outs[k]);
      });
    }
    const out = new Map<string, Value>();
    for (const name of this.graph.outputs) {
      const v = env.get(name);
      if (!v) throw new PrnnError(`ONNX graph output ${name} is never computed`);
      out.set(name, v);
    }
    return out;
  }
}
