import { PATHWAYS, hasPathway, pathwayShape, type NinePathwayArch, type Pathway } from '../family.js';

/**
 * Straight-line code for one architecture signature (sizes + flags). With layers of 5–34 units, loop
 * overhead dominates a typed-array matrix-vector loop; fully unrolled code keeps the state in locals and
 * the weight offsets constant, about twice as fast. It performs the loops' floating-point operations in the
 * loops' order (JavaScript never reassociates or fuses them), so both give identical bits. The code reads
 * and writes only the typed arrays it is given and is built from integers, never from user text.
 */

/** One network step: previous state (px, ph, po) and sensed s (+ tie noise u) → x, h, o = softmax(z + u). */
export type StepFn = (
  w: Float64Array,
  wo: number,
  s: Float32Array,
  so: number,
  u: Float32Array | null,
  uo: number,
  px: Float64Array,
  pxo: number,
  ph: Float64Array,
  pho: number,
  po: Float64Array,
  poo: number,
  x: Float64Array,
  xo: number,
  h: Float64Array,
  ho: number,
  o: Float64Array,
  oo: number,
) => void;

/**
 * Back-propagation through time over steps len−1 … 0 of network n, given its activations ax [T*I],
 * ah [T*H], ao [T*O] (own sizes, time-major) and the records' actions/targets (index t*P + n);
 * accumulates dL/dW into g (the member's compact layout, starting at 0).
 */
export type BackwardFn = (
  w: Float64Array,
  wo: number,
  g: Float64Array,
  ax: Float64Array,
  ah: Float64Array,
  ao: Float64Array,
  actions: Int32Array,
  targets: Float32Array,
  P: number,
  n: number,
  len: number,
) => void;

export interface CompiledMember {
  readonly step: StepFn;
  readonly backward: BackwardFn;
}

/** Members above this many weights use the loop kernel (huge functions would not be optimised by V8). */
export const MAX_UNROLLED_PARAMETERS = 1200;

const cache = new Map<string, CompiledMember | null>();

/** What generated code depends on: the sizes and the pathway flags. */
export function signature(arch: NinePathwayArch): string {
  return `${arch.inputs}:${arch.hidden}:${arch.outputs}:${arch.referenceIndex}`;
}

