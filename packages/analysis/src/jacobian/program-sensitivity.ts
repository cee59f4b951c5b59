import { PrnnError } from '@prnn/core';
import { ProgramJacobian, jacobianNetwork, type ArchInfo, type ArchitectureDefinition, type JacobianEmbedding } from '@prnn/agents';
import type { RecordedTrials } from '../trials/recorded-trials.js';
import { allocateJacobians, allocateProfile, type SensitivityProfile, type TrialJacobians } from './sensitivity-profile.js';

/**
 * Exact Jacobians ∂o_t/∂s_τ of one network of a family defined by its step, in float64, from the step's lowered
 * program (what the family's `compiled` jacobian kernel computes; see the step compiler's jacobian-emit.ts), with
 * the full Jacobians when `full`; in the program of the wider member the architecture embeds into per `embed`
 * (`jacobianNetwork`: `auto` by default; the same bits either way). Null when the step uses tfjs kernels the
 * compiler does not know.
 */
export function programSensitivity(
  def: ArchitectureDefinition,
  arch: ArchInfo,
  weights: Readonly<Record<string, Float32Array>>,
  trials: RecordedTrials,
  options: { readonly full?: boolean; readonly embed?: JacobianEmbedding } = {},
): { profile: SensitivityProfile; jacobians?: TrialJacobians } | null {
  const channels = trials.inputs / 4;
  if (!Number.isInteger(channels) || channels < 1) throw new PrnnError(`trials must have 4·channels inputs per step (got ${trials.inputs})`);
  const network = jacobianNetwork(def, arch, channels, weights, { embed: options.embed, trialSteps: trials.count * trials.steps });
  if (!network) return null;
  const profile = allocateProfile(trials);
  const jacobians = options.full ? allocateJacobians(trials, network.program.outputs.length) : undefined;
  new ProgramJacobian(network.program, trials.steps).setParameters(network.parameters).run(trials, profile.s, jacobians?.j);
  return { profile, ...(jacobians ? { jacobians } : {}) };
}
