import { PrnnError } from '@prnn/core';
import type { TrialInputs } from '../sdk/kernel.js';
import { programHash } from './compile.js';
import { ARITY, OP, inputCount, opCount, type StepProgram } from './program.js';

/*
 * Exact Jacobians ∂o_t/∂s_τ of any lowered step, in float64, by forward-mode differentiation through time
 * (docs/guides/analysis.md, "Jacobians derived from the step program").
 *
 * A step program is straight-line scalar code, so its linearisation is too. For one program this file emits,
 * once, JavaScript source for four functions and compiles them with `new Function` (cached by the program's
 * hash):
 *
 *   prepare(V)            the ops that read only parameters and constants (e.g. a low-rank W = U·Vᵀ), once per
 *                         network;
 *   primal(V)             the other ops, once per step: V holds every reference's float64 value;
 *   carry(V, X, J, c0, c1) the tangent of the step for columns c0 … c1−1 whose state tangent is X[c·S …] and
 *                         whose input tangent is zero (the directions of earlier inputs s_τ, τ < t);
 *   fresh(V, X, J, c0, c1) the same for the I new columns of s_t: zero state tangent, unit input tangent.
 *
 * Both tangent functions keep every tangent in a local variable inside one loop over columns (the step's
 * coefficients — weights, ReLU masks, softmax values — are read from V once per call, before the loop), write
 * the next state's tangent back to X[c·S …] and the outputs' to J[c·O …]. Forward mode carries I columns per
 * earlier step; reverse mode would carry O = 5 rows per output step instead — the same order of work for the
 * paper's I = 8, and forward mode needs no tape of earlier steps.
 *
 * Derivatives follow tfjs's gradient rules: max passes to a where a ≥ b, min where a ≤ b, relu where x > 0,
 * abs is sign(x) with −1 at 0. The `stop` op (the maximum softmax subtracts) is differentiated as the
 * identity here: softmax(z − m) does not depend on m, so any tangent of m gives the same (exact) Jacobian,
 * and the max's own tangent cancels the dominant output's, which keeps full relative precision when the
 * softmax saturates (dropping it would leave ∂o/∂z = o ⊙ (dz − o·dz) to cancel to rounding there).
 */

/** Version of the emitted Jacobian source: part of the cache key. */
export const JACOBIAN_EMITTER_VERSION = 1;

type TangentFn = (V: Float64Array, X: Float64Array, J: Float64Array, c0: number, c1: number) => void;
type PrimalFn = (V: Float64Array) => void;

/** The emitted source of one program's Jacobian (what `compileJacobian` compiles). */
export interface JacobianSource {
  readonly prepare: string;
  readonly primal: string;
  readonly carry: string;
  readonly fresh: string;
}

/** A program's compiled Jacobian functions (see the file comment). */
export interface CompiledJacobian {
  readonly source: JacobianSource;
  readonly prepare: PrimalFn;
  readonly primal: PrimalFn;
  readonly carry: TangentFn;
  readonly fresh: TangentFn;
}

/** A float64 literal that reads back exactly. */
function literal(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return `(${String(x)})`;
}

/** The float64 value of op k from its operands' values a, b, c. */
function primalExpr(op: number, a: string, b: string, c: string): string {
  switch (op) {
    case OP.add: return `${a} + ${b}`;
    case OP.sub: return `${a} - ${b}`;
    case OP.mul: return `${a} * ${b}`;
    case OP.div: return `${a} / ${b}`;
    case OP.max: return `Math.max(${a}, ${b})`;
    case OP.min: return `Math.min(${a}, ${b})`;
    case OP.fma: return `${c} + ${a} * ${b}`;
    case OP.neg: return `-${a}`;
    case OP.tanh: return `Math.tanh(${a})`;
    case OP.sigmoid: return `1 / (1 + Math.exp(-${a}))`;
    case OP.relu: return `(${a} > 0 ? ${a} : 0)`;
    case OP.exp: return `Math.exp(${a})`;
    case OP.abs: return `Math.abs(${a})`;
    case OP.sqrt: return `Math.sqrt(${a})`;
    case OP.stop: return a;
    case OP.log: return `Math.log(${a})`;
    default: throw new Error(`step program op ${op} has no float64 form`);
  }
}

