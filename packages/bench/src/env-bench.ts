import { PrnnError, Rng, describeValue, median } from '@prnn/core';
import { MazeSet, VectorEnv, generateMazeInto, generateMazeSet, resolveTaskOptions } from '@prnn/env';

/** Options of `benchEnv`: time budget, VectorEnv width and repeats. */
export interface BenchEnvOptions {
  /** Total wall time to spend, split over the repeats of both measurements (default 3). */
  seconds?: number;
  /** VectorEnv width (default 256). */
  numEnvs?: number;
  /** Repeats per measurement; the median is reported (default 5). */
  repeats?: number;
  seed?: number;
}

/** What `benchEnv` measured: maze generation and VectorEnv stepping rates, medians and every repeat. */
export interface BenchEnvResult {
  /** General 9×9 mazes generated per second (generateMazeInto), median of the repeats. */
  mazesPerSecond: number;
  /** Env-steps per second of a VectorEnv (σs = 0.05, random actions), median of the repeats. */
  stepsPerSecond: number;
  mazeRepeats: number[];
  stepRepeats: number[];
  numEnvs: number;
}

/** Runs `work(batch)` repeatedly for about `seconds`; returns units per second. */
function rate(seconds: number, batch: number, work: () => void): number {
  const budget = seconds * 1000;
  const start = performance.now();
  let units = 0;
  let elapsed = 0;
  do {
    work();
    units += batch;
    elapsed = performance.now() - start;
  } while (elapsed < budget);
  return (units * 1000) / elapsed;
}

/**
 * Speed of the maze world on one core: General 9×9 maze generation into a reused slot, and VectorEnv
 * steps with σs = 0.05 and random actions from a seeded Rng (autoreset keeps every env busy; the cost of
 * drawing the actions is included).
 */
export function benchEnv(options: BenchEnvOptions = {}): BenchEnvResult {
  const seconds = options.seconds ?? 3;
  const numEnvs = options.numEnvs ?? 256;
  const repeats = options.repeats ?? 5;
  if (!(typeof seconds === 'number' && seconds > 0 && seconds <= 3600)) {
    throw new PrnnError(`seconds must be a number in (0, 3600] (got ${describeValue(seconds)})`);
  }
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 1000) {
    throw new PrnnError(`repeats must be an integer in [1, 1000] (got ${describeValue(repeats)})`);
  }
  if (!Number.isInteger(numEnvs) || numEnvs < 1 || numEnvs > 1_000_000) {
    throw new PrnnError(`numEnvs must be an integer in [1, 1000000] (got ${describeValue(numEnvs)})`);
  }
  const seed = options.seed ?? 1;
  const slice = seconds / (2 * repeats);
  const task = resolveTaskOptions('general', {});

  const scratchSet = MazeSet.allocate(task, 1);
  const mazeRng = Rng.derive(seed, 1);
  const mazeBatch = 1000;
  const generate = (): void => {
    for (let k = 0; k < mazeBatch; k++) generateMazeInto(scratchSet, 0, mazeRng);
  };

  const set = generateMazeSet(task, { count: 1000, seed });
  const env = new VectorEnv({ numEnvs, sensorNoise: 0.05, autoreset: 'next-step', seed });
  const indices = new Int32Array(numEnvs);
  for (let i = 0; i < numEnvs; i++) indices[i] = i % set.count;
  env.resetAll(set, indices);
  const actions = new Int32Array(numEnvs);
  const actionRng = Rng.derive(seed, 2);
  const stepBatch = 100;
  const run = (): void => {
    for (let s = 0; s < stepBatch; s++) {
      for (let i = 0; i < numEnvs; i++) actions[i] = actionRng.int(5);
      env.step(actions);
    }
  };

  // warm-up so the JIT has compiled both loops before timing
  rate(Math.min(0.2, slice), mazeBatch, generate);
  rate(Math.min(0.2, slice), stepBatch * numEnvs, run);
  const mazeRepeats: number[] = [];
  const stepRepeats: number[] = [];
  for (let r = 0; r < repeats; r++) {
    mazeRepeats.push(rate(slice, mazeBatch, generate));
    stepRepeats.push(rate(slice, stepBatch * numEnvs, run));
  }
  return {
    mazesPerSecond: median(mazeRepeats),
    stepsPerSecond: median(stepRepeats),
    mazeRepeats,
    stepRepeats,
    numEnvs,
  };
}
