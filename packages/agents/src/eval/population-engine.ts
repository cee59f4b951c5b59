import { PrnnError } from '@prnn/core';
import type { ArchInfo, Architecture } from '../sdk/architecture.js';
import type { PopulationModel } from '../sdk/population-model.js';
import { POLICY_ACTIONS as ACTIONS } from '../onnx/policy-contract.js';
import type { QEngine } from './q-engine.js';

/**
 * One network run by its Architecture plugin's own population model (P = 1): for the 9-pathway family the
 * generic tfjs model (engine `tfjs`). The evaluator supplies observations and tie-breaking; the model only
 * computes q (no tie-breaking noise) and carries its recurrent state.
 */
export class PopulationEngine implements QEngine {
  readonly engine: string;
  readonly obsSize: number;
  private batch = 0;

  constructor(
    private readonly model: PopulationModel,
    engine = 'tfjs',
  ) {
    if (model.population !== 1) throw new PrnnError(`population must be 1 for evaluation (got ${model.population})`);
    if (model.outputs !== ACTIONS) throw new PrnnError(`outputs must be ${ACTIONS} (got ${model.outputs})`);
    this.engine = engine;
    this.obsSize = model.inputs;
  }

  /** Builds the architecture's model for one network and loads its trained weights. */
  static create(
    architecture: Architecture,
    arch: ArchInfo,
    weights: Record<string, Float32Array>,
    channels: number,
    opts: { seed?: number; engine?: string } = {},
  ): PopulationEngine {
    const model = architecture.createPopulation([{ arch, seed: opts.seed ?? 0 }], { channels });
    model.importWeights(0, weights);
    return new PopulationEngine(model, opts.engine ?? 'tfjs');
  }

  reset(batch: number): void {
    this.batch = batch;
    this.model.resetState(batch);
  }

  step(obs: Float32Array, q: Float32Array): void {
    if (this.batch === 0) throw new PrnnError('PopulationEngine.step called before reset(batch)');
    this.model.forward(obs, null, q, true);
  }

  /** Disposes the population model. */
  dispose(): void {
    this.model.dispose();
  }
}
