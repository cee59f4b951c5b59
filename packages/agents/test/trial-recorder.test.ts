import { describe, expect, it } from 'vitest';
import { ACTION_DELTAS, meanFitness, resolveTaskOptions, trialFitness } from '@prnn/env';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { PolicyEvaluator } from '../src/eval/policy-evaluator.js';
import { TrialRecorder } from '../src/eval/trial-recorder.js';
import { gradientFollower } from './onnx-test-models.js';

// The recorder sees what the evaluator played; checked against the maze itself: every step of the path is the
// recorded action applied under the walls, the fitness is docs/spec.md §1.5's trialFitness of where and when it ended,
// and the recorded trials average to the evaluator's mean.
describe('TrialRecorder', () => {
  it('records path, actions, observations and fitness consistent with the maze and the evaluator', async () => {
    const task = resolveTaskOptions('general', {});
    const policy = await OnnxPolicy.load(gradientFollower(task.channels), { label: 'follower' });
    const M = 12;
    const evaluator = new PolicyEvaluator({ task, mazes: M, mazeSeed: 5, noise: [0.1] });
    const set = evaluator.set;
    const S = set.size;
    const fitness: number[] = [];
    let mean: number | null = null;
    for (let m = 0; m < M; m++) {
      const recorder = new TrialRecorder(m, policy.obsSize, task.steps, { size: policy.stateSize, read: () => policy.state });
      mean = (await evaluator.evaluate(policy, 9, recorder)).fitness[0];
      const trial = recorder.result();
      const n = trial.actions.length;
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(task.steps);
      expect(trial.path).toHaveLength(n + 1);
      expect(trial.path[0]).toBe(set.start[m]);
      expect(trial.observations).toHaveLength(n * policy.obsSize);
      expect(trial.states).toHaveLength(n * policy.stateSize);
      for (let k = 0; k < n; k++) {
        const [dr, dc] = ACTION_DELTAS[trial.actions[k]];
        const from = trial.path[k];
        const target = from + dr * S + dc;
        expect(trial.path[k + 1]).toBe(set.walls[m * S * S + target] === 1 ? from : target);
        // q = softmax(z) with z_d = Σ_c obs[d, c] and z_stay = −1: the recorded q row follows from the recorded obs
        const z = [0, 0, 0, 0, -1];
        for (let d = 0; d < 4; d++) {
          for (let c = 0; c < task.channels; c++) z[d] += trial.observations[k * policy.obsSize + d * task.channels + c];
        }
        for (let a = 1; a < 5; a++) expect(Math.log(trial.q[k * 5 + a] / trial.q[k * 5])).toBeCloseTo(z[a] - z[0], 4);
        expect(trial.q[k * 5 + trial.actions[k]]).toBe(Math.max(...trial.q.subarray(k * 5, k * 5 + 5)));
      }
      const reached = trial.path[n] === set.goal[m];
      if (!reached) expect(n).toBe(task.steps);
      expect(trial.fitness).toBe(Math.fround(trialFitness(set, m, n - 1, trial.path[n], task.steps)));
      fitness.push(trial.fitness);
    }
    expect(mean).toBeCloseTo(meanFitness(Float64Array.from(fitness)), 12);
    await policy.release();
  });
});
