import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtinPlugins } from '../src/builtins/index.js';
import { createContainer } from '../src/sdk/container.js';
import { evaluateRun } from '../src/eval/evaluate-run.js';
import { MEASURES_FILE, measureRun } from '../src/metrics/measure-run.js';
import type { Metric, RecordedTrials } from '../src/sdk/metric.js';
import type { NetworkStep } from '../src/sdk/architecture.js';
import { FIXTURE_TEST_MAZES, trainTinyRun } from './onnx-run-fixture.js';

const registry = createContainer(builtinPlugins());
const architecture = (f: string) => registry.architecture(f);
let dir: string;
let run: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prnn-measure-'));
  run = join(dir, 'run');
  await trainTinyRun(run);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * S(t, k) = ‖∂o_t/∂s_{t+k}‖_F for one recorded trial (docs/spec.md §4), by replaying the trial through the step from
 * the zero state with s_{t+k} as the variable: the example a sensitivity/memory measure builds on.
 */
function sensitivity(network: NetworkStep, r: RecordedTrials, trial: number, t: number, k: number): number {
  return tf.tidy(() => {
    const obsAt = (u: number) => tf.tensor2d(r.observations.subarray((u * r.trials + trial) * r.inputs, (u * r.trials + trial + 1) * r.inputs), [1, r.inputs]);
    const rows: tf.Tensor[] = [];
    for (let unit = 0; unit < r.outputs; unit++) {
      const f = (x: tf.Tensor) => {
        let state = network.initialState(1);
        let out: tf.Tensor2D | null = null;
        for (let u = 0; u <= t; u++) {
          const step = network.step(state, u === t + k ? (x as tf.Tensor2D) : obsAt(u), null);
          state = step.state;
          out = step.output;
        }
        return tf.sum(tf.slice(out!, [0, unit], [1, 1]));
      };
      rows.push(tf.grad(f)(obsAt(t + k)));
    }
    return tf.norm(tf.concat(rows, 0)).dataSync()[0];
  });
}

