import type { ProjectionShape } from '@prnn/agents';
import type { SweepPlan } from './plan.js';

/** The threads each phase of `runSweep` and the analysis after it run on, with `workers` worker threads. */
export interface SweepThreads {
  readonly workers: number;
  /** Threads of the per-network analysis (default 1). */
  readonly analysis?: number;
}

/**
 * The shape of a planned sweep for projectPhases: its networks in chunks (one population each, its slices on
 * `workers` threads at once), the learner's episodes, curve points and test set, the noise sweep's levels and
 * mazes. Networks wider than the plan's `hidden` (ff-large) train at the large rate; `--arch all` puts them last.
 * The noise sweeps of runSweep run on the `workers` threads, one network per thread at a time.
 */
export function projectionShape(plan: SweepPlan, threads: SweepThreads): ProjectionShape {
  const number = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const hidden = number(plan.config.hidden, 8);
  return {
    networks: plan.networks.length,
    largeNetworks: plan.networks.filter((n) => n.arch.hidden > hidden).length,
    episodes: number(plan.config.episodes, 0),
    curvePoints: number(plan.config.curvePoints, 0),
    testMazes: number(plan.config.testMazes, plan.measures.testMazes),
    sweepMazes: plan.measures.testMazes,
    noiseLevels: plan.measures.noise.length,
    population: Math.max(1, ...plan.chunks.map((c) => c.to - c.from)),
    trainingThreads: threads.workers,
    noiseSweepThreads: threads.workers,
    analysisThreads: threads.analysis ?? 1,
  };
}