function offsetsOf(arch: NinePathwayArch): Partial<Record<Pathway, number>> {
  const off: Partial<Record<Pathway, number>> = {};
  let total = 0;
  for (const p of PATHWAYS) {
    if (!hasPathway(arch, p)) continue;
    off[p] = total;
    const [a, b] = pathwayShape(arch, p);
    total += a * b;
  }
  return off;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The generated code for `arch` (cached per signature), or null where code generation is not allowed (CSP). */
export function compileMember(arch: NinePathwayArch): CompiledMember | null {
  const key = signature(arch);
  let c = cache.get(key);
  if (c === undefined) {
    try {
      c = { step: compileStep(arch), backward: compileBackward(arch) };
    } catch (err) {
      if (err instanceof EvalError) c = null;
      else throw err;
    }
    cache.set(key, c);
  }
  return c;
}

/** Σ_a src_a · W[a, col] for pathway p, as an expression of locals `${src}${a}`. */
function columnSum(arch: NinePathwayArch, off: Partial<Record<Pathway, number>>, p: Pathway, src: string, col: number): string[] {
  const [A, B] = pathwayShape(arch, p);
  return range(A).map((a) => `${src}${a} * w[wo + ${off[p]! + a * B + col}]`);
}

/** Σ_b W[row, b] · d_b for pathway p (the transposed product of back-propagation). */
function rowSum(arch: NinePathwayArch, off: Partial<Record<Pathway, number>>, p: Pathway, d: string, row: number): string[] {
  const [, B] = pathwayShape(arch, p);
  return range(B).map((b) => `w[wo + ${off[p]! + row * B + b}] * ${d}${b}`);
}

function compileStep(arch: NinePathwayArch): StepFn {
  const { inputs: I, hidden: H, outputs: O } = arch;
  const off = offsetsOf(arch);
  const has = (p: Pathway): boolean => hasPathway(arch, p);
  const L: string[] = [];
  if (has('ii')) for (const a of range(I)) L.push(`const px${a} = px[pxo + ${a}];`);
  if (has('hh') || has('hi')) for (const a of range(H)) L.push(`const ph${a} = ph[pho + ${a}];`);
  if (has('oo') || has('oi') || has('oh')) for (const a of range(O)) L.push(`const po${a} = po[poo + ${a}];`);
  for (const j of range(I)) {
    const terms = [`s[so + ${j}]`];
    if (has('ii')) terms.push(...columnSum(arch, off, 'ii', 'px', j));
    if (has('oi')) terms.push(...columnSum(arch, off, 'oi', 'po', j));
    if (has('hi')) terms.push(...columnSum(arch, off, 'hi', 'ph', j));
    L.push(`const x${j} = ${terms.join(' + ')};`, `x[xo + ${j}] = x${j};`);
  }
  for (const j of range(H)) {
    const terms = columnSum(arch, off, 'ih', 'x', j);
    if (has('hh')) terms.push(...columnSum(arch, off, 'hh', 'ph', j));
    if (has('oh')) terms.push(...columnSum(arch, off, 'oh', 'po', j));
    L.push(`let h${j} = ${terms.join(' + ')};`, `if (!(h${j} > 0)) h${j} = 0;`, `h[ho + ${j}] = h${j};`);
  }
  for (const j of range(O)) {
    const terms = columnSum(arch, off, 'ho', 'h', j);
    if (has('io')) terms.push(...columnSum(arch, off, 'io', 'x', j));
    if (has('oo')) terms.push(...columnSum(arch, off, 'oo', 'po', j));
    L.push(`let z${j} = ${terms.join(' + ')};`);
  }
  L.push('if (u !== null) {', ...range(O).map((j) => `z${j} += u[uo + ${j}];`), '}');
  L.push('let m = z0;', ...range(O - 1).map((j) => `if (z${j + 1} > m) m = z${j + 1};`));
  L.push(...range(O).map((j) => `z${j} = Math.exp(z${j} - m);`));
  L.push(`const sum = ${range(O).map((j) => `z${j}`).join(' + ')};`);
  L.push(...range(O).map((j) => `o[oo + ${j}] = z${j} / sum;`));
  return new Function('w', 'wo', 's', 'so', 'u', 'uo', 'px', 'pxo', 'ph', 'pho', 'po', 'poo', 'x', 'xo', 'h', 'ho', 'o', 'oo', L.join('\n')) as StepFn;
}

function compileBackward(arch: NinePathwayArch): BackwardFn {
  const { inputs: I, hidden: H, outputs: O } = arch;
  const off = offsetsOf(arch);
  const has = (p: Pathway): boolean => hasPathway(arch, p);
  /** A parenthesised sum, so that the rounding is that of the loops (each transposed product summed apart). */
  const sum = (terms: string[]): string => (terms.length === 0 ? '0' : `(${terms.join(' + ')})`);
  const sums = (groups: string[][]): string => (groups.length === 0 ? '0' : groups.map(sum).join(' + '));
  /** g[W_p] += src ⊗ d. */
  const outer = (p: Pathway, src: string, d: string): string[] => {
    const [A, B] = pathwayShape(arch, p);
    const out: string[] = [];
    for (const a of range(A)) for (const b of range(B)) out.push(`g[${off[p]! + a * B + b}] += ${src}${a} * ${d}${b};`);
    return out;
  };
  const L: string[] = [];
  // what step t+1 sends back to the state of step t
  L.push(...range(I).map((a) => `let nx${a} = 0;`), ...range(H).map((a) => `let nh${a} = 0;`), ...range(O).map((a) => `let no${a} = 0;`));
  L.push('for (let t = len - 1; t >= 0; t--) {');
  L.push(`const xo = t * ${I}, ho = t * ${H}, oo = t * ${O}, e = t * P + n;`);
  L.push(...range(I).map((a) => `const x${a} = ax[xo + ${a}];`));
  L.push(...range(H).map((a) => `const h${a} = ah[ho + ${a}];`));
  L.push(...range(O).map((a) => `const o${a} = ao[oo + ${a}];`));
  L.push('const act = actions[e];', 'const err = 2 * (ao[oo + act] - targets[e]);');
  L.push(...range(O).map((k) => `const dO${k} = act === ${k} ? no${k} + err : no${k};`));
  L.push(`const dot = ${range(O).map((k) => `o${k} * dO${k}`).join(' + ')};`);
  L.push(...range(O).map((k) => `const dz${k} = o${k} * (dO${k} - dot);`));
  // into o: ho, io (oo goes to the previous step)
  L.push(...outer('ho', 'h', 'dz'));
  L.push(...range(H).map((a) => `const dh${a} = h${a} > 0 ? nh${a} + ${sum(rowSum(arch, off, 'ho', 'dz', a))} : 0;`));
  if (has('io')) L.push(...outer('io', 'x', 'dz'));
  L.push(...outer('ih', 'x', 'dh'));
  const needDx = has('ii') || has('oi') || has('hi');
  if (needDx) L.push(
    ...range(I).map((a) => {
      const io = has('io') ? ` + ${sum(rowSum(arch, off, 'io', 'dz', a))}` : '';
      return `const dx${a} = nx${a}${io} + ${sum(rowSum(arch, off, 'ih', 'dh', a))};`;
    }),
  );
  L.push('if (t === 0) break;');
  if (has('ii')) L.push(...range(I).map((a) => `const px${a} = ax[xo - ${I} + ${a}];`));
  if (has('hh') || has('hi')) L.push(...range(H).map((a) => `const ph${a} = ah[ho - ${H} + ${a}];`));
  if (has('oo') || has('oh') || has('oi')) L.push(...range(O).map((a) => `const po${a} = ao[oo - ${O} + ${a}];`));
  if (has('oo')) L.push(...outer('oo', 'po', 'dz'));
  if (has('hh')) L.push(...outer('hh', 'ph', 'dh'));
  if (has('oh')) L.push(...outer('oh', 'po', 'dh'));
  if (has('ii')) L.push(...outer('ii', 'px', 'dx'));
  if (has('oi')) L.push(...outer('oi', 'po', 'dx'));
  if (has('hi')) L.push(...outer('hi', 'ph', 'dx'));
  if (has('ii')) for (const a of range(I)) L.push(`nx${a} = ${sum(rowSum(arch, off, 'ii', 'dx', a))};`);
  for (const a of range(H)) {
    const groups: string[][] = [];
    if (has('hh')) groups.push(rowSum(arch, off, 'hh', 'dh', a));
    if (has('hi')) groups.push(rowSum(arch, off, 'hi', 'dx', a));
    L.push(`nh${a} = ${sums(groups)};`);
  }
  for (const a of range(O)) {
    const groups: string[][] = [];
    if (has('oo')) groups.push(rowSum(arch, off, 'oo', 'dz', a));
    if (has('oh')) groups.push(rowSum(arch, off, 'oh', 'dh', a));
    if (has('oi')) groups.push(rowSum(arch, off, 'oi', 'dx', a));
    L.push(`no${a} = ${sums(groups)};`);
  }
  L.push('}');
  return new Function('w', 'wo', 'g', 'ax', 'ah', 'ao', 'actions', 'targets', 'P', 'n', 'len', L.join('\n')) as BackwardFn;
}
