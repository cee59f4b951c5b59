import { PrnnError, Rng, median } from '@prnn/core';
import {
  FusedPopulation, PATHWAYS, PopulationOptimizer, allocateEpisodeRecords, fusedSquaredErrorKernel, paperArchitectures, parseArch,
  type NinePathwayArch,
} from '@prnn/agents';

/** Options of the fused-kernel benchmark: architecture spec, sizes, population, steps, episodes and repeats. */
export interface BenchFusedOptions {
  /** Architecture spec (parseArch), default `fc`; `paper` = the paper's 128 + ff-large, repeated to fill the population. */
  readonly arch?: string;
  readonly hidden?: number;
  readonly channels?: number;
  readonly population?: number;
  readonly steps?: number;
  /** Population-episodes per timed repeat. */
  readonly episodes?: number;
  readonly repeats?: number;
}

/** Network-episodes per second: medians over the repeats, by wall clock and by this process's CPU time. */
export interface EpisodeRate {
  readonly wall: number;
  /** Per second of CPU time (user + system) of this process: what one core does, even on a busy machine. */
  readonly cpu: number;
}

/**
 * Fused-kernel benchmark result: the setting and episode rates of the kernel alone, the whole model, and the model with
 * its optimiser.
 */
export interface BenchFusedResult {
  readonly arch: string;
  readonly population: number;
  readonly steps: number;
  readonly repeats: number;
  /** Kernel only: 2 rollout forwards per step + the learning pass. */
  readonly kernel: EpisodeRate;
  /** Through the PopulationModel and the registered learning kernel (`fusedSquaredErrorKernel.run`). */
  readonly model: EpisodeRate;
  /** Model plus per-network clip + Adam (`PopulationOptimizer`): a whole DQN update minus the environment. */
  readonly withOptimizer: EpisodeRate;
}

/**
 * Throughput of the fused path on one core (the current thread, current tfjs backend): an episode is, per
 * step, the acting forward (advancing) and the target forward (not advancing), then the learning pass over
 * all steps. Inputs are random; every network runs all `steps`.
 */
export function benchFused(opts: BenchFusedOptions = {}): BenchFusedResult {
  const spec = opts.arch ?? 'fc';
  const P = opts.population ?? 128;
  const T = opts.steps ?? 20;
  const episodes = opts.episodes ?? 20;
  const repeats = opts.repeats ?? 7;
  if (!Number.isInteger(P) || P < 1) throw new PrnnError(`population must be an integer ≥ 1 (got ${P})`);
  if (!Number.isInteger(T) || T < 1) throw new PrnnError(`steps must be an integer ≥ 1 (got ${T})`);
  const sizes = { hidden: opts.hidden, channels: opts.channels ?? 2 };
  const paper = spec === 'paper' ? paperArchitectures(sizes) : null;
  const archs: NinePathwayArch[] = Array.from({ length: P }, (_, n) => (paper ? paper[n % paper.length] : parseArch(spec, sizes)));
  const model = new FusedPopulation(
    archs,
    archs.map((_, n) => n + 1),
  );
  const I = model.inputs;
  const O = model.outputs;
  const rng = Rng.derive(12345, 1);
  const records = allocateEpisodeRecords(T, P, I, O);
  for (let j = 0; j < records.obs.length; j++) records.obs[j] = rng.float();
  for (let j = 0; j < records.tieNoise.length; j++) records.tieNoise[j] = 0.001 * rng.float();
  for (let j = 0; j < records.actions.length; j++) records.actions[j] = rng.int(O);
  for (let j = 0; j < records.targets.length; j++) records.targets[j] = rng.float();
  records.lengths.fill(T);
  const obs = new Float32Array(P * I);
  const obs2 = new Float32Array(P * I);
  const noise = new Float32Array(P * O);
  const q = new Float32Array(P * O);
  const q2 = new Float32Array(P * O);
  for (let j = 0; j < obs.length; j++) obs2[j] = rng.float();
  const losses = new Float32Array(P);
  const grads = PATHWAYS.map((_, k) => new Float32Array(model.kernel.paddedSize(k)));
  const kernel = model.kernel;
  const settings = { lr: 1e-3, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 10 };
  const optimizer = new PopulationOptimizer(model.parameters, P, settings);

  const rollout = (): void => {
    model.resetState(1);
    for (let t = 0; t < T; t++) {
      obs.set(records.obs.subarray(t * P * I, (t + 1) * P * I));
      noise.set(records.tieNoise.subarray(t * P * O, (t + 1) * P * O));
      model.forward(obs, noise, q, true);
      model.forward(obs2, null, q2, false);
    }
  };
  const modes: Record<'kernel' | 'model' | 'optimizer', () => void> = {
    kernel: () => {
      rollout();
      kernel.learn(records, losses, grads);
    },
    model: () => {
      rollout();
      fusedSquaredErrorKernel.run(model, records, losses, grads);
    },
    optimizer: () => {
      rollout();
      fusedSquaredErrorKernel.run(model, records, losses, grads);
      optimizer.step(grads);
    },
  };
  const wall: Record<string, number[]> = { kernel: [], model: [], optimizer: [] };
  const cpu: Record<string, number[]> = { kernel: [], model: [], optimizer: [] };
  try {
    const names = Object.keys(modes) as (keyof typeof modes)[];
    // warm-up: V8 optimises the generated code in the background
    const warmUntil = performance.now() + 1000;
    for (let e = 0; e < 3 || performance.now() < warmUntil; e++) for (const mode of names) modes[mode]();
    // modes take turns, so that a change in the machine's load shifts all of them alike
    for (let r = 0; r < repeats; r++) {
      for (const mode of names) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        for (let e = 0; e < episodes; e++) modes[mode]();
        const c = process.cpuUsage(c0);
        wall[mode].push((episodes * P) / ((performance.now() - t0) / 1000));
        cpu[mode].push((episodes * P) / ((c.user + c.system) / 1e6));
      }
    }
  } finally {
    model.dispose();
  }
  const rate = (mode: string): EpisodeRate => ({ wall: median(wall[mode]), cpu: median(cpu[mode]) });
  return {
    arch: paper ? 'paper' : archs[0].name,
    population: P,
    steps: T,
    repeats,
    kernel: rate('kernel'),
    model: rate('model'),
    withOptimizer: rate('optimizer'),
  };
}
