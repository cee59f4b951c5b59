import { PrnnError } from '@prnn/core';
import type { TrialInputs } from '../sdk/kernel.js';
import { programHash } from './compile.js';
import { OP, inputCount, opCount, type StepProgram } from './program.js';
import { dynamicReferences, tangentInputs, tangentPlan, type TangentPlan, type TangentTerm } from './tangent-plan.js';
import { wasmJacobianFor, type WasmJacobian } from './jacobian-wasm.js';

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
 * (Where the runtime has WebAssembly SIMD, `ProgramJacobian` runs the tangent work in the module jacobian-wasm.ts
 * emits from the same linearisation, tangent-plan.ts, with the same bits; these JavaScript functions are then its
 * oracle in the tests and its fallback.)
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
 * Source of one tangent function from its plan: `load(r)` is the expression of input r's tangent inside the
 * column loop; each coefficient is bound once before the loop.
 */
function tangentSource(p: StepProgram, plan: TangentPlan, load: (r: number) => string, fresh: boolean): string {
  const S = p.inputs.state;
  const O = p.outputs.length;
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
  const term = (x: TangentTerm): string => (x.coef !== undefined ? `${hoist(x.coef)} * t${x.t}` : x.neg ? `-t${x.t}` : `t${x.t}`);
  const body: string[] = [];
  for (const r of plan.inputs) body.push(`const t${r} = ${load(r)};`);
  for (const { r, terms } of plan.ops) body.push(`const t${r} = ${terms.map(term).join(' + ')};`);
  plan.outputs.forEach((r, a) => body.push(`J[jo + ${a}] = ${r === null ? '0' : `t${r}`};`));
  plan.nextState.forEach((r, i) => body.push(`X[xo + ${i}] = ${r === null ? '0' : `t${r}`};`));
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
  const { params: P, state: S } = p.inputs;
  const { isState, isObs } = tangentInputs(p);
  return {
    prepare: primalSource(p, dynamicReferences(p), false),
    primal: primalSource(p, dynamicReferences(p), true),
    carry: tangentSource(p, tangentPlan(p, isState), (r) => `X[xo + ${r - P}]`, false),
    fresh: tangentSource(p, tangentPlan(p, isObs), (r) => `(e === ${r - P - S} ? 1 : 0)`, true),
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

/** Where a ProgramJacobian does its tangent work: the emitted JavaScript, or WebAssembly SIMD (jacobian-wasm.ts). */
export type JacobianEngine = 'js' | 'wasm';

/**
 * Exact Jacobians ∂o_t/∂s_τ of one network whose step lowers to `program`, in float64 along recorded trials.
 * One instance holds all scratch for trials of `steps` steps; nothing is allocated per step or per trial.
 * The tangent work runs in WebAssembly SIMD (two columns per instruction) where the runtime has it and the
 * program fits V8's limits, else in the emitted JavaScript; both give the same bits (jacobian-wasm.ts).
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
  private readonly wasm: WasmJacobian | null;
  /** Which engine runs the tangents. */
  readonly engine: JacobianEngine;

  constructor(
    readonly program: StepProgram,
    readonly steps: number,
    options: { readonly engine?: JacobianEngine } = {},
  ) {
    if (!Number.isInteger(steps) || steps < 1) throw new PrnnError(`steps must be an integer ≥ 1 (got ${steps})`);
    if (options.engine !== undefined && options.engine !== 'js' && options.engine !== 'wasm') throw new PrnnError(`engine must be js or wasm (got ${JSON.stringify(options.engine)})`);
    this.code = compileJacobian(program);
    const { params: P, state: S, obs: I } = program.inputs;
    this.P = P;
    this.S = S;
    this.I = I;
    this.O = program.outputs.length;
    this.V = new Float64Array(inputCount(program.inputs) + opCount(program));
    this.wasm = options.engine === 'js' ? null : wasmJacobianFor(program, steps);
    if (options.engine === 'wasm' && !this.wasm) throw new PrnnError('engine wasm is not available for this program (no WebAssembly SIMD here, or the program is past its limits)');
    this.engine = this.wasm ? 'wasm' : 'js';
    this.X = new Float64Array(this.wasm ? 0 : steps * I * S);
    this.J = new Float64Array(this.wasm ? 0 : steps * I * this.O);
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
    const { I } = this;
    const T = this.steps;
    if (trials.inputs !== I) throw new PrnnError(`trials must have ${I} inputs per step for this network (got ${trials.inputs})`);
    if (trials.steps !== T) throw new PrnnError(`trials must have ${T} steps (got ${trials.steps})`);
    if (s.length !== trials.count * T * T) throw new PrnnError(`s must hold count·T·T = ${trials.count * T * T} values (got ${s.length})`);
    s.fill(0);
    const { V, X, next, P, S, O, wasm } = this;
    const { primal, carry, fresh } = this.code;
    const { obs, lengths, count } = trials;
    const ns = this.program.nextState;
    // WebAssembly: the instance is shared by this thread's networks of the program, so their parameters'
    // coefficients now; its output tangents are laid out in column pairs
    if (wasm) wasm.code.staticCoef(V, wasm.K);
    const J = wasm ? wasm.J : this.J;
    const pairs = wasm !== null;
    for (let n = 0; n < count; n++) {
      V.fill(0, P, P + S);
      const length = lengths[n];
      for (let t = 0; t < length; t++) {
        const ob = (n * T + t) * I;
        for (let j = 0; j < I; j++) V[P + S + j] = obs[ob + j];
        primal(V);
        const row = (n * T + t) * T;
        if (wasm) {
          wasm.code.stepCoef(V, wasm.K);
          wasm.step(t);
          for (let k = 0; k <= t; k++) s[row + k] = wasm.R[k];
        } else {
          carry(V, X, J, 0, t * I);
          fresh(V, X, J, t * I, (t + 1) * I);
          for (let tau = 0; tau <= t; tau++) {
            let sum = 0;
            for (let q = tau * I * O; q < (tau + 1) * I * O; q++) sum += J[q] * J[q];
            s[row + t - tau] = Math.sqrt(sum);
          }
        }
        if (jacobians) {
          for (let tau = 0; tau <= t; tau++) {
            const jb = (row + tau) * O * I;
            for (let e = 0; e < I; e++) {
              // column c = τ·I + e: at c·O (JavaScript), or in pair c >> 1, lane c & 1 (WebAssembly)
              const c = tau * I + e;
              const at = pairs ? 2 * O * (c >> 1) + (c & 1) : c * O;
              const stride = pairs ? 2 : 1;
              for (let a = 0; a < O; a++) jacobians[jb + a * I + e] = J[at + stride * a];
            }
          }
        }
        for (let i = 0; i < S; i++) next[i] = V[ns[i]];
        for (let i = 0; i < S; i++) V[P + i] = next[i];
      }
    }
  }
}