describe('measureRun', () => {
  test('trials are the evaluated ones; the step replays them; Jacobians through time come from autodiff', async () => {
    let captured: { trials: RecordedTrials; network: NetworkStep; weights: Record<string, Float32Array> } | undefined;
    const probe: Metric = {
      name: 'probe',
      description: 'records what it gets',
      async measure(input) {
        const trials = await input.trials!();
        expect(await input.trials!()).toBe(trials); // recorded once
        if (input.run!.id === 'hh+oh_seed0') captured = { trials, network: input.network!, weights: input.weights as Record<string, Float32Array> };
        let sum = 0;
        let n = 0;
        for (let i = 0; i < trials.trials; i++) if (!Number.isNaN(trials.fitness[i])) {
          sum += trials.fitness[i];
          n++;
        }
        // the step of the recorded trial: its outputs again from the recorded observations (checked below)
        return { fitness: sum / n, stored: input.run!.fitness ?? Number.NaN };
      },
    };
    const result = await measureRun(run, { metrics: [probe, registry.metric('parameters')], architecture, write: false });
    const evaluated = await evaluateRun(run, { architecture, engine: 'tfjs', mazes: FIXTURE_TEST_MAZES, noise: [0.05], write: false });
    result.networks.forEach((n, k) => {
      const v = n.values.probe as Record<string, number>;
      expect(v.fitness).toBeCloseTo(evaluated.networks[k].fitness[0]!, 10);
      expect(v.fitness).toBeCloseTo(v.stored, 10);
    });
    expect(result.networks.map((n) => n.values.parameters)).toEqual([441, 441, 104 + 64 + 40]);

    // replaying trial 0 through a fresh step reproduces the recorded outputs and states
    const { trials: r, weights } = captured!;
    const network = registry.architecture('nine-pathway').network!(registry.resolveArch('hh+oh', { channels: 2, hidden: 8 }), weights, 2);
    try {
      let state = network.initialState(1);
      for (let t = 0; t < r.lengths[0]; t++) {
        const obs = tf.tensor2d(r.observations.subarray(t * r.trials * r.inputs, (t * r.trials + 1) * r.inputs), [1, r.inputs]);
        const out = network.step(state, obs, null);
        const q = out.output.dataSync();
        for (let j = 0; j < 5; j++) expect(q[j]).toBeCloseTo(r.outputValues[t * r.trials * 5 + j], 5);
        state = out.state;
      }
      expect(r.positions[0]).not.toBe(r.positions[r.lengths[0] * r.trials]);

      // S(t, 0) and S(t, −1) against central differences of the replay
      const t = Math.min(3, r.lengths[0] - 1);
      expect(t).toBeGreaterThanOrEqual(1);
      for (const k of [0, -1]) {
        const s = sensitivity(network, r, 0, t, k);
        const fd = tf.tidy(() => {
          const rowsFd: number[] = [];
          const base = Float32Array.from(r.observations.subarray(((t + k) * r.trials) * r.inputs, ((t + k) * r.trials + 1) * r.inputs));
          const outAt = (x: Float32Array) => {
            let state2 = network.initialState(1);
            let out: tf.Tensor2D | null = null;
            for (let u = 0; u <= t; u++) {
              const o = u === t + k ? x : r.observations.subarray(u * r.trials * r.inputs, (u * r.trials + 1) * r.inputs);
              const step = network.step(state2, tf.tensor2d(o, [1, r.inputs]), null);
              state2 = step.state;
              out = step.output;
            }
            return out!.dataSync();
          };
          for (let j = 0; j < r.inputs; j++) {
            const up = base.slice();
            const down = base.slice();
            up[j] += 1e-2;
            down[j] -= 1e-2;
            const a = outAt(up);
            const b = outAt(down);
            for (let unit = 0; unit < 5; unit++) rowsFd.push((a[unit] - b[unit]) / 2e-2);
          }
          return Math.sqrt(rowsFd.reduce((acc, x) => acc + x * x, 0));
        });
        expect(s).toBeGreaterThan(0);
        expect(s).toBeCloseTo(fd, 3);
      }
    } finally {
      network.dispose();
    }
  });

  test('values are merged into measures.json; a metric that throws names itself and the network and writes nothing', async () => {
    const first = await measureRun(run, { metrics: [registry.metric('weight-norms')], architecture });
    expect(first.file).toBe(join(run, MEASURES_FILE));
    await measureRun(run, { metrics: [registry.metric('activity')], architecture, select: { arch: 'fc' } });
    const file = JSON.parse(readFileSync(join(run, MEASURES_FILE), 'utf8'));
    expect(Object.keys(file.networks[0].values).sort()).toEqual(['activity', 'weight-norms']);
    expect(Object.keys(file.networks[2].values)).toEqual(['weight-norms']);
    expect(file.networks[2].values['weight-norms']).toMatchObject({ ii: 0, oo: 0 });
    expect(file.networks[0].values.activity).toBeGreaterThan(0);

    const before = readFileSync(join(run, MEASURES_FILE), 'utf8');
    const broken: Metric = {
      name: 'broken',
      description: 'fails on the second network',
      measure: (input) => {
        if (input.run!.id === 'fc_seed1') throw new Error('division by zero');
        return 1;
      },
    };
    await expect(measureRun(run, { metrics: [broken], architecture })).rejects.toThrow(/^metric broken failed on network fc_seed1: division by zero$/);
    const odd: Metric = { name: 'odd', description: 'not a number', measure: () => 'high' as never };
    await expect(measureRun(run, { metrics: [odd], architecture })).rejects.toThrow(/metric odd returned "high" for network fc_seed0: expected a number or an object of numbers/);
    expect(readFileSync(join(run, MEASURES_FILE), 'utf8')).toBe(before);
    expect(existsSync(join(run, `${MEASURES_FILE}.tmp-${process.pid}`))).toBe(false);
  });
});
