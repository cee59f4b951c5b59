import { ARITY, OP, inputCount, opCount, type StepProgram } from './program.js';

/*
 * The linearisation of a step program, shared by the Jacobian's two emitters (JavaScript in jacobian-emit.ts,
 * WebAssembly SIMD in jacobian-wasm.ts): which references carry a tangent, and each needed op's tangent as a
 * sum of terms whose coefficients are expressions of the step's float64 values V (hoisted: constant over a step).
 *
 * Derivatives follow tfjs's gradient rules: max passes to a where a ≥ b, min where a ≤ b, relu where x > 0,
 * abs is sign(x) with −1 at 0; `stop` is differentiated as the identity (see jacobian-emit.ts).
 */

/** Which references depend on the flagged inputs through any op (const excluded). */
export function dependents(p: StepProgram, seed: (r: number) => boolean): Uint8Array {
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

/** The references that change from step to step (they depend on the state or the step's input). */
export function dynamicReferences(p: StepProgram): Uint8Array {
  const { isState, isObs } = tangentInputs(p);
  // noise inputs hold 0 (a Jacobian of the noiseless step), so they are static like the parameters
  return dependents(p, (r) => isState(r) || isObs(r));
}

/** One term of a tangent's sum: the tangent of reference `t`, negated, or scaled by a coefficient (an expression of V). */
export interface TangentTerm {
  readonly t: number;
  readonly neg?: true;
  readonly coef?: string;
}

/**
 * One tangent function, as both emitters (JavaScript here, WebAssembly in jacobian-wasm.ts) write it: the inputs
 * whose tangent is loaded, each needed op's tangent as a left-to-right sum of terms, and the reference (or null:
 * zero) of each output's and each next-state element's tangent.
 */
export interface TangentPlan {
  readonly inputs: readonly number[];
  readonly ops: readonly { readonly r: number; readonly terms: readonly TangentTerm[] }[];
  readonly outputs: readonly (number | null)[];
  readonly nextState: readonly (number | null)[];
}

/** The tangent of `p`'s step for the inputs `active(r)` says carry one (the state, or the step's input). */
export function tangentPlan(p: StepProgram, active: (r: number) => boolean): TangentPlan {
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
  const v = (r: number): string => `V[${r}]`;
  const inputs: number[] = [];
  for (let r = 0; r < base; r++) if (need[r]) inputs.push(r);
  const ops: { r: number; terms: TangentTerm[] }[] = [];
  for (let k = 0; k < n; k++) {
    const r = base + k;
    if (!need[r]) continue;
    const op = p.ops[4 * k];
    const [ra, rb, rc] = [p.ops[4 * k + 1], p.ops[4 * k + 2], p.ops[4 * k + 3]];
    const ta = act[ra] ? ra : -1;
    const tb = ARITY[op] > 1 && act[rb] ? rb : -1;
    const tc = ARITY[op] > 2 && act[rc] ? rc : -1;
    const terms: TangentTerm[] = [];
    const plain = (t: number): void => {
      if (t >= 0) terms.push({ t });
    };
    const neg = (t: number): void => {
      if (t >= 0) terms.push({ t, neg: true });
    };
    const scaled = (t: number, coef: string): void => {
      if (t >= 0) terms.push({ t, coef });
    };
    switch (op) {
      case OP.add:
        plain(ta);
        plain(tb);
        break;
      case OP.sub:
        plain(ta);
        neg(tb);
        break;
      case OP.mul:
        scaled(ta, v(rb));
        scaled(tb, v(ra));
        break;
      case OP.fma:
        plain(tc);
        scaled(ta, v(rb));
        scaled(tb, v(ra));
        break;
      case OP.div:
        scaled(ta, `1 / ${v(rb)}`);
        scaled(tb, `-${v(r)} / ${v(rb)}`);
        break;
      case OP.max:
        scaled(ta, `(${v(ra)} >= ${v(rb)} ? 1 : 0)`);
        scaled(tb, `(${v(ra)} >= ${v(rb)} ? 0 : 1)`);
        break;
      case OP.min:
        scaled(ta, `(${v(ra)} <= ${v(rb)} ? 1 : 0)`);
        scaled(tb, `(${v(ra)} <= ${v(rb)} ? 0 : 1)`);
        break;
      case OP.neg:
        neg(ta);
        break;
      case OP.stop:
        plain(ta);
        break;
      case OP.tanh:
        scaled(ta, `1 - ${v(r)} * ${v(r)}`);
        break;
      case OP.sigmoid:
        scaled(ta, `${v(r)} * (1 - ${v(r)})`);
        break;
      case OP.relu:
        scaled(ta, `(${v(ra)} > 0 ? 1 : 0)`);
        break;
      case OP.exp:
        scaled(ta, v(r));
        break;
      case OP.abs:
        scaled(ta, `(${v(ra)} > 0 ? 1 : -1)`);
        break;
      case OP.sqrt:
        scaled(ta, `0.5 / ${v(r)}`);
        break;
      case OP.log:
        scaled(ta, `1 / ${v(ra)}`);
        break;
      default:
        throw new Error(`step program op ${op} has no tangent`);
    }
    ops.push({ r, terms });
  }
  const ref = (r: number): number | null => (act[r] ? r : null);
  return { inputs, ops, outputs: Array.from(p.outputs, ref), nextState: Array.from(p.nextState, ref) };
}

/** Which inputs carry a tangent in `carry` (the state) and in `fresh` (the step's input). */
export function tangentInputs(p: StepProgram): { readonly isState: (r: number) => boolean; readonly isObs: (r: number) => boolean } {
  const { params: P, state: S, obs: I } = p.inputs;
  return { isState: (r) => r >= P && r < P + S, isObs: (r) => r >= P + S && r < P + S + I };
}

