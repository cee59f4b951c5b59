import { PrnnError } from '@prnn/core';
import type { Architecture, ArchInfo } from '../sdk/architecture.js';
import { checkedShapes, stepSizes, type ArchitectureDefinition } from '../sdk/define-architecture.js';
import { JACOBIAN_OPERATION, isJacobianKernel, type JacobianKernel, type Kernel, type TrialInputs } from '../sdk/kernel.js';
import { ProgramJacobian, isJacobianCompiled, type JacobianEngine } from './jacobian-emit.js';
import { UnsupportedStepError, lowerStep } from './lower.js';
import type { StepProgram } from './program.js';

/** The name of the Jacobian kernel derived from a family's lowered step (what `--jacobian compiled` selects). */
export const COMPILED_JACOBIAN = 'compiled';

/** Programs lowered for Jacobians, per definition and layout; null when the step does not lower. */
const lowered = new WeakMap<ArchitectureDefinition, Map<string, StepProgram | null>>();

function layoutOf(def: ArchitectureDefinition, arch: ArchInfo, channels: number) {
  const sizes = stepSizes(channels);
  const shapes = checkedShapes(def, arch, sizes);
  const layout = { arch, shapes, sizes, stateSize: def.stateSize(arch, sizes) };
  let byLayout = lowered.get(def);
  if (!byLayout) {
    byLayout = new Map();
    lowered.set(def, byLayout);
  }
  return { layout, byLayout, key: JSON.stringify([arch, shapes, sizes, layout.stateSize]) };
}

/** Whether `arch`'s Jacobian program at `channels` is lowered and compiled in this process already. */
function isCompiled(def: ArchitectureDefinition, arch: ArchInfo, channels: number): boolean {
  const { byLayout, key } = layoutOf(def, arch, channels);
  const program = byLayout.get(key);
  return program !== undefined && program !== null && isJacobianCompiled(program);
}

/** The lowered step of `arch` at `channels`, or null when its step uses kernels the compiler does not know. */
export function jacobianProgram(def: ArchitectureDefinition, arch: ArchInfo, channels: number): StepProgram | null {
  const { layout, byLayout, key } = layoutOf(def, arch, channels);
  let program = byLayout.get(key);
  if (program === undefined) {
    try {
      program = lowerStep(def, layout);
    } catch (e) {
      if (!(e instanceof UnsupportedStepError)) throw e;
      program = null;
    }
    byLayout.set(key, program);
  }
  return program;
}

/**
 * One network's parameters flattened in the order its lowered program reads them (the definition's parameters in
 * order, each row-major); a PrnnError naming a missing or mis-sized parameter.
 */
export function programParameters(def: ArchitectureDefinition, arch: ArchInfo, channels: number, weights: Readonly<Record<string, Float32Array>>): Float32Array {
  const shapes = checkedShapes(def, arch, stepSizes(channels));
  const flat = new Float32Array(Object.values(shapes).reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0));
  let at = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const w = weights[name];
    if (!w || w.length !== n) throw new PrnnError(`weights.${name} must have ${n} values for ${def.family}:${arch.name} (got ${w ? w.length : 'none'})`);
    flat.set(w, at);
    at += n;
  }
  return flat;
}

/**
 * Whether a network's Jacobians are computed in the program of the wider member its architecture embeds into
 * (`def.embed`): `always`, `never`, or `auto` (the default) — through the wider program until this process has
 * computed OWN_PROGRAM_AFTER trial steps of the architecture that way, then in its own program (see
 * docs/guides/analysis.md, "Jacobians through the embedding"). All three give the same bits.
 */
export type JacobianEmbedding = 'always' | 'never' | 'auto';

/**
 * Trial steps (trials × steps) of one architecture that `auto` computes through the wider member's program before
 * it compiles the architecture's own: 8 networks of 1 000 six-step trials. A sparse member pays the wider
 * program's arithmetic (ff in fc's: ≈ 4× its own steady-state time, ≈ 6 µs more per trial step at 8 hidden
 * units), and its own program costs a first call (≈ 0.15–0.5 s CPU); past this many trial steps the own program
 * is the cheaper one — the rule of renting until the rent paid equals the price. (Those figures are the
 * JavaScript engine's. With the tangents in WebAssembly SIMD the wider program costs ≈ 2 µs more per trial step
 * and a first call ≈ 0.15–0.3 s, which would put the break-even at ≈ 70 000–170 000 trial steps; the constant was
 * kept: both choices give the same bits, and they differ by a few CPU seconds in the paper's analysis.)
 */
export const OWN_PROGRAM_AFTER = 48_000;

/** Trial steps computed through the wider program, per definition and architecture layout (for `auto`). */
const embeddedWork = new WeakMap<ArchitectureDefinition, Map<string, number>>();

/** One network's Jacobian program and its parameters in that program's order (see `jacobianNetwork`). */
export interface JacobianNetwork {
  readonly program: StepProgram;
  readonly parameters: Float32Array;
  /** The member whose program it is: the network's own, or the wider member it embeds into. */
  readonly member: ArchInfo;
}

/**
 * The wider layout `arch` embeds into at `channels` (checked as the compiled population checks it), or undefined
 * when the family declares none for it.
 */
