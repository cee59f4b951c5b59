// Compaction of an evaluation's batch to the trials still going (QEngine.compact, SessionPolicy, PolicyEvaluator):
// the kept rows' q against the same rows run from the start in a batch of their own (no compaction involved),
// stored and split-state graphs, prnn exports and a foreign policy; whole noise sweeps with and without it.
import { describe, expect, test } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import { initWeights, parseArch } from '../src/architectures/nine-pathway/family.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { PolicyEvaluator } from '../src/eval/policy-evaluator.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';
import { weightFedOnnxKernel } from '../src/onnx/weight-fed-onnx.js';
import { ninePathwayArchitecture } from '../src/builtins/nine-pathway.js';
import { WeightFedPolicy } from '../src/eval/weight-fed-policy.js';
import { elmanPolicy, ninePathwayNetwork as network } from './onnx-test-models.js';

/**
 * Runs `rows` rows for `steps` steps, compacting at the given steps to random subsets; the kept rows' q at every
 * step is compared with an oracle session run on only the rows that survive to the end, from the start.
 * Returns the number of q values that differ in any bit (and checks that the oracle saw the same rows).
 */
async function compactDifferences(bytes: Uint8Array, splitState: boolean, rows: number, steps: number, compactAt: readonly number[], seed: number): Promise<{ differences: number; compared: number; split: boolean }> {
  const rng = new Rng(seed);
  const engine = await OnnxPolicy.load(bytes, { splitState });
  const oracle = await OnnxPolicy.load(bytes, { splitState });
  try {
    const obsSize = engine.obsSize;
    // the rows that survive each compaction, decided up front: the final survivors are the oracle's batch
    let alive = Array.from({ length: rows }, (_, k) => k);
    const plan: number[][] = [];
    for (let c = 0; c < compactAt.length; c++) {
      alive = alive.filter(() => rng.float() < 0.6);
      if (alive.length === 0) alive = [rows - 1];
      plan.push(alive);
    }
    const survivors = plan.length > 0 ? plan[plan.length - 1] : alive;
    const inputs = Array.from({ length: steps }, () => Float32Array.from({ length: rows * obsSize }, () => rng.float()));
    engine.reset(rows);
    oracle.reset(survivors.length);
    let current = Array.from({ length: rows }, (_, k) => k);
    let differences = 0;
    let compared = 0;
    for (let t = 0; t < steps; t++) {
      const c = compactAt.indexOf(t);
      if (c >= 0) {
        const keep = Int32Array.from(plan[c].map((row) => current.indexOf(row)));
        engine.compact(keep, keep.length);
        current = plan[c];
      }
      const obs = new Float32Array(current.length * obsSize);
      current.forEach((row, k) => obs.set(inputs[t].subarray(row * obsSize, (row + 1) * obsSize), k * obsSize));
      const q = new Float32Array(current.length * 5);
      await engine.step(obs, q);
      const oracleObs = new Float32Array(survivors.length * obsSize);
      survivors.forEach((row, k) => oracleObs.set(inputs[t].subarray(row * obsSize, (row + 1) * obsSize), k * obsSize));
      const oracleQ = new Float32Array(survivors.length * 5);
      await oracle.step(oracleObs, oracleQ);
      survivors.forEach((row, k) => {
        const at = current.indexOf(row);
        for (let a = 0; a < 5; a++) {
          compared++;
          if (!Object.is(q[at * 5 + a], oracleQ[k * 5 + a])) differences++;
        }
      });
    }
    // reset restores the full batch: a fresh rollout equals a fresh engine's
    engine.reset(rows);
    const fresh = await OnnxPolicy.load(bytes, { splitState });
    fresh.reset(rows);
    const qa = new Float32Array(rows * 5);
    const qb = new Float32Array(rows * 5);
    for (let t = 0; t < 3; t++) {
      await engine.step(inputs[t], qa);
      await fresh.step(inputs[t], qb);
      for (let k = 0; k < qa.length; k++) if (!Object.is(qa[k], qb[k])) differences++;
    }
    await fresh.release();
    return { differences, compared, split: engine.splitState };
  } finally {
    await engine.release();
    await oracle.release();
  }
}

