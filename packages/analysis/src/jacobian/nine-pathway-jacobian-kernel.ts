import { JACOBIAN_OPERATION, NINE_PATHWAY_FAMILY, type JacobianKernel } from '@prnn/agents';
import { NinePathwayJacobian } from './nine-pathway-jacobian.js';

/**
 * The 9-pathway family's registered `jacobian` kernel: the fused forward-mode Jacobians of
 * NinePathwayJacobian (float64, typed arrays, nothing allocated per step), equal to autodiff of the family's step.
 */
export const ninePathwayJacobianKernel: JacobianKernel = {
  family: NINE_PATHWAY_FAMILY,
  operation: JACOBIAN_OPERATION,
  name: 'fused',
  description: 'exact Jacobians ∂o_t/∂s_τ by forward-mode differentiation through time in float64 typed arrays',
  sensitivity(arch, weights, trials, s) {
    const sizes = { inputs: trials.inputs, hidden: arch.hidden, outputs: 5 };
    new NinePathwayJacobian(weights, sizes, trials.steps).run(trials, { count: trials.count, steps: trials.steps, s, lengths: trials.lengths });
    return true;
  },
};
