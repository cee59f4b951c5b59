import type { TaskOptions } from '@prnn/env';
import { initBackend } from '../../backend.js';
import { loadPlugins } from '../../sdk/loader.js';
import type { PopulationMember } from '../../sdk/architecture.js';
import type { LearnerConfig, NetworkResult } from '../../sdk/learner.js';

/** One slice of a population to train in a worker thread (plain data: it crosses the thread boundary). */
export interface SliceRequest {
  readonly task: TaskOptions;
  /** Registry keys: the architecture family and the learner. */
  readonly family: string;
  readonly learner: string;
  readonly members: readonly PopulationMember[];
  /** Already configured and validated by the learner in the parent. */
  readonly config: LearnerConfig;
  readonly runSeed: number;
  readonly path?: 'generic' | 'fused';
  /** Where the worker looks up configured plugins (prnn.config.json / package.json), and `extra` plugin specs. */
  readonly cwd: string;
  readonly plugins?: readonly string[];
  /** The tfjs backend the parent runs (so every worker computes with the same one). */
  readonly backend: string;
}

export interface SliceResult {
  readonly networks: readonly NetworkResult[];
  readonly netEpisodesPerSecond: number;
  readonly backend: string;
}

/**
 * Worker entry (piscina): rebuilds the registry from the same plugins as the parent, then trains the slice
 * with the named learner exactly as the parent would in-process.
 */
export default async function trainSlice(req: SliceRequest): Promise<SliceResult> {
  const backend = await initBackend(req.backend);
  const registry = await loadPlugins({ cwd: req.cwd, extra: req.plugins ? [...req.plugins] : [] });
  const learner = registry.learner(req.learner);
  const architecture = registry.architecture(req.family);
  const result = await learner.train({
    task: req.task,
    architecture,
    members: req.members,
    config: req.config,
    runSeed: req.runSeed,
    path: req.path,
  });
  return { networks: result.networks, netEpisodesPerSecond: result.netEpisodesPerSecond, backend };
}
