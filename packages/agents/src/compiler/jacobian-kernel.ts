import { PrnnError } from '@prnn/core';
import type { Architecture, ArchInfo } from '../sdk/architecture.js';
import { checkedShapes, stepSizes, type ArchitectureDefinition } from '../sdk/define-architecture.js';
import { JACOBIAN_OPERATION, isJacobianKernel, type JacobianKernel, type Kernel, type TrialInputs } from '../sdk/kernel.js';
import { ProgramJacobian } from './jacobian-emit.js';
import { UnsupportedStepError, lowerStep } from './lower.js';
import type { StepProgram } from './program.js';

/** The name of the Jacobian kernel derived from a family's lowered step (what `--jacobian compiled` selects). */
export const COMPILED_JACOBIAN = 'compiled';

/** Programs lowered for Jacobians, per definition and layout; null when the step does not lower. */
const lowered = new WeakMap<ArchitectureDefinition, Map<string, StepProgram | null>>();

/** The lowered step of `arch` at `channels`, or null when its step uses kernels the compiler does not know. */
export function jacobianProgram(def: ArchitectureDefinition, arch: ArchInfo, channels: number): StepProgram | null {
  const sizes = stepSizes(channels);
  const shapes = checkedShapes(def, arch, sizes);
  const layout = { arch, shapes, sizes, stateSize: def.stateSize(arch, sizes) };
  let byLayout = lowered.get(def);
  if (!byLayout) {
    byLayout = new Map();
    lowered.set(def, byLayout);
  }
  const key = JSON.stringify([arch, shapes, sizes, layout.stateSize]);
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
 * The `jacobian` kernel of a family defined by its step: exact float64 Jacobians from the step's lowered
 * program (compiler/jacobian-emit.ts). It does not apply (returns false, and the analysis differentiates the
 * step by autodiff) when the step uses tfjs kernels the compiler does not know.
 */
export function compiledJacobianKernel(def: ArchitectureDefinition): JacobianKernel {
  return {
    family: def.family,
    operation: JACOBIAN_OPERATION,
    name: COMPILED_JACOBIAN,
    description: `exact Jacobians ∂o_t/∂s_τ of ${def.family}'s lowered step by forward mode through time in float64 (emitted JavaScript)`,
    sensitivity(arch: ArchInfo, weights: Readonly<Record<string, Float32Array>>, trials: TrialInputs, s: Float64Array): boolean {
      const channels = trials.inputs / 4;
      if (!Number.isInteger(channels) || channels < 1) return false;
      const program = jacobianProgram(def, arch, channels);
      if (!program) return false;
      const jacobian = new ProgramJacobian(program, trials.steps);
      jacobian.setParameters(programParameters(def, arch, channels, weights));
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