/** Which references depend on the flagged inputs through any op (const excluded). */
function dependents(p: StepProgram, seed: (r: number) => boolean): Uint8Array {
  const base = inputCount(p.inputs);
  const n = opCount(p);
  const dep = new Uint8Array(base + n);
  for (let r = 0; r < base; r++) dep[r] = seed(r) ? 1 : 0;
  for (let k = 0; k < n; k++) {
    const op = p.ops[4 * k];
    if (op === OP.const) continue;
    for (let j = 0; j < ARITY[op]; j++) if (dep[p.ops[4 * k + 1 + j]]) dep[base + k] = 1;
  }
  return dep;
}

/** Source of prepare (static ops) or primal (dynamic ops): V[r] = value of op r. */
function primalSource(p: StepProgram, dynamic: Uint8Array, wantDynamic: boolean): string {
  const base = inputCount(p.inputs);
  const lines: string[] = ["'use strict';"];
  for (let k = 0; k < opCount(p); k++) {
    const r = base + k;
    if (Boolean(dynamic[r]) !== wantDynamic) continue;
    const op = p.ops[4 * k];
    if (op === OP.const) {
      lines.push(`V[${r}] = ${literal(p.constants[k])};`);
      continue;
    }
    const [a, b, c] = [1, 2, 3].map((j) => `V[${p.ops[4 * k + j]}]`);
    lines.push(`V[${r}] = ${primalExpr(op, a, b, c)};`);
  }
  return lines.join('\n');
}

/**
 * Source of one tangent function: `active(r)` says which inputs carry a tangent (the state, or the step's
 * input), `load(r)` is the expression of input r's tangent inside the column loop.
 */
