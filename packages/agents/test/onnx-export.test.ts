import { describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import {
  initWeights,
  paperArchitectures,
  parseArch,
  referenceStep,
  zeroState,
  type NinePathwayArch,
  type NinePathwayState,
} from '../src/architectures/nine-pathway/family.js';
import { buildNinePathwayOnnx, ninePathwayStateSize } from '../src/onnx/nine-pathway-onnx.js';
import { createNinePathwayArchitecture } from '../src/architectures/nine-pathway/architecture.js';
import { readOnnxGraph } from '../src/onnx/onnx-graph-reader.js';
import { readOnnxModelHeader } from '../src/onnx/onnx-metadata-reader.js';
import { META, ONNX_IR_VERSION, ONNX_OPSET, POLICY_CONTRACT } from '../src/onnx/policy-contract.js';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';

const ROWS = 3;
const STEPS = 6;

/** Observations of a recorded rollout: [STEPS][ROWS·I] in [0, 1], some exactly 0 like a gap. */
function recordedObservations(arch: NinePathwayArch, rng: Rng): Float32Array[] {
  const out: Float32Array[] = [];
  for (let t = 0; t < STEPS; t++) {
    const obs = new Float32Array(ROWS * arch.inputs);
    for (let j = 0; j < obs.length; j++) obs[j] = rng.float() < 0.3 ? 0 : rng.float();
    out.push(obs);
  }
  return out;
}

async function maxDifference(arch: NinePathwayArch, seed: number): Promise<{ q: number; state: number }> {
  const weights = initWeights(arch, Rng.derive(seed, 1));
  const policy = await OnnxPolicy.load(buildNinePathwayOnnx(arch, weights), { label: arch.name });
  try {
    expect(policy.stateSize).toBe(ninePathwayStateSize(arch));
    policy.reset(ROWS);
    const states: NinePathwayState[] = Array.from({ length: ROWS }, () => zeroState(arch));
    const q = new Float32Array(ROWS * 5);
    let dq = 0;
    let ds = 0;
    const S = policy.stateSize;
    for (const obs of recordedObservations(arch, Rng.derive(seed, 2))) {
      await policy.step(obs, q);
      const carried = policy.state;
      for (let r = 0; r < ROWS; r++) {
        const next = referenceStep(arch, weights, states[r], obs.subarray(r * arch.inputs, (r + 1) * arch.inputs));
        states[r] = next;
        for (let a = 0; a < 5; a++) dq = Math.max(dq, Math.abs(q[r * 5 + a] - next.o[a]));
        const ref = [...next.x, ...next.h, ...next.o];
        for (let k = 0; k < S; k++) ds = Math.max(ds, Math.abs(carried[r * S + k] - ref[k]));
      }
    }
    return { q: dq, state: ds };
  } finally {
    await policy.release();
  }
}

describe('9-pathway ONNX export', () => {
  test('all 128 architectures and ff-large match referenceStep over multi-step rollouts with carried state', async () => {
    const archs = paperArchitectures();
    expect(archs).toHaveLength(129);
    let worstQ = 0;
    let worstState = 0;
    for (const [k, arch] of archs.entries()) {
      const d = await maxDifference(arch, 100 + k);
      worstQ = Math.max(worstQ, d.q);
      worstState = Math.max(worstState, d.state);
      if (d.q > 1e-5 || d.state > 1e-5) throw new Error(`${arch.name}: max |Δq| = ${d.q}, max |Δstate| = ${d.state}`);
    }
    expect(worstQ).toBeLessThanOrEqual(1e-5);
    expect(worstState).toBeLessThanOrEqual(1e-5);
  });

  test('other hidden sizes and channel counts', async () => {
    for (const [spec, hidden, channels] of [
      ['fc', 3, 1],
      ['hh+oh', 16, 3],
      ['ii+oi+hi', 5, 2],
    ] as const) {
      const arch = parseArch(spec, { hidden, channels });
      const d = await maxDifference(arch, hidden * 10 + channels);
      expect(d.q).toBeLessThanOrEqual(1e-5);
      expect(d.state).toBeLessThanOrEqual(1e-5);
    }
  });

  test('the model carries the contract metadata, opset and IR version', () => {
    const arch = parseArch('hh+oh');
    const bytes = buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(5, 1)), { [META.seed]: '5' });
    const header = readOnnxModelHeader(bytes);
    expect(header.irVersion).toBe(ONNX_IR_VERSION);
    expect(header.opsetVersion).toBe(ONNX_OPSET);
    expect(header.opsetVersion).toBeGreaterThanOrEqual(17);
    expect(header.producerName).toBe('prnn');
    expect(header.metadata).toMatchObject({
      [META.contract]: POLICY_CONTRACT,
      [META.obsSize]: '8',
      [META.stateSize]: String(8 + 8 + 5),
      [META.architecture]: 'hh+oh',
      [META.referenceIndex]: String(arch.referenceIndex),
      [META.flags]: 'ii,hh,oo,io,oi,hi,oh=0100001',
      [META.hidden]: '8',
      [META.seed]: '5',
    });
  });

  test('the family exports through its traced step: exportOnnx resolves an ArchInfo and checks weights', async () => {
    const architecture = createNinePathwayArchitecture();
    const arch = parseArch('ff-large');
    const weights = initWeights(arch, Rng.derive(9, 1)) as Record<string, Float32Array>;
    const info = { family: 'nine-pathway', name: 'ff-large', hidden: 34, parameters: 442 };
    const bytes = architecture.exportOnnx!(info, weights, {}, 2);
    expect(readOnnxModelHeader(bytes).metadata[META.stateSize]).toBe(String(8 + 34 + 5));
    expect(() => architecture.exportOnnx!(info, { ih: weights.ih }, {}, 2)).toThrow(/weights\.ho must have 170 values \(got none\)/);
    expect(() => architecture.exportOnnx!({ ...info, family: 'other' }, weights, {}, 2)).toThrow(/belongs to family other, not nine-pathway/);
  });

  test('the traced graph: state read by one Split, state_out a Concat of [x, h, q], pathway ab in initializer param_ab', () => {
    const arch = parseArch('hh+oh');
    const g = readOnnxGraph(buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(5, 1))));
    const readers = g.nodes.filter((n) => n.inputs.includes('state'));
    expect(readers.map((n) => n.opType)).toEqual(['Split']);
    const concat = g.nodes.find((n) => n.outputs.includes('state_out'));
    expect(concat?.opType).toBe('Concat');
    expect(concat?.inputs[2]).toBe('q');
    expect(g.nodes.find((n) => n.outputs.includes('q'))?.opType).toBe('Softmax');
    expect([...g.initializers.keys()].filter((k) => k.startsWith('param_')).sort()).toEqual(['param_hh', 'param_ho', 'param_ih', 'param_oh']);
    expect(g.initializers.get('param_oh')?.dims).toEqual([5, 8]);
    // no leading network axis: nothing reshapes or unsqueezes
    expect(g.nodes.filter((n) => n.opType === 'Reshape' || n.opType === 'Unsqueeze')).toEqual([]);
    // ff reads no state at all
    const ff = parseArch('ff');
    expect(readOnnxGraph(buildNinePathwayOnnx(ff, initWeights(ff, Rng.derive(5, 1)))).nodes.some((n) => n.inputs.includes('state'))).toBe(false);
  });
});
