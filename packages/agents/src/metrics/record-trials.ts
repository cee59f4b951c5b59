import * as tf from '@tensorflow/tfjs-core';
import type { MazeSet, TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import type { NetworkStep } from '../sdk/architecture.js';
import type { RecordedTrials } from '../sdk/metric.js';
import { PolicyEvaluator } from '../eval/policy-evaluator.js';
import type { QEngine } from '../eval/q-engine.js';

/** Settings of recorded test trials: task, test mazes (count and seed, or a set), σs and the evaluation seed. */
export interface RecordTrialsOptions {
  readonly task: TaskOptions;
  /** Test mazes (maze i of the set seeded `mazeSeed`). */
  readonly mazes: number;
  readonly mazeSeed: number;
  readonly sensorNoise: number;
  /** The network's seed: its evaluation noise and tie-breaking derive from it (as in `prnn eval --run`). */
  readonly seed: number;
  /** The test mazes as a set (a plugin task's); absent: generated from the built-in mazes of `task`. */
  readonly set?: MazeSet;
}

/**
 * Runs the greedy test of one network through its step (the same trials as `prnn eval --run` at one
 * σs level, so their mean fitness is the network's evaluated fitness) and records every step.
 */
export async function recordTrials(network: NetworkStep, o: RecordTrialsOptions): Promise<RecordedTrials> {
  const evaluator = new PolicyEvaluator({ task: o.task, mazes: o.set ?? o.mazes, mazeSeed: o.mazeSeed, noise: [o.sensorNoise] });
  const N = evaluator.batch;
  const T = evaluator.task.steps;
  const { inputs: I, outputs: O, stateSize: S } = network;
  const r = {
    trials: N,
    steps: T,
    inputs: I,
    outputs: O,
    stateSize: S,
    sensorNoise: o.sensorNoise,
    observations: new Float32Array(T * N * I),
    states: new Float32Array(T * N * S),
    outputValues: new Float32Array(T * N * O),
    actions: new Int32Array(T * N),
    positions: new Int32Array((T + 1) * N),
    lengths: new Int32Array(N),
    fitness: new Float64Array(N).fill(Number.NaN),
    mazeSeed: o.mazeSeed,
  };
  let state: tf.Tensor2D | null = null;
  let t = 0;
  let alive = new Uint8Array(N);
  const engine: QEngine = {
    engine: 'tfjs-step',
    obsSize: I,
    reset(batch) {
      if (batch !== N) throw new PrnnError(`recordTrials expects a batch of ${N} (got ${batch})`);
      state?.dispose();
      state = network.initialState(N);
      t = 0;
      alive = new Uint8Array(N).fill(1);
    },
    step(obs, q) {
      const prev = state!;
      const next = tf.tidy(() => {
        const out = network.step(prev, tf.tensor2d(obs, [N, I]), null);
        q.set(out.output.dataSync() as Float32Array);
        return out.state;
      });
      prev.dispose();
      state = next;
      const s = next.dataSync() as Float32Array;
      for (let i = 0; i < N; i++) {
        if (alive[i] === 0) continue;
        r.observations.set(obs.subarray(i * I, (i + 1) * I), (t * N + i) * I);
        r.states.set(s.subarray(i * S, (i + 1) * S), (t * N + i) * S);
        r.outputValues.set(q.subarray(i * O, (i + 1) * O), (t * N + i) * O);
      }
    },
  };
  await evaluator.evaluate(engine, o.seed, { afterStep: ({ step, actions, positions, finished, done, fitness }) => {
    if (step < 0) {
      r.positions.set(positions.subarray(0, N), 0);
      return;
    }
    for (let i = 0; i < N; i++) {
      if (finished[i] === 1) continue;
      r.actions[step * N + i] = actions[i];
      r.positions[(step + 1) * N + i] = positions[i];
      r.lengths[i] = step + 1;
      if (done[i] === 1) {
        r.fitness[i] = fitness[i];
        alive[i] = 0;
      }
    }
    t = step + 1;
  } });
  (state as tf.Tensor2D | null)?.dispose();
  return r;
}
