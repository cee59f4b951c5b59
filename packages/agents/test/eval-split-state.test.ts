// The split-state fast path of ONNX policies (splitStatePolicy + SessionPolicy splitState) against the model
// run as stored: the same bits of q and state on rollouts, the same noise-sweep results on real exported
// policies, and the stored graph kept where the rewrite does not apply.
import { describe, expect, test } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import { paperArchitectures, parseArch } from '../src/architectures/nine-pathway/family.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { PolicyEvaluator } from '../src/eval/policy-evaluator.js';
import { splitStatePolicy } from '../src/onnx/split-state-policy.js';
import { elmanPolicy, linearPolicy, ninePathwayNetwork as network } from './onnx-test-models.js';

/** Steps both engines over the same random observations; returns how many q and state values differ in any bit. */
async function rolloutDifferences(stored: OnnxPolicy, split: OnnxPolicy, rows: number, steps: number, seed: number): Promise<number> {
  const rng = new Rng(seed);
  const qa = new Float32Array(rows * 5);
  const qb = new Float32Array(rows * 5);
  stored.reset(rows);
  split.reset(rows);
  let differences = 0;
  for (let t = 0; t < steps; t++) {
    const obs = Float32Array.from({ length: rows * stored.obsSize }, () => rng.float());
    await stored.step(obs, qa);
    await split.step(obs, qb);
    for (let k = 0; k < qa.length; k++) if (!Object.is(qa[k], qb[k])) differences++;
    const sa = stored.state;
    const sb = split.state;
    expect(sb.length).toBe(sa.length);
    for (let k = 0; k < sa.length; k++) if (!Object.is(sa[k], sb[k])) differences++;
  }
  return differences;
}

