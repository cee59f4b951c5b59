import type { Rng } from '@prnn/core';
import { expect } from 'vitest';
import type { PopulationMember } from '../src/sdk/architecture.js';
import type { ArchitectureDefinition } from '../src/sdk/define-architecture.js';
import { StepPopulation } from '../src/sdk/step-population.js';
import { allocateLike } from '../src/sdk/population-model.js';
import { CompiledPopulation } from '../src/compiler/compiled-population.js';
import type { StepEngine } from '../src/compiler/compile.js';
import { diffNorm, norm, randomRecords } from './learning-helpers.js';

/**
 * Random parameters (Uniform(−scale, scale)) in a generic and a compiled population of the same members;
 * the compiled forward (inference, batch 2, two steps) and VJP over a random episode must equal the generic
 * tfjs path's within float32 tolerance. `tapeBytes` 0: the backward recomputes every step's forward.
 */
export function expectSameVjp(def: ArchitectureDefinition, members: PopulationMember[], channels: number, engine: StepEngine, rng: Rng, scale: number, tapeBytes?: number): void {
  const generic = new StepPopulation(def, members, channels);
  const compiled = new CompiledPopulation(def, members, channels, engine, { tapeBytes });
  try {
    expect(compiled.engine).toBe(engine);
    expect(compiled.parameters.names).toEqual(generic.parameters.names);
    expect(compiled.parameters.shapes).toEqual(generic.parameters.shapes);
    generic.parameters.values.forEach((v, k) => expect(compiled.parameters.values[k]).toEqual(v));
    for (let n = 0; n < members.length; n++) {
      const w = generic.exportWeights(n);
      for (const p of Object.keys(w)) w[p] = w[p].map(() => (2 * rng.float() - 1) * scale);
      generic.importWeights(n, w);
      compiled.importWeights(n, w);
    }
    const P = members.length;
    const { inputs: I, outputs: O } = generic;
    // inference: batch 2, then batch 1 (the recorded rollout), steps with state, one without advancing
    for (const B of [2, 1]) {
      generic.resetState(B);
      compiled.resetState(B);
      for (let step = 0; step < 4; step++) {
        const obs = Float32Array.from({ length: P * B * I }, () => rng.float());
        const noise = step === 1 ? null : Float32Array.from({ length: P * B * O }, () => 0.01 * rng.float());
        const qg = new Float32Array(P * B * O);
        const qc = new Float32Array(P * B * O);
        generic.forward(obs, noise, qg, step !== 2);
        compiled.forward(obs, noise, qc, step !== 2);
        expect(diffNorm(qc, qg), `inference batch ${B} step ${step}`).toBeLessThan(2e-6 * Math.max(1, norm(qg)));
      }
    }
    // the VJP over an episode with lengths that differ per network
    const T = 7;
    const lengths = members.map((_, n) => 1 + ((n * 3 + 4) % T));
    const records = randomRecords(T, P, I, O, rng, lengths);
    const og = new Float32Array(T * P * O);
    const oc = new Float32Array(T * P * O);
    generic.vjp.forward(records, T, og);
    compiled.vjp.forward(records, T, oc);
    expect(diffNorm(oc, og)).toBeLessThan(2e-6 * Math.max(1, norm(og)));
    const cot = Float32Array.from({ length: T * P * O }, () => 2 * rng.float() - 1);
    for (let t = 0; t < T; t++) for (let n = 0; n < P; n++) if (t >= lengths[n]) cot.fill(0, (t * P + n) * O, (t * P + n + 1) * O);
    const gg = allocateLike(generic.parameters);
    const gc = allocateLike(compiled.parameters).map((g) => g.fill(7)); // overwritten
    generic.vjp.backward(cot, gg);
    compiled.vjp.backward(cot, gc);
    gg.forEach((g, k) => {
      expect(diffNorm(gc[k], g), `gradient of ${generic.parameters.names[k]}`).toBeLessThan(1e-5 * Math.max(1, norm(g)));
    });
    expect(() => compiled.vjp.backward(cot, gc)).toThrow(/needs a vjp.forward/);
  } finally {
    generic.dispose();
    compiled.dispose();
  }
}
