import { PrnnError } from '@prnn/core';
import type { PopulationParameters } from '../sdk/population-model.js';

/** Adam's hyper-parameters: learning rate, β1, β2 and ε. */
export interface AdamSettings {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly adamEpsilon: number;
  /** Global gradient-norm clip per network. */
  readonly clip: number;
}

/** The optimiser's complete state, as named float32 arrays (for checkpoints). */
export interface OptimizerState {
  readonly iterations: number;
  readonly accBeta1: number;
  readonly accBeta2: number;
  /** First and second moments, aligned with the parameters (empty before the first step). */
  readonly m: readonly Float32Array[];
  readonly v: readonly Float32Array[];
}

/**
 * Per-network global-norm clipping plus one Adam step over a population's parameters ([P, …] each), in
 * typed arrays. Adam is elementwise, so one step over the stacked parameters is exactly P independent
 * optimisers as long as every network steps every episode; the clip is computed per network slice.
 */
export class PopulationOptimizer {
  private readonly norms: Float32Array;
  /** Per-network clip coefficients (reused every step). */
  private readonly coef: Float32Array;
  private m: Float32Array[] = [];
  private v: Float32Array[] = [];
  private iterations = 0;
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    private readonly parameters: PopulationParameters,
    private readonly population: number,
    private readonly settings: AdamSettings,
  ) {
    parameters.shapes.forEach((shape, i) => {
      if (shape[0] !== population) {
        throw new PrnnError(`parameter ${parameters.names[i]} must have the population (${population}) as leading dimension`);
      }
    });
    this.norms = new Float32Array(population);
    this.coef = new Float32Array(population);
    this.accBeta1 = Math.fround(settings.beta1);
    this.accBeta2 = Math.fround(settings.beta2);
  }

  private allFinite(): boolean {
    for (let n = 0; n < this.population; n++) if (!Number.isFinite(this.norms[n])) return false;
    return true;
  }

  /**
   * Clips each network's gradient to global norm `clip` (coefficient clip / (norm + 1e-6), at most 1, as
   * PyTorch's clip_grad_norm_) and applies one Adam step to the parameter values in place, then commits
   * them. Every operation is rounded to float32 in tfjs's order, so the result is bit-identical to
   * tf.train.adam on the cpu backend (tested). Returns the pre-clip norms (a view reused per call); when a
   * norm is not finite nothing is applied and the caller decides what to do.
   */
  step(gradients: readonly Float32Array[]): { norms: Float32Array; applied: boolean } {
    const values = this.parameters.values;
    if (gradients.length !== values.length) throw new PrnnError(`expected ${values.length} gradients (got ${gradients.length})`);
    const f = Math.fround;
    const P = this.population;
    const grads = gradients;
    const sq = this.norms;
    const fast = this.parameters.adam;
    if (fast?.gradientNorms !== undefined) fast.gradientNorms(grads, sq);
    else {
      // per-network squared norm: Σ over parameters (float32 adds) of Σ over the slice (double accumulation)
      sq.fill(0);
      for (const g of grads) {
        const per = g.length / P;
        for (let n = 0; n < P; n++) {
          let sum = 0;
          for (let j = n * per, end = j + per; j < end; j++) sum += f(g[j] * g[j]);
          sq[n] = f(sq[n] + f(sum));
        }
      }
      for (let n = 0; n < P; n++) sq[n] = f(Math.sqrt(sq[n]));
    }
    if (!this.allFinite()) return { norms: this.norms, applied: false };
    const coef = this.coef;
    const clip = f(this.settings.clip);
    const tiny = f(1e-6);
    for (let n = 0; n < P; n++) coef[n] = Math.min(1, f(clip / f(sq[n] + tiny)));

    const b1 = f(this.settings.beta1);
    const b2 = f(this.settings.beta2);
    const omb1 = f(1 - this.settings.beta1);
    const omb2 = f(1 - this.settings.beta2);
    const eps = f(this.settings.adamEpsilon);
    const negLr = f(-this.settings.lr);
    const omAcc1 = f(1 - this.accBeta1);
    const omAcc2 = f(1 - this.accBeta2);
    if (this.m.length === 0) this.allocateMoments();
    values.forEach((value, i) => {
      if (grads[i].length !== value.length) throw new PrnnError(`gradient ${i} has ${grads[i].length} values, expected ${value.length}`);
    });
    if (fast !== undefined) fast.step(grads, this.m, this.v, coef, { b1, b2, omb1, omb2, omAcc1, omAcc2, eps, negLr });
    else values.forEach((value, i) => {
      const g = grads[i];
      if (g.length !== value.length) throw new PrnnError(`gradient ${i} has ${g.length} values, expected ${value.length}`);
      const m = this.m[i];
      const v = this.v[i];
      const per = g.length / P;
      for (let n = 0; n < P; n++) {
        const c = coef[n];
        for (let j = n * per, end = j + per; j < end; j++) {
          const gj = f(g[j] * c);
          const mj = f(f(m[j] * b1) + f(gj * omb1));
          const vj = f(f(v[j] * b2) + f(f(gj * gj) * omb2));
          m[j] = mj;
          v[j] = vj;
          const mHat = f(mj / omAcc1);
          const vHat = f(vj / omAcc2);
          value[j] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps)) * negLr) + value[j]);
        }
      }
    });
    this.parameters.commit();
    this.accBeta1 = f(this.accBeta1 * b1);
    this.accBeta2 = f(this.accBeta2 * b2);
    this.iterations++;
    return { norms: this.norms, applied: true };
  }

  private allocateMoments(): void {
    const fast = this.parameters.adam;
    if (fast !== undefined) {
      const { m, v } = fast.allocateMoments();
      this.m = m;
      this.v = v;
    } else {
      this.m = this.parameters.values.map((x) => new Float32Array(x.length));
      this.v = this.parameters.values.map((x) => new Float32Array(x.length));
    }
  }

  /** A copy of the optimiser's state (step count, bias-correction products and moments) for a checkpoint. */
  getState(): OptimizerState {
    return {
      iterations: this.iterations,
      accBeta1: this.accBeta1,
      accBeta2: this.accBeta2,
      m: this.m.map((x) => Float32Array.from(x)),
      v: this.v.map((x) => Float32Array.from(x)),
    };
  }

  /**
   * Restores a state from {@link PopulationOptimizer.getState}; a PrnnError when its moments do not match the
   * parameters.
   */
  setState(state: OptimizerState): void {
    const values = this.parameters.values;
    if (state.m.length !== 0 && (state.m.length !== values.length || state.v.length !== values.length)) {
      throw new PrnnError(`checkpoint optimiser state has ${state.m.length} moments for ${values.length} parameters`);
    }
    state.m.forEach((data, i) => {
      if (data.length !== values[i].length || state.v[i].length !== values[i].length) {
        throw new PrnnError(`checkpoint optimiser moment ${i} has the wrong size`);
      }
    });
    if (state.m.length === 0) {
      this.m = [];
      this.v = [];
    } else {
      this.allocateMoments();
      state.m.forEach((x, i) => this.m[i].set(x));
      state.v.forEach((x, i) => this.v[i].set(x));
    }
    this.iterations = state.iterations;
    this.accBeta1 = state.accBeta1;
    this.accBeta2 = state.accBeta2;
  }
}