function tangentSource(p: StepProgram, active: (r: number) => boolean, load: (r: number) => string, fresh: boolean): string {
  const S = p.inputs.state;
  const O = p.outputs.length;
  const base = inputCount(p.inputs);
  const n = opCount(p);
  const act = dependents(p, active);
  // references whose tangent some output or next-state element reads
  const need = new Uint8Array(base + n);
  for (const r of p.outputs) need[r] = act[r];
  for (const r of p.nextState) need[r] = act[r];
  for (let k = n - 1; k >= 0; k--) {
    if (!need[base + k]) continue;
    const op = p.ops[4 * k];
    for (let j = 0; j < ARITY[op]; j++) {
      const x = p.ops[4 * k + 1 + j];
      if (act[x]) need[x] = 1;
    }
  }
  const pre: string[] = ["'use strict';"];
  const coef = new Map<string, string>();
  /** A hoisted coefficient: its expression (of V, constant over the step) bound once before the loop. */
  const hoist = (expr: string): string => {
    let name = coef.get(expr);
    if (!name) {
      name = `k${coef.size}`;
      coef.set(expr, name);
      pre.push(`const ${name} = ${expr};`);
    }
    return name;
  };
  const v = (r: number): string => `V[${r}]`;
  const body: string[] = [];
  for (let r = 0; r < base; r++) if (need[r]) body.push(`const t${r} = ${load(r)};`);
  for (let k = 0; k < n; k++) {
    const r = base + k;
    if (!need[r]) continue;
    const op = p.ops[4 * k];
    const [ra, rb, rc] = [p.ops[4 * k + 1], p.ops[4 * k + 2], p.ops[4 * k + 3]];
    const ta = act[ra] ? `t${ra}` : null;
    const tb = ARITY[op] > 1 && act[rb] ? `t${rb}` : null;
    const tc = ARITY[op] > 2 && act[rc] ? `t${rc}` : null;
    const terms: string[] = [];
    const scaled = (t: string | null, k: string): void => {
      if (t) terms.push(`${k} * ${t}`);
    };
    switch (op) {
      case OP.add:
        if (ta) terms.push(ta);
        if (tb) terms.push(tb);
        break;
      case OP.sub:
        if (ta) terms.push(ta);
        if (tb) terms.push(`-${tb}`);
        break;
      case OP.mul:
        scaled(ta, hoist(v(rb)));
        scaled(tb, hoist(v(ra)));
        break;
      case OP.fma:
        if (tc) terms.push(tc);
        scaled(ta, hoist(v(rb)));
        scaled(tb, hoist(v(ra)));
        break;
      case OP.div:
        scaled(ta, hoist(`1 / ${v(rb)}`));
        scaled(tb, hoist(`-${v(r)} / ${v(rb)}`));
        break;
      case OP.max:
        scaled(ta, hoist(`(${v(ra)} >= ${v(rb)} ? 1 : 0)`));
        scaled(tb, hoist(`(${v(ra)} >= ${v(rb)} ? 0 : 1)`));
        break;
      case OP.min:
        scaled(ta, hoist(`(${v(ra)} <= ${v(rb)} ? 1 : 0)`));
        scaled(tb, hoist(`(${v(ra)} <= ${v(rb)} ? 0 : 1)`));
        break;
      case OP.neg:
        terms.push(`-${ta}`);
        break;
      case OP.stop:
        terms.push(ta!);
        break;
      case OP.tanh:
        scaled(ta, hoist(`1 - ${v(r)} * ${v(r)}`));
        break;
      case OP.sigmoid:
        scaled(ta, hoist(`${v(r)} * (1 - ${v(r)})`));
        break;
      case OP.relu:
        scaled(ta, hoist(`(${v(ra)} > 0 ? 1 : 0)`));
        break;
      case OP.exp:
        scaled(ta, hoist(v(r)));
        break;
      case OP.abs:
        scaled(ta, hoist(`(${v(ra)} > 0 ? 1 : -1)`));
        break;
      case OP.sqrt:
        scaled(ta, hoist(`0.5 / ${v(r)}`));
        break;
      case OP.log:
        scaled(ta, hoist(`1 / ${v(ra)}`));
        break;
      default:
        throw new Error(`step program op ${op} has no tangent`);
    }
    body.push(`const t${r} = ${terms.join(' + ')};`);
  }
  for (let a = 0; a < O; a++) body.push(`J[jo + ${a}] = ${act[p.outputs[a]] ? `t${p.outputs[a]}` : '0'};`);
  for (let i = 0; i < S; i++) body.push(`X[xo + ${i}] = ${act[p.nextState[i]] ? `t${p.nextState[i]}` : '0'};`);
  const loop = [
    'for (let c = c0; c < c1; c++) {',
    `const xo = c * ${S};`,
    `const jo = c * ${O};`,
    ...(fresh ? ['const e = c - c0;'] : []),
    ...body,
    '}',
  ];
  return [...pre, ...loop].join('\n');
}

/** The JavaScript source of `p`'s Jacobian functions (see the file comment). */
export function emitJacobianSource(p: StepProgram): JacobianSource {
  const { params: P, state: S, obs: I } = p.inputs;
  const isState = (r: number): boolean => r >= P && r < P + S;
  const isObs = (r: number): boolean => r >= P + S && r < P + S + I;
  // noise inputs hold 0 (a Jacobian of the noiseless step), so they are static like the parameters
  const dynamic = dependents(p, (r) => isState(r) || isObs(r));
  return {
    prepare: primalSource(p, dynamic, false),
    primal: primalSource(p, dynamic, true),
    carry: tangentSource(p, isState, (r) => `X[xo + ${r - P}]`, false),
    fresh: tangentSource(p, isObs, (r) => `(e === ${r - P - S} ? 1 : 0)`, true),
  };
}

const compiled = new Map<string, CompiledJacobian>();

/** Whether `p`'s Jacobian functions are compiled in this process already (`compileJacobian` returns them at once). */
export function isJacobianCompiled(p: StepProgram): boolean {
  return compiled.has(`${JACOBIAN_EMITTER_VERSION}/${programHash(p)}`);
}

/** `p`'s Jacobian functions: emitted and compiled once per program (cached by its hash), then shared. */
export function compileJacobian(p: StepProgram): CompiledJacobian {
  const key = `${JACOBIAN_EMITTER_VERSION}/${programHash(p)}`;
  const seen = compiled.get(key);
  if (seen) return seen;
  const source = emitJacobianSource(p);
  const made: CompiledJacobian = {
    source,
    prepare: new Function('V', source.prepare) as PrimalFn,
    primal: new Function('V', source.primal) as PrimalFn,
    carry: new Function('V', 'X', 'J', 'c0', 'c1', source.carry) as TangentFn,
    fresh: new Function('V', 'X', 'J', 'c0', 'c1', source.fresh) as TangentFn,
  };
  compiled.set(key, made);
  return made;
}

