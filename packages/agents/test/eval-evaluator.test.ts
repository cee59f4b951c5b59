import { describe, expect, test } from 'vitest';
import { generateMazeSet, resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import { initWeights, parseArch } from '../src/architectures/nine-pathway/family.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { evaluatePolicy, PolicyEvaluator } from '../src/eval/policy-evaluator.js';
import { ReferenceEngine } from '../src/eval/reference-engine.js';
import { evaluateSweepInWorkers, levelChunks } from '../src/eval/evaluate-in-workers.js';
import { TrainWorkerPool } from '../src/training/workers/train-in-workers.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';
import { constantPolicy, gradientFollower } from './onnx-test-models.js';

const track = resolveTaskOptions('track', {});
const general = resolveTaskOptions('general', { size: 7, steps: 12 });

describe('evaluatePolicy', () => {
  test('ONNX and the plain referenceStep engine give identical fitness (same noise streams, same tie draws)', async () => {
    for (const [spec, task] of [
      ['fc', track],
      ['hh+oh', track],
      ['ii+oo', general],
    ] as const) {
      const arch = parseArch(spec);
      const weights = initWeights(arch, Rng.derive(11, 1));
      const policy = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
      const evaluator = new PolicyEvaluator({ task, mazes: 40, noise: [0, 0.05, 0.3], mazeSeed: 3 });
      const a = await evaluator.evaluate(policy, 3);
      const b = await evaluator.evaluate(new ReferenceEngine(arch, weights), 3);
      expect(a.engine).toBe('onnx');
      expect(b.engine).toBe('reference');
      expect(a.fitness).toEqual(b.fitness);
      expect(a.robustness).toBe(b.robustness);
      // Re-using the evaluator (buffers, streams restarted) reproduces the first result exactly.
      expect((await evaluator.evaluate(policy, 3)).fitness).toEqual(a.fitness);
      await policy.release();
    }
  });

  test('an evaluator that served other networks first gives each the fresh evaluator\'s result (its mazes are copied once)', async () => {
    for (const task of [track, general]) {
      const networks = ['fc', 'hh+oh', 'ii+oo'].map((spec, k) => {
        const arch = parseArch(spec);
        return new ReferenceEngine(arch, initWeights(arch, Rng.derive(20 + k, 1)));
      });
      const options = { task, mazes: 30, noise: [0, 0.1, 0.4], mazeSeed: 5 };
      const shared = new PolicyEvaluator(options);
      for (const [k, engine] of networks.entries()) {
        const reused = await shared.evaluate(engine, 7 + k);
        const fresh = await new PolicyEvaluator(options).evaluate(engine, 7 + k);
        expect(reused.fitness).toEqual(fresh.fitness);
        expect(reused.robustness).toBe(fresh.robustness);
      }
    }
  });

  test('a level of a sweep equals that level evaluated alone; seeds matter', async () => {
    const arch = parseArch('fc');
    const weights = initWeights(arch, Rng.derive(4, 1));
    const policy = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
    const sweep = await evaluatePolicy(policy, { task: track, mazes: 60, noise: [0, 0.05, 0.1, 0.5], seed: 9 });
    const alone = await evaluatePolicy(policy, { task: track, mazes: 60, noise: [0.05], seed: 9 });
    expect(alone.fitness[0]).toBe(sweep.fitness[1]);
    expect(alone.robustness).toBeUndefined();
    expect(sweep.noise).toEqual([0, 0.05, 0.1, 0.5]);
    expect(sweep.mazes).toBe(60);
    const other = await evaluatePolicy(policy, { task: track, mazes: 60, noise: [0, 0.05, 0.1, 0.5], seed: 10 });
    expect(other.fitness).not.toEqual(sweep.fitness);
    await policy.release();
  });

  test('fitness follows docs/spec.md §1.5: a policy that always stays scores p(start)/2; robustness is the trapezoid area', async () => {
    const stay = await OnnxPolicy.load(constantPolicy(8, 4));
    const task = general;
    const set = generateMazeSet(task, { count: 30, seed: 77 });
    const r = await evaluatePolicy(stay, { task, mazes: set, noise: [0, 0.2, 0.5] });
    let sum = 0;
    let n = 0;
    for (let m = 0; m < set.count; m++) {
      const fs = set.fastestSolution[m];
      if (fs === task.steps - 1) continue; // undefined score
      sum += set.progress[m * set.cellCount + set.start[m]] / 2;
      n++;
    }
    for (const f of r.fitness) expect(f).toBeCloseTo(sum / n, 6);
    expect(r.robustness).toBeCloseTo(0.5 * (sum / n), 6);
    await stay.release();
  });

  test('a gradient follower on the Track maze: perfect without noise when there is no gap', async () => {
    const follower = await OnnxPolicy.load(gradientFollower(2));
    const noGap = resolveTaskOptions('track', { gap: 0 });
    const r = await evaluatePolicy(follower, { task: noGap, mazes: 20, noise: [0], seed: 1 });
    expect(r.fitness[0]).toBeCloseTo(1, 6);
    // With the gap it turns back beside it (docs/spec.md §1.2: why the task needs memory).
    const withGap = await evaluatePolicy(follower, { task: track, mazes: 20, noise: [0], seed: 1 });
    expect(withGap.fitness[0] as number).toBeLessThan(0.9);
    await follower.release();
  });

  test('the policy must fit the task', async () => {
    const policy = await OnnxPolicy.load(constantPolicy(12, 0));
    await expect(evaluatePolicy(policy, { task: track, mazes: 4 })).rejects.toThrow(
      /policy obs size must equal 4·C = 8 for the task's 2 channels \(got 12\)/,
    );
    await policy.release();
    expect(() => new PolicyEvaluator({ task: track, mazes: 0 })).toThrow(/mazes must be an integer in \[1, 1000000\] \(got 0\)/);
    expect(() => new PolicyEvaluator({ task: track, noise: [0.1, 0.05] })).toThrow(/strictly increasing/);
  });
});

describe('batching the noise sweep', () => {
  test('all levels × all mazes in one batch give every trial the same fitness as one level per batch', async () => {
    for (const [spec, task] of [
      ['fc', track],
      ['ii+hh+oi', general],
    ] as const) {
      const arch = parseArch(spec);
      const policy = await OnnxPolicy.load(buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(21, 1))));
      const set = generateMazeSet(task, { count: 50, seed: 8 });
      const noise = [0, 0.025, 0.05, 0.2, 0.5];
      const trials = async (levels: readonly number[]): Promise<Float64Array> => {
        let kept = new Float64Array(0);
        await new PolicyEvaluator({ task, mazes: set, noise: levels }).evaluate(policy, 4, { end: (_env, fitness) => (kept = Float64Array.from(fitness)) });
        return kept;
      };
      const batched = await trials(noise);
      expect(batched).toHaveLength(noise.length * 50);
      // the levels of a maze side by side: env m·L + level (envOf, mazeOf, levelOf)
      const layout = new PolicyEvaluator({ task, mazes: set, noise });
      expect([layout.envOf(0, 0), layout.envOf(4, 0), layout.envOf(0, 1), layout.envOf(2, 49)]).toEqual([0, 4, 5, 247]);
      expect([layout.mazeOf(247), layout.levelOf(247)]).toEqual([49, 2]);
      expect(() => layout.envOf(5, 0)).toThrow(/level must be an integer in \[0, 4\] \(got 5\)/);
      expect(() => layout.envOf(0, 50)).toThrow(/maze must be an integer in \[0, 49\] \(got 50\)/);
      for (let level = 0; level < noise.length; level++) {
        const alone = await trials([noise[level]]);
        const ofLevel = Array.from({ length: 50 }, (_, m) => batched[m * noise.length + level]);
        expect(ofLevel).toEqual(Array.from(alone));
      }
      // the trials are not all alike (the comparison can fail)
      expect(new Set(Array.from(batched).filter((v) => v === v)).size).toBeGreaterThan(3);
      await policy.release();
    }
  });
});

