/**
 * Ids of the independent random streams of one network: `Rng.derive(seed, STREAM.x)`.
 * Keeping them separate means e.g. changing the test-set size never changes a network's training.
 */
export const STREAM = {
  init: 1,
  trainingMazes: 2,
  exploration: 3,
  sensorNoise: 4,
  tieNoise: 5,
  evalNoise: 6,
} as const;

/** Seed of the shared test set of a run (the same 1 000 mazes for every network of a run). */
export const TEST_SET_SEED_OFFSET = 1_000_003;

/** evalNoise stream id of the final test (curve points use their index 0 … points−1). */
export const FINAL_EVALUATION_STREAM = 0x46494e41;
