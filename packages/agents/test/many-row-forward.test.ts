import { Rng } from '@prnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { parseArch } from '../src/architectures/nine-pathway/family.js';
import { archInfo } from '../src/architectures/nine-pathway/arch-info.js';
import type { PopulationMember } from '../src/sdk/architecture.js';
import { CompiledPopulation } from '../src/compiler/compiled-population.js';

beforeAll(async () => {
  await initBackend('cpu');
});

// A greedy test runs the compiled forward over many rows per network (B = the test mazes, more rows than
// chunks). The oracle: each row run alone at batch 1 (the recorded-rollout path), step for step.
describe('the compiled forward over many rows (the greedy test)', () => {
  // fc, ff and hh+oh share fc's lanes (9 networks: 3 chunks, the last with 3 spare lanes); ff-large its own group
  const specs = ['fc', 'ff', 'hh+oh', 'fc', 'ff', 'fc', 'hh+oh', 'ff', 'fc'];
  const members: PopulationMember[] = specs.map((s, n) => ({ arch: archInfo(parseArch(s)), seed: 30 + n }));
  members.push({ arch: archInfo(parseArch('ff-large')), seed: 99 });
  const P = members.length;

  for (const withNoise of [true, false]) {
    it(`gives every row the bits of that row run alone (${withNoise ? 'with' : 'without'} tie noise)`, () => {
      const many = new CompiledPopulation(ninePathwayDefinition, members, 2);
      const one = new CompiledPopulation(ninePathwayDefinition, members, 2);
      try {
        expect(many.groupCount).toBe(2);
        const rng = Rng.derive(5, withNoise ? 1 : 2);
        for (let n = 0; n < P; n++) {
          const w = many.exportWeights(n);
          for (const k of Object.keys(w)) w[k] = w[k].map(() => (2 * rng.float() - 1) * 1.2);
          many.importWeights(n, w);
          one.importWeights(n, w);
        }
        const { inputs: I, outputs: O } = many;
        const B = 7;
        const T = 4;
        const obs = Array.from({ length: T }, () => Float32Array.from({ length: P * B * I }, () => 2 * rng.float() - 1));
        const noise = Array.from({ length: T }, () => (withNoise ? Float32Array.from({ length: P * B * O }, () => 0.01 * rng.float()) : null));
        const got = Array.from({ length: T }, () => new Float32Array(P * B * O));
        many.resetState(B);
        for (let t = 0; t < T; t++) many.forward(obs[t], noise[t], got[t], true);
        const o1 = new Float32Array(P * I);
        const u1 = new Float32Array(P * O);
        const q1 = new Float32Array(P * O);
        let mismatches = 0;
        for (let b = 0; b < B; b++) {
          one.resetState(1);
          for (let t = 0; t < T; t++) {
            for (let n = 0; n < P; n++) {
              o1.set(obs[t].subarray((n * B + b) * I, (n * B + b + 1) * I), n * I);
              if (withNoise) u1.set(noise[t]!.subarray((n * B + b) * O, (n * B + b + 1) * O), n * O);
            }
            one.forward(o1, withNoise ? u1 : null, q1, true);
            for (let n = 0; n < P; n++) {
              for (let k = 0; k < O; k++) if (!Object.is(got[t][(n * B + b) * O + k], q1[n * O + k])) mismatches++;
            }
          }
        }
        expect(mismatches).toBe(0);
        // the rows differ (a forward that wrote one row everywhere would fail above, unless the inputs were alike)
        expect(got[T - 1][0]).not.toBe(got[T - 1][O]);
      } finally {
        many.dispose();
        one.dispose();
      }
    });
  }
});
