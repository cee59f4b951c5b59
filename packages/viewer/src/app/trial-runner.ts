import { generateMazeSet, type MazeSet, type TaskOptions } from '@prnn/env';
import { PolicyEvaluator, TEST_SET_SEED_OFFSET, TrialRecorder, type RecordedTrial, type SessionPolicy } from '@prnn/agents/browser';

export interface TrialParams {
  readonly task: TaskOptions;
  /** Evaluation seed, as `prnn eval --policy --seed`: the test set is generated from seed + 1 000 003. */
  readonly seed: number;
  readonly mazes: number;
  readonly maze: number;
  readonly noise: number;
}

export interface TrialOutcome {
  readonly trial: RecordedTrial;
  /** Mean fitness over the set at this σs: what `prnn eval` prints for the same flags (null when undefined). */
  readonly mean: number | null;
  readonly set: MazeSet;
}

let cached: { key: string; set: MazeSet } | undefined;

/** The test set of `prnn eval --policy … --seed s --mazes M` (kept while task, seed and count stay). */
export function testSet(task: TaskOptions, seed: number, mazes: number): MazeSet {
  const key = JSON.stringify([task, seed, mazes]);
  if (cached?.key !== key) cached = { key, set: generateMazeSet(task, { count: mazes, seed: seed + TEST_SET_SEED_OFFSET }) };
  return cached.set;
}

/**
 * Plays maze `maze` of the set exactly as `prnn eval` does: all M mazes advance as one batch through the
 * evaluator (its noise and tie-breaking streams depend on the whole set), and the recorder keeps the one shown.
 */
export async function runTrial(policy: SessionPolicy, params: TrialParams): Promise<TrialOutcome> {
  const set = testSet(params.task, params.seed, params.mazes);
  const evaluator = new PolicyEvaluator({ task: params.task, mazes: set, noise: [params.noise] });
  const recorder = new TrialRecorder(params.maze, policy.obsSize, params.task.steps, {
    size: policy.stateSize,
    read: () => policy.state,
  });
  const result = await evaluator.evaluate(policy, params.seed, recorder);
  return { trial: recorder.result(), mean: result.fitness[0], set };
}