/**
 * Exact Jacobians ∂o_t/∂s_τ of one network whose step lowers to `program`, in float64 along recorded trials.
 * One instance holds all scratch for trials of `steps` steps; nothing is allocated per step or per trial.
 */
export class ProgramJacobian {
  private readonly code: CompiledJacobian;
  private readonly V: Float64Array;
  private readonly X: Float64Array;
  private readonly J: Float64Array;
  private readonly next: Float64Array;
  private readonly P: number;
  private readonly S: number;
  private readonly I: number;
  private readonly O: number;

  constructor(
    readonly program: StepProgram,
    readonly steps: number,
  ) {
    if (!Number.isInteger(steps) || steps < 1) throw new PrnnError(`steps must be an integer ≥ 1 (got ${steps})`);
    this.code = compileJacobian(program);
    const { params: P, state: S, obs: I } = program.inputs;
    this.P = P;
    this.S = S;
    this.I = I;
    this.O = program.outputs.length;
    this.V = new Float64Array(inputCount(program.inputs) + opCount(program));
    this.X = new Float64Array(steps * I * S);
    this.J = new Float64Array(steps * I * this.O);
    this.next = new Float64Array(S);
  }

  /** The network's parameters, flattened in the program's order (each parameter row-major); runs the static ops. */
  setParameters(values: ArrayLike<number>): this {
    if (values.length !== this.P) throw new PrnnError(`parameters must hold ${this.P} values for this program (got ${values.length})`);
    for (let k = 0; k < this.P; k++) this.V[k] = values[k];
    this.code.prepare(this.V);
    return this;
  }

  /**
   * Fills s[(n·T + t)·T + (t − τ)] = ‖∂o_t/∂s_τ‖_F for τ ≤ t < lengths[n] (zero elsewhere) and, when given,
   * jacobians[(((n·T + t)·T + τ)·O + a)·I + e] = ∂o_t[a]/∂s_τ[e].
   */
  run(trials: TrialInputs, s: Float64Array, jacobians?: Float64Array): void {
    const { V, X, J, next, P, S, I, O } = this;
    const T = this.steps;
    const { primal, carry, fresh } = this.code;
    if (trials.inputs !== I) throw new PrnnError(`trials must have ${I} inputs per step for this network (got ${trials.inputs})`);
    if (trials.steps !== T) throw new PrnnError(`trials must have ${T} steps (got ${trials.steps})`);
    if (s.length !== trials.count * T * T) throw new PrnnError(`s must hold count·T·T = ${trials.count * T * T} values (got ${s.length})`);
    const { obs, lengths, count } = trials;
    const ns = this.program.nextState;
    s.fill(0);
    for (let n = 0; n < count; n++) {
      V.fill(0, P, P + S);
      const length = lengths[n];
      for (let t = 0; t < length; t++) {
        const ob = (n * T + t) * I;
        for (let j = 0; j < I; j++) V[P + S + j] = obs[ob + j];
        primal(V);
        carry(V, X, J, 0, t * I);
        fresh(V, X, J, t * I, (t + 1) * I);
        const row = (n * T + t) * T;
        for (let tau = 0; tau <= t; tau++) {
          let sum = 0;
          for (let q = tau * I * O; q < (tau + 1) * I * O; q++) sum += J[q] * J[q];
          s[row + t - tau] = Math.sqrt(sum);
          if (jacobians) {
            const jb = (row + tau) * O * I;
            for (let e = 0; e < I; e++) for (let a = 0; a < O; a++) jacobians[jb + a * I + e] = J[(tau * I + e) * O + a];
          }
        }
        for (let i = 0; i < S; i++) next[i] = V[ns[i]];
        for (let i = 0; i < S; i++) V[P + i] = next[i];
      }
    }
  }
}
