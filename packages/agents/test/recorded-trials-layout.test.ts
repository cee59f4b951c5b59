import { resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { archInfo } from '../src/architectures/nine-pathway/arch-info.js';
import { initWeights, parseArch } from '../src/architectures/nine-pathway/family.js';
import { initBackend } from '../src/backend.js';
import { builtinPlugins } from '../src/builtins/index.js';
import { recordTrials } from '../src/metrics/record-trials.js';
import { createContainer } from '../src/sdk/container.js';
import { forEachRecordedStep, trialRow } from '../src/sdk/metric.js';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Row, column moves of the five actions (docs/spec.md §1.4: Left, Right, Up, Down, Stay). */
const MOVES = [[0, -1], [0, 1], [-1, 0], [1, 0], [0, 0]] as const;

describe('the trial record metric authors get (RecordedTrials), against its documented layout', () => {
  test('time-major rows t·N + i: the greedy action is the argmax of its row of outputs, positions follow the actions, rows past a trial are zero', async () => {
    const registry = createContainer(builtinPlugins());
    const arch = parseArch('hh+oh');
    const weights = initWeights(arch, new Rng(3)) as Record<string, Float32Array>;
    const network = registry.architecture('nine-pathway').network!(archInfo(arch), weights, 2);
    const task = resolveTaskOptions('track');
    const r = await recordTrials(network, { task, mazes: 24, mazeSeed: 11, sensorNoise: 0.05, seed: 0 });
    const N = r.trials;
    // the 9-pathway state holds the input, hidden and output layers: 8 + 8 + 5
    expect([N, r.steps, r.inputs, r.outputs, r.stateSize]).toEqual([24, 6, 8, 5, 21]);
    expect(r.observations.length).toBe(r.steps * N * r.inputs);
    expect(r.positions.length).toBe((r.steps + 1) * N);
    const size = task.size;
    let stepsSeen = 0;
    forEachRecordedStep(r, (t, i, row) => {
      stepsSeen++;
      expect(row).toBe(trialRow(r, t, i));
      const q = r.outputValues.subarray(row * r.outputs, (row + 1) * r.outputs);
      expect(q[r.actions[row]]).toBe(Math.max(...q));
      const before = r.positions[t * N + i];
      const after = r.positions[(t + 1) * N + i];
      const [dr, dc] = MOVES[r.actions[row]];
      const moved = before + dr * size + dc;
      // a move into a wall leaves the agent in place (the Track's only open row is the middle one)
      expect(after === moved || after === before).toBe(true);
      if (after === moved && moved !== before) expect(Math.floor(after / size)).toBe((size - 1) / 2);
    });
    expect(stepsSeen).toBe(r.lengths.reduce((a, b) => a + b, 0));
    for (let i = 0; i < N; i++) {
      expect(r.lengths[i]).toBeGreaterThanOrEqual(1);
      expect(r.lengths[i]).toBeLessThanOrEqual(r.steps);
      // steps that did not happen are zero rows
      for (let t = r.lengths[i]; t < r.steps; t++) {
        const row = trialRow(r, t, i);
        expect(r.outputValues.subarray(row * r.outputs, (row + 1) * r.outputs).every((v) => v === 0)).toBe(true);
      }
      // every trial's start is the centre of the track (docs/spec.md §1.2)
      expect(r.positions[i]).toBe(((size - 1) / 2) * size + (size - 1) / 2);
    }
  });
});