function embedding(def: ArchitectureDefinition, arch: ArchInfo, channels: number): { into: ArchInfo; zero: Readonly<Record<string, Uint8Array>> } | undefined {
  const sizes = stepSizes(channels);
  const e = def.embed?.(arch, sizes);
  if (!e) return undefined;
  const where = `${def.family}:${arch.name} embeds into ${e.into?.name}`;
  if (e.into?.family !== def.family) throw new PrnnError(`${where}: the wider member must be of family ${def.family}`);
  const own = checkedShapes(def, arch, sizes);
  const wide = checkedShapes(def, e.into, sizes);
  if (def.stateSize(arch, sizes) !== def.stateSize(e.into, sizes)) throw new PrnnError(`${where}: state sizes differ`);
  for (const [name, shape] of Object.entries(own)) {
    if (JSON.stringify(wide[name]) !== JSON.stringify(shape)) throw new PrnnError(`${where}: parameter ${name} must have the same shape in both`);
  }
  for (const [name, mask] of Object.entries(e.zero ?? {})) {
    if (!wide[name] || !(mask instanceof Uint8Array) || mask.length !== wide[name].reduce((a, b) => a * b, 1)) {
      throw new PrnnError(`${where}: zero.${name} must be a Uint8Array of the size of ${e.into.name}'s parameter ${name}`);
    }
  }
  return { into: e.into, zero: e.zero ?? {} };
}

/**
 * One network's Jacobian program and parameters: its own lowered program, or — per `embed` — the program of the
 * wider member it embeds into with its weights placed in that layout (parameters it lacks and entries `zero` marks
 * exactly 0). Zero weights add exact zeros to every float64 sum and tangent, so both give the same bits (up to
 * the sign of a zero). Null when the step does not lower.
 */
export function jacobianNetwork(
  def: ArchitectureDefinition,
  arch: ArchInfo,
  channels: number,
  weights: Readonly<Record<string, Float32Array>>,
  options: { readonly embed?: JacobianEmbedding; readonly trialSteps?: number } = {},
): JacobianNetwork | null {
  const mode = options.embed ?? 'auto';
  const e = mode === 'never' ? undefined : embedding(def, arch, channels);
  let wider = e !== undefined && layoutOf(def, e.into, channels).key !== layoutOf(def, arch, channels).key;
  if (wider && mode === 'auto') {
    const { key } = layoutOf(def, arch, channels);
    let work = embeddedWork.get(def);
    if (!work) {
      work = new Map();
      embeddedWork.set(def, work);
    }
    const done = (work.get(key) ?? 0) + (options.trialSteps ?? 0);
    wider = !isCompiled(def, arch, channels) && done <= OWN_PROGRAM_AFTER;
    if (wider) work.set(key, done);
  }
  if (e && wider) {
    const program = jacobianProgram(def, e.into, channels);
    if (program) {
      programParameters(def, arch, channels, weights); // every parameter of the member, of its size
      const own = checkedShapes(def, arch, stepSizes(channels));
      const flat = new Float32Array(program.inputs.params);
      let at = 0;
      for (const [name, shape] of Object.entries(checkedShapes(def, e.into, stepSizes(channels)))) {
        const n = shape.reduce((a, b) => a * b, 1);
        if (own[name]) {
          flat.set(weights[name], at);
          const mask = e.zero[name];
          if (mask) for (let k = 0; k < n; k++) if (mask[k]) flat[at + k] = 0;
        }
        at += n;
      }
      return { program, parameters: flat, member: e.into };
    }
  }
  const program = jacobianProgram(def, arch, channels);
  return program ? { program, parameters: programParameters(def, arch, channels, weights), member: arch } : null;
}

/**
 * The `jacobian` kernel of a family defined by its step: exact float64 Jacobians from the step's lowered
 * program (compiler/jacobian-emit.ts), through the embedding per `embed` (see `JacobianEmbedding`; `auto` by
 * default), its tangents on `engine` (default: WebAssembly SIMD where the runtime has it; the same bits). It does not apply (returns false, and the analysis differentiates the step by autodiff) when the
 * step uses tfjs kernels the compiler does not know.
 */
export function compiledJacobianKernel(def: ArchitectureDefinition, options: { readonly embed?: JacobianEmbedding; readonly engine?: JacobianEngine } = {}): JacobianKernel {
  return {
    family: def.family,
    operation: JACOBIAN_OPERATION,
    name: COMPILED_JACOBIAN,
    description: `exact Jacobians ∂o_t/∂s_τ of ${def.family}'s lowered step by forward mode through time in float64 (emitted WebAssembly SIMD, or JavaScript)`,
    sensitivity(arch: ArchInfo, weights: Readonly<Record<string, Float32Array>>, trials: TrialInputs, s: Float64Array): boolean {
      const channels = trials.inputs / 4;
      if (!Number.isInteger(channels) || channels < 1) return false;
      const network = jacobianNetwork(def, arch, channels, weights, { embed: options.embed, trialSteps: trials.count * trials.steps });
      if (!network) return false;
      const jacobian = new ProgramJacobian(network.program, trials.steps, { engine: options.engine });
      jacobian.setParameters(network.parameters);
      jacobian.run(trials, s);
      return true;
    },
  };
}

/**
 * The kernels of a family with its derived Jacobian: for a family defined by its step (`defineArchitecture`,
 * under the definition's own family name), the `compiled` jacobian kernel after the registered ones — the
 * default unless a plugin registers its own jacobian kernel for the family.
 */
export function withCompiledJacobian(architecture: Architecture | undefined, kernels: readonly Kernel[]): Kernel[] {
  const def = (architecture as { definition?: ArchitectureDefinition } | undefined)?.definition;
  if (!def || def.family !== architecture?.family) return [...kernels];
  if (kernels.some((k) => isJacobianKernel(k) && k.name === COMPILED_JACOBIAN)) return [...kernels];
  return [...kernels, compiledJacobianKernel(def)];
}