describe('compaction of the batch to the trials still going', () => {
  test('SessionPolicy.compact: kept rows give the bits of the same rows run alone from the start (prnn exports and a foreign policy, stored and split-state)', async () => {
    const task = resolveTaskOptions('track', {});
    const models: [string, Uint8Array][] = [
      ['fc', network(parseArch('fc', { channels: task.channels }), 3)],
      ['hh+oh', network(parseArch('hh+oh', { channels: task.channels }), 4)],
      ['ff-large', network(parseArch('ff-large', { channels: task.channels }), 5)],
      ['elman', elmanPolicy({ hidden: 7, seed: 6, state: 'h' })],
    ];
    for (const [name, bytes] of models) {
      for (const splitState of [false, true]) {
        const r = await compactDifferences(bytes, splitState, 203, 7, [2, 3, 5], name.length * 10 + Number(splitState));
        expect(r.compared, name).toBeGreaterThan(0);
        expect(r.differences, `${name} splitState ${splitState}`).toBe(0);
        // the prnn exports take the split-state path when asked; the foreign Elman policy (no slices) cannot
        expect(r.split, name).toBe(splitState && name !== 'elman');
      }
    }
  });

  test('compact refuses rows that are not strictly increasing or out of the batch, and counts beyond it', async () => {
    const policy = await OnnxPolicy.load(network(parseArch('fc', { channels: 2 }), 1), { splitState: true });
    try {
      expect(() => policy.compact(Int32Array.of(0), 1)).toThrow(/before reset/);
      policy.reset(4);
      expect(() => policy.compact(Int32Array.of(1, 1), 2)).toThrow(/strictly increasing row indices in \[0, 3\] \(rows\[1\] = 1\)/);
      expect(() => policy.compact(Int32Array.of(0, 4), 2)).toThrow(/rows\[1\] = 4/);
      expect(() => policy.compact(Int32Array.of(0, 1, 2, 3, 4), 5)).toThrow(/count must be an integer in \[1, 4\] \(got 5\)/);
      policy.compact(Int32Array.of(1, 3), 2);
      await expect(policy.step(new Float32Array(4 * 8), new Float32Array(4 * 5))).rejects.toThrow(/batch × 8 = 16 values \(got 32\)/);
    } finally {
      await policy.release();
    }
  });

  for (const kind of ['general', 'track'] as const) {
    test(`${kind}: noise sweeps with compaction (default, every step) equal the sweep without, robustness included`, async () => {
      const task = resolveTaskOptions(kind, {});
      const noise = [0, 0.1, 0.3, 0.5];
      const plain = new PolicyEvaluator({ task, mazes: 150, noise, mazeSeed: 3, compact: 0 });
      const byDefault = new PolicyEvaluator({ task, mazes: plain.set, noise });
      const everyStep = new PolicyEvaluator({ task, mazes: plain.set, noise, compact: 1e-9 });
      let compacted = 0;
      for (const [archName, seed] of [['fc', 1], ['ff', 2], ['oo+oi', 3]] as const) {
        const policy = await OnnxPolicy.load(network(parseArch(archName, { channels: task.channels }), seed), { splitState: true });
        let compactions = 0;
        const compact = policy.compact.bind(policy);
        policy.compact = (rows, count) => {
          compactions++;
          compact(rows, count);
        };
        try {
          const reference = await plain.evaluate(policy, seed);
          expect(compactions).toBe(0);
          const a = await byDefault.evaluate(policy, seed);
          const b = await everyStep.evaluate(policy, seed);
          compacted += compactions;
          for (const r of [a, b]) {
            expect(r.fitness).toEqual(reference.fitness);
            expect(r.robustness).toBe(reference.robustness);
          }
          // an observer of every step's q sees the whole batch: no compaction then
          compactions = 0;
          const seen = await everyStep.evaluate(policy, seed, { step: () => undefined });
          expect(compactions).toBe(0);
          expect(seen.fitness).toEqual(reference.fitness);
        } finally {
          await policy.release();
        }
      }
      // some trials ended early, so batches were compacted
      expect(compacted).toBeGreaterThan(0);
    });
  }

  test('the weight-fed session compacted at every step gives the sweep of the exported policy without compaction (General)', async () => {
    const task = resolveTaskOptions('general', {});
    const noise = [0, 0.2];
    const plain = new PolicyEvaluator({ task, mazes: 120, noise, mazeSeed: 5, compact: 0 });
    const everyStep = new PolicyEvaluator({ task, mazes: plain.set, noise, compact: 1e-9 });
    const arch = parseArch('hh+oo+io', { channels: task.channels });
    const info = { family: 'nine-pathway', name: arch.name, hidden: arch.hidden, parameters: 0, flags: arch.flags };
    const fed = await WeightFedPolicy.open(weightFedOnnxKernel(ninePathwayArchitecture).model(info, task.channels)!);
    let compactions = 0;
    const compact = fed.compact.bind(fed);
    fed.compact = (rows, count) => {
      compactions++;
      compact(rows, count);
    };
    try {
      for (const seed of [1, 2]) {
        const weights = initWeights(arch, Rng.derive(seed, 1)) as Record<string, Float32Array>;
        const exported = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights));
        try {
          fed.use(weights);
          const a = await plain.evaluate(exported, seed);
          const b = await everyStep.evaluate(fed, seed);
          expect(b.fitness).toEqual(a.fitness);
          expect(b.robustness).toBe(a.robustness);
        } finally {
          await exported.release();
        }
      }
      expect(compactions).toBeGreaterThan(0);
    } finally {
      await fed.release();
    }
  });
});
