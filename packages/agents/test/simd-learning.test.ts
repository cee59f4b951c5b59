import { describe, expect, it } from 'vitest';
import { simdAvailable } from '../src/architectures/nine-pathway/wasm/simd-module.js';
import { trainDqn } from '../src/learners/dqn.js';
import { architecture, cpuBackend, kernels, members, smallConfig, track } from './training-helpers.js';

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

describe.runIf(simdAvailable())('learning on the wasm-simd path', () => {
  it('Track FC and FF after a short run: the same distribution of fitness as the fused path under the same seeds, not the same bits', async () => {
    await cpuBackend();
    const task = track();
    const config = smallConfig(task, { episodes: 2500, curvePoints: 2, testMazes: 150 });
    const seeds = [1, 2, 3, 4, 5, 6];
    const job = (path: string) =>
      trainDqn({ task, architecture, kernels, members: members([...seeds.map((s) => ['fc', s] as [string, number]), ...seeds.map((s) => ['ff', s] as [string, number])]), config, runSeed: 4, path });
    const [simd, fused] = [await job('wasm-simd'), await job('fused')];
    const fit = (r: Awaited<ReturnType<typeof job>>, arch: string) => r.networks.filter((n) => n.member.arch.name === arch).map((n) => n.fitness);
    const summary = ['fc', 'ff'].map((a) => ({ arch: a, simd: fit(simd, a), fused: fit(fused, a) }));
    console.log(JSON.stringify(summary.map((s) => ({ arch: s.arch, simd: [mean(s.simd), sd(s.simd)], fused: [mean(s.fused), sd(s.fused)] }))));
    expect(simd.networks[0].weights).not.toEqual(fused.networks[0].weights);
    for (const s of summary) {
      // Welch's t statistic of the two samples of 6: |t| < 3
      const se = Math.sqrt(sd(s.simd) ** 2 / s.simd.length + sd(s.fused) ** 2 / s.fused.length);
      expect(Math.abs(mean(s.simd) - mean(s.fused)), s.arch).toBeLessThan(Math.max(3 * se, 0.02));
    }
  });
});
