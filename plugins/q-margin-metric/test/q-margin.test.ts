import { describe, expect, it } from 'vitest';
import type { RecordedTrials } from '@prnn/agents';
import { qMarginMetric } from '../src/index.js';

/** Two trials of up to 2 steps; trial 1 ended after one step (its second row must be ignored). */
function trials(outputValues: number[]): RecordedTrials {
  return {
    trials: 2, steps: 2, inputs: 1, outputs: 3, stateSize: 1, sensorNoise: 0, mazeSeed: 0,
    observations: new Float32Array(4), states: new Float32Array(4), outputValues: Float32Array.from(outputValues),
    actions: new Int32Array(4), positions: new Int32Array(6), lengths: Int32Array.from([2, 1]), fitness: new Float64Array(2),
  };
}

describe('q-margin', () => {
  it('averages best − second best over the steps that ran', async () => {
    // t=0: trial 0 [0.5, 0.25, 0.125] → 0.25; trial 1 [0, 1, 0.5] → 0.5; t=1: trial 0 [0.25, 0.25, 0] → 0; trial 1 ignored
    const r = trials([0.5, 0.25, 0.125, 0, 1, 0.5, 0.25, 0.25, 0, 9, 0, 0]);
    expect(await qMarginMetric.measure({ arch: { family: 'x', name: 'y', hidden: 1, parameters: 1 }, weights: {}, trials: async () => r })).toBe(0.75 / 3);
  });

  it('needs recorded trials', async () => {
    await expect(async () => qMarginMetric.measure({ arch: { family: 'x', name: 'y', hidden: 1, parameters: 1 }, weights: {} })).rejects.toThrow(/needs recorded test trials/);
  });
});

describe('conformance', () => {
  it('passes checkMetric', async () => {
    const { checkMetric } = await import('@prnn/agents/testing');
    const { initBackend } = await import('@prnn/agents');
    await initBackend('cpu');
    expect((await checkMetric(qMarginMetric)).problems).toEqual([]);
  });
});
