import { generateMazeSet, type MazeSet, type TaskOptions } from '@prnn/env';
import { PolicyEvaluator, TEST_SET_SEED_OFFSET, TrialRecorder, type RecordedTrial, type SessionPolicy } from '@prnn/agents/browser';

/**
 * `shared`: every policy with the seed control, as `prnn eval --policy P --seed S` (test set from S + 1 000 003).
 * `network`: as `prnn eval --run`: the run's test set (run seed + 1 000 003) and each network's own seed (a
 * policy without one uses the seed control), so at the training σs and test-set size the mean is the
 * network's stored fitness.
 */
export type SeedMode = 'shared' | 'network';

export interface TrialParams {
  readonly task: TaskOptions;
  /** Evaluation seed of the seed control. */
  readonly seed: number;
  readonly seedMode: SeedMode;
  /** The run's seed (seed mode `network`). */
  readonly runSeed?: number;
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

/** The evaluation seed of a policy (its network seed, if it has one) and the seed of the test set. */
export function trialSeeds(params: TrialParams, networkSeed?: number): { seed: number; mazeSeed: number } {
  if (params.seedMode === 'network' && params.runSeed !== undefined) {
    return { seed: networkSeed ?? params.seed, mazeSeed: params.runSeed + TEST_SET_SEED_OFFSET };
  }
  return { seed: params.seed, mazeSeed: params.seed + TEST_SET_SEED_OFFSET };
}

/** The test set of M mazes from `mazeSeed` (kept while task, seed and count stay). */
export function testSet(task: TaskOptions, mazeSeed: number, mazes: number): MazeSet {
  const key = JSON.stringify([task, mazeSeed, mazes]);
  if (cached?.key !== key) cached = { key, set: generateMazeSet(task, { count: mazes, seed: mazeSeed }) };
  return cached.set;
}

/**
 * Plays maze `maze` of the set exactly as `prnn eval` does: all M mazes advance as one batch through the
 * evaluator (its noise and tie-breaking streams depend on the whole set), and the recorder keeps the one shown.
 */
export async function runTrial(policy: SessionPolicy, params: TrialParams, networkSeed?: number): Promise<TrialOutcome> {
  const { seed, mazeSeed } = trialSeeds(params, networkSeed);
  const set = testSet(params.task, mazeSeed, params.mazes);
  const evaluator = new PolicyEvaluator({ task: params.task, mazes: set, noise: [params.noise] });
  const recorder = new TrialRecorder(params.maze, policy.obsSize, params.task.steps, {
    size: policy.stateSize,
    read: () => policy.state,
  });
  const result = await evaluator.evaluate(policy, seed, recorder);
  return { trial: recorder.result(), mean: result.fitness[0], set };
}