describe('the sweep on worker threads', () => {
  test('levels cut into one chunk per worker give exactly the one-thread sweep, robustness included', async () => {
    expect(levelChunks(21, 2)).toEqual([[0, 10], [10, 21]]);
    expect(levelChunks(2, 4)).toEqual([[0, 1], [1, 2]]);
    expect(levelChunks(5, 3)).toEqual([[0, 1], [1, 3], [3, 5]]);
    const arch = parseArch('hh+oh');
    const bytes = buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(6, 1)));
    const noise = [0, 0.05, 0.1, 0.3, 0.5];
    const policy = await OnnxPolicy.load(bytes);
    const alone = await new PolicyEvaluator({ task: general, mazes: 80, mazeSeed: 12, noise }).evaluate(policy, 7);
    await policy.release();
    const pool = new TrainWorkerPool(2);
    try {
      const shared = await evaluateSweepInWorkers(pool, { bytes, label: 'hh+oh', task: general, mazes: 80, mazeSeed: 12, noise, seed: 7, intraOpNumThreads: 1 });
      expect(shared.fitness).toEqual(alone.fitness);
      expect(shared.robustness).toBe(alone.robustness);
      expect(shared.noise).toEqual(noise);
      expect(new Set(alone.fitness).size).toBeGreaterThan(1);
    } finally {
      await pool.destroy();
    }
  }, 60_000);
});
