import type { TaskOptions } from '@prnn/env';
import { HEAP_OVERHEAD, dqnDefaults, estimateTrainMemory, mazeSetBytes, vectorEnvBytesPerEnv, type ArchInfo, type Architecture, type KernelSet } from '@prnn/agents';

/** Bytes a training population needs, alone and with its greedy tests, in total and per network. */
export interface PopulationMemory {
  readonly population: number;
  /** Training alone: the population model (weights, gradients, Adam, rollout state and records), its P envs and mazes. */
  readonly trainingBytes: number;
  readonly trainingBytesPerNetwork: number;
  /** `prnn train`'s estimate with the greedy tests of `testMazes` mazes per network on top (peak, heap overhead included). */
  readonly withTestsBytes: number;
  readonly withTestsBytesPerNetwork: number;
  readonly testMazes: number;
}

/** Estimated memory of a population of `population` copies of `arch` training on `task` (undefined: no estimate). */
export function benchPopulationMemory(
  architecture: Architecture,
  kernels: KernelSet | undefined,
  arch: ArchInfo,
  task: TaskOptions,
  path: string,
  population: number,
): PopulationMemory | undefined {
  const members = Array.from({ length: population }, (_, n) => ({ arch, seed: n }));
  const config = dqnDefaults(task);
  const kernel = kernels?.population(path);
  const modelBytes = kernel ? kernel.memoryBytes?.bind(kernel) : architecture.populationMemoryBytes?.bind(architecture);
  const model = modelBytes?.(members, { channels: task.channels, steps: task.steps, testBatch: 1 });
  if (model === undefined) return undefined;
  const training =
    HEAP_OVERHEAD *
    (model +
      vectorEnvBytesPerEnv(task.channels) * population +
      mazeSetBytes(task, population));
  const withTests = estimateTrainMemory({ task, architecture, kernels, members, config, population, workers: 1, path });
  const all = withTests.bytes ?? Number.NaN;
  return {
    population,
    trainingBytes: training,
    trainingBytesPerNetwork: training / population,
    withTestsBytes: all,
    withTestsBytesPerNetwork: all / population,
    testMazes: config.testMazes,
  };
}
