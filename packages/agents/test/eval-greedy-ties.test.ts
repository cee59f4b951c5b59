// PolicyEvaluator's per-step argmax (GreedyActions: the rows without a tie decided in one WebAssembly call, the
// tied ones broken here in row order) against the trainer's GreedyEvaluator, which scans every row with
// argmaxWithTies in (step, maze) order: an engine whose q-values tie on most rows, every noise level, with and
// without compaction.
import { describe, expect, test } from 'vitest';
import { generateMazeSet, resolveTaskOptions } from '@prnn/env';
import { PolicyEvaluator } from '../src/eval/policy-evaluator.js';
import type { QEngine } from '../src/eval/q-engine.js';
import { FINAL_EVALUATION_STREAM } from '../src/learners/dqn.js';
import { GreedyEvaluator } from '../src/training/evaluate-greedy.js';

/**
 * A stateless engine whose q-values are the observation's first values rounded to halves (so most rows tie),
 * with a step counter mixed in so that rows differ from step to step. Counts the rows that tie.
 */
class TieEngine implements QEngine {
  readonly engine = 'ties';
  readonly obsSize: number;
  tiedRows = 0;
  rows = 0;
  private t = 0;
  constructor(obsSize: number) {
    this.obsSize = obsSize;
  }
  reset(batch: number): void {
    this.rows = batch;
    this.t = 0;
  }
  compact(_rows: Int32Array, count: number): void {
    this.rows = count;
  }
  step(obs: Float32Array, q: Float32Array): void {
    const rows = obs.length / this.obsSize;
    for (let k = 0; k < rows; k++) {
      for (let a = 0; a < 5; a++) q[5 * k + a] = Math.round(2 * obs[k * this.obsSize + ((a + this.t) % this.obsSize)]) / 2;
      let tie = false;
      for (let a = 1; a < 5; a++) for (let b = 0; b < a; b++) if (q[5 * k + a] === q[5 * k + b]) tie = true;
      if (tie) this.tiedRows++;
    }
    this.t++;
  }
}

describe('PolicyEvaluator breaks ties as the trainer does', () => {
  test.each([0.125, 0])('an engine that ties on most rows: the trainer’s greedy evaluator’s fitness at every level (compact %s)', async (compact) => {
    const task = resolveTaskOptions('track', {});
    const set = generateMazeSet(task, { count: 60, seed: 3 });
    const noise = [0, 0.1, 0.3];
    const evaluator = new PolicyEvaluator({ task, mazes: set, noise, compact });
    const engine = new TieEngine(evaluator.observationSize);
    const greedy = new GreedyEvaluator(set, 1);
    for (const seed of [1, 2]) {
      engine.tiedRows = 0;
      const result = await evaluator.evaluate(engine, seed);
      // most rows tie, so the tie draws decide the trials
      expect(engine.tiedRows).toBeGreaterThan(200);
      const oracle = new TieEngine(evaluator.observationSize);
      for (const [k, sigma] of noise.entries()) {
        const g = await greedy.evaluate(oracle, [seed], { sensorNoise: sigma, streamId: FINAL_EVALUATION_STREAM });
        expect(result.fitness[k]).toBe(g.fitness[0]);
      }
    }
  });
});