describe('split-state rewrite of ONNX policies', () => {
  test('prnn exports: the Split of state and the Concat of state_out removed, same bits of q and state over a rollout (every 16th paper architecture and ff-large)', async () => {
    const archs = paperArchitectures().filter((_, i, all) => i % 16 === 0 || i === all.length - 1);
    for (const arch of archs) {
      const bytes = network(arch, arch.referenceIndex + 3);
      const S = arch.inputs + arch.hidden + arch.outputs;
      const model = splitStatePolicy(bytes, arch.inputs, S);
      expect(model, arch.name).not.toBeNull();
      // the pieces x, h and q; ff's x is obs itself, copied out by an Identity
      expect(model!.pieceOutputs).toHaveLength(3);
      expect(model!.pieceOutputs[2]).toBe('q');
      if (arch.referenceIndex === 0 && arch.name === 'ff') expect(model!.pieceOutputs[0]).toBe('obs_state_piece');
      const stored = await OnnxPolicy.load(bytes);
      const split = await OnnxPolicy.load(bytes, { splitState: true });
      try {
        expect(stored.splitState).toBe(false);
        expect(split.splitState, arch.name).toBe(true);
        expect(await rolloutDifferences(stored, split, 37, 8, arch.referenceIndex)).toBe(0);
      } finally {
        await stored.release();
        await split.release();
      }
    }
  });

  test('engines opened after another was released with its state full and compacted: same bits as the stored graph', async () => {
    const arch = parseArch('fc');
    const rows = 53;
    // the first engine leaves its pieces full of state (and compacted); nothing of it may reach the next ones
    const first = await OnnxPolicy.load(network(arch, 11), { splitState: true });
    expect(first.splitState).toBe(true);
    first.reset(rows);
    const rng = new Rng(5);
    const q = new Float32Array(rows * 5);
    for (let t = 0; t < 4; t++) await first.step(Float32Array.from({ length: rows * first.obsSize }, () => rng.float()), q);
    first.compact(Int32Array.from({ length: 20 }, (_, k) => 2 * k + 1), 20);
    await first.step(Float32Array.from({ length: 20 * first.obsSize }, () => rng.float()), q.subarray(0, 100));
    expect(first.state.some((v) => v !== 0)).toBe(true);
    await first.release();
    for (const seed of [12, 13]) {
      const bytes = network(arch, seed);
      const stored = await OnnxPolicy.load(bytes);
      const split = await OnnxPolicy.load(bytes, { splitState: true });
      try {
        expect(await rolloutDifferences(stored, split, rows, 6, seed)).toBe(0);
      } finally {
        await stored.release();
        await split.release();
      }
    }
  });

  test('networks of one architecture after the first (whose check is reused): same bits as the stored graph', async () => {
    const arch = parseArch('hh+oo+hi');
    for (const seed of [31, 32, 33]) {
      const bytes = network(arch, seed);
      const stored = await OnnxPolicy.load(bytes);
      const split = await OnnxPolicy.load(bytes, { splitState: true });
      try {
        expect(split.splitState).toBe(true);
        expect(await rolloutDifferences(stored, split, 19, 6, seed)).toBe(0);
      } finally {
        await stored.release();
        await split.release();
      }
    }
  });

  test('noise sweep of real exported policies (Track and General): identical fitness and robustness', async () => {
    for (const kind of ['track', 'general'] as const) {
      const task = resolveTaskOptions(kind, {});
      const evaluator = new PolicyEvaluator({ task, mazes: 40, noise: [0, 0.05, 0.3], mazeSeed: 11 });
      for (const spec of ['fc', 'hh+oh']) {
        const bytes = network(parseArch(spec), 5);
        const stored = await OnnxPolicy.load(bytes);
        const split = await OnnxPolicy.load(bytes, { splitState: true });
        try {
          expect(split.splitState).toBe(true);
          const a = await evaluator.evaluate(stored, 9);
          const b = await evaluator.evaluate(split, 9);
          expect(b.fitness).toEqual(a.fitness);
          expect(b.robustness).toEqual(a.robustness);
          expect(a.fitness.some((f) => f !== null)).toBe(true);
        } finally {
          await stored.release();
          await split.release();
        }
      }
    }
  });

  test('a foreign recurrent policy (Constant slice bounds, Concat on axis −1, state [h, q]) takes the fast path with the same bits', async () => {
    const bytes = elmanPolicy({ hidden: 6, seed: 77, state: 'h+q' });
    const stored = await OnnxPolicy.load(bytes);
    const split = await OnnxPolicy.load(bytes, { splitState: true });
    try {
      expect(split.splitState).toBe(true);
      expect(await rolloutDifferences(stored, split, 23, 7, 4)).toBe(0);
      const evaluator = new PolicyEvaluator({ task: resolveTaskOptions('track', {}), mazes: 30, noise: [0, 0.2], mazeSeed: 2 });
      expect((await evaluator.evaluate(split, 1)).fitness).toEqual((await evaluator.evaluate(stored, 1)).fitness);
    } finally {
      await stored.release();
      await split.release();
    }
  });

  test('where the rewrite does not apply, the model runs as stored', async () => {
    // stateless, state_out = Identity(state): no Concat to split
    const linear = linearPolicy(8, Float32Array.from({ length: 40 }, (_, k) => ((k * 7) % 11) / 11 - 0.5), new Float32Array(5));
    expect(splitStatePolicy(linear, 8, 1)).toBeNull();
    const policy = await OnnxPolicy.load(linear, { splitState: true });
    expect(policy.splitState).toBe(false);
    await policy.release();
    // a slice that does not cover one piece's columns (h⁻ [0, 7) of state [x 8, h 8, q 5]) cannot be fed from the pieces
    const arch = parseArch('hh');
    const bytes = network(arch, 2);
    const model = splitStatePolicy(bytes, 8, 21);
    expect(model).not.toBeNull();
    // only the read output of the Split (h⁻) becomes an input
    expect(model!.slices).toEqual([{ name: expect.any(String), start: 8, end: 16 }]);
    const hPrev = model!.slices[0];
    const [x, h] = model!.pieceOutputs;
    const { matchSplitStatePieces } = await import('../src/onnx/split-state-policy.js');
    expect(matchSplitStatePieces(model!, [8, 8, 5], 21)).toEqual([{ output: x }, { output: h, input: hPrev }, { output: 'q' }]);
    expect(matchSplitStatePieces(model!, [7, 9, 5], 21)).toBeNull();
    expect(matchSplitStatePieces(model!, [8, 8, 4], 21)).toBeNull();
  });
});
