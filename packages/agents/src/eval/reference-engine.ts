import {
  referenceStep,
  zeroState,
  type NinePathwayArch,
  type NinePathwayState,
  type NinePathwayWeights,
} from '../architectures/nine-pathway/family.js';
import { POLICY_ACTIONS as ACTIONS } from '../onnx/policy-contract.js';
import type { QEngine } from './q-engine.js';

/**
 * A 9-pathway network run row by row with the family's plain `referenceStep` (double-precision
 * accumulation). It is the oracle the ONNX and tfjs engines are tested against — not a fast path: it
 * allocates per row and step.
 */
export class ReferenceEngine implements QEngine {
  readonly engine = 'reference';
  readonly obsSize: number;
  private states: NinePathwayState[] = [];

  constructor(
    readonly arch: NinePathwayArch,
    readonly weights: NinePathwayWeights,
  ) {
    this.obsSize = arch.inputs;
  }

  reset(batch: number): void {
    this.states = [];
    for (let i = 0; i < batch; i++) this.states.push(zeroState(this.arch));
  }

  step(obs: Float32Array, q: Float32Array): void {
    const I = this.obsSize;
    for (let i = 0; i < this.states.length; i++) {
      const next = referenceStep(this.arch, this.weights, this.states[i], obs.subarray(i * I, (i + 1) * I));
      this.states[i] = next;
      q.set(next.o, i * ACTIONS);
    }
  }
}
