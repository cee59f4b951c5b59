import { PrnnError } from '@prnn/core';
import { ProgramJacobian, jacobianProgram, programParameters, type ArchInfo, type ArchitectureDefinition } from '@prnn/agents';
import type { RecordedTrials } from '../trials/recorded-trials.js';
import { allocateJacobians, allocateProfile, type SensitivityProfile, type TrialJacobians } from './sensitivity-profile.js';

/**
 * Exact Jacobians ∂o_t/∂s_τ of one network of a family defined by its step, in float64, from the step's lowered
 * program (what the family's `compiled` jacobian kernel computes; see the step compiler's jacobian-emit.ts), with
 * the full Jacobians when `full`. Null when the step uses tfjs kernels the compiler does not know.
 */
export function programSensitivity(
  def: ArchitectureDefinition,
  arch: ArchInfo,
  weights: Readonly<Record<string, Float32Array>>,
  trials: RecordedTrials,
  options: { readonly full?: boolean } = {},
): { profile: SensitivityProfile; jacobians?: TrialJacobians } | null {
  const channels = trials.inputs / 4;
  if (!Number.isInteger(channels) || channels < 1) throw new PrnnError(`trials must have 4·channels inputs per step (got ${trials.inputs})`);
  const program = jacobianProgram(def, arch, channels);
  if (!program) return null;
  const profile = allocateProfile(trials);
  const jacobians = options.full ? allocateJacobians(trials, program.outputs.length) : undefined;
  new ProgramJacobian(program, trials.steps).setParameters(programParameters(def, arch, channels, weights)).run(trials, profile.s, jacobians?.j);
  return { profile, ...(jacobians ? { jacobians } : {}) };
}
