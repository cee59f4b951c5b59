import { GreedyActions, VectorEnv, type MazeSet } from '@prnn/env';
import { PrnnError, Rng } from '@prnn/core';
import type { PopulationModel } from '../sdk/population-model.js';
import { STREAM } from '../sdk/streams.js';

const OUTPUTS = 5;

/**
 * Something that maps a batch of observations to Q-values and keeps the recurrent state of every row:
 * a PopulationModel (rows = P networks × M mazes, network-major) or any other engine with the same shape.
 */
export interface GreedyPolicy {
  /** Sets every row's state to zero for `batch` rows per network. */
  reset(batchPerNetwork: number): void;
  /** q[row·5 + a] for obs[row·I + j]; advances the state. */
  step(obs: Float32Array, q: Float32Array): void | Promise<void>;
  /** Rows whose `done` flag is 1 have finished: later steps may leave their q unspecified (optional). */
  retire?(done: Uint8Array): void;
}

/** A PopulationModel as a greedy policy: its `forward` without tie noise, state advancing. */
export function populationPolicy(model: PopulationModel): GreedyPolicy {
  return {
    reset: (batch) => model.resetState(batch),
    step: (obs, q) => model.forward(obs, null, q, true),
    retire: model.retireRows?.bind(model),
  };
}

/** Settings of a greedy test of a population: the sensor noise and the stream id that tells repeated tests apart. */
export interface GreedyEvaluationOptions {
  /** Sensor noise σs of every trial (docs/spec.md §4: a network's fitness is measured at 0.05). */
  readonly sensorNoise: number;
  /**
   * Distinguishes repeated evaluations of the same networks (e.g. curve point k) so each gets its own
   * noise; evaluations with the same id draw the same noise.
   */
  readonly streamId?: number;
}

/** Result of a greedy test: mean fitness per network and the fitness of every trial. */
export interface GreedyEvaluation {
  /** Mean fitness per network over the set, ignoring undefined trials (NaN when none is defined). */
  readonly fitness: Float64Array;
  /** Fitness of every trial, [P·M], network-major (NaN where undefined). */
  readonly trials: Float32Array;
}

/**
 * Greedy test of P networks on every maze of a set (docs/spec.md §4), batched as P × M lockstep environments.
 * Randomness, per network n with seed s_n (so a network's score never depends on its population):
 * trial (n, m) senses with its own stream seeded from Rng.derive(s_n, STREAM.evalNoise, streamId, 1 + m), and
 * exact ties in the argmax (e.g. an all-zero input gives equal Q-values) are broken uniformly by
 * Rng.derive(s_n, STREAM.evalNoise, streamId, 0), drawn in (step, maze) order.
 * The environments are allocated once and reused by every call; the set must not change afterwards (its mazes
 * are copied into the maze world once, VectorEnv fixedMazes).
 */
export class GreedyEvaluator {
  readonly population: number;
  readonly mazes: number;
  private readonly env: VectorEnv;
  /** The per-step argmax (its q and actions are this evaluator's; `finished` mirrors env.done each step). */
  private readonly greedy: GreedyActions;
  private readonly q: Float32Array;
  private readonly actions: Int32Array;
  private readonly trials: Float32Array;
  private readonly tieRngs: Rng[];
  /** Env i runs maze i mod M. */
  private readonly mazeOfEnv: Int32Array;
  /** The trial streams' ids between the seed and the trial's (hashed once per network: Rng.derivePrefix). */
  private readonly trialIds = new Float64Array(2);
  /** The sensor noise every env holds (none before the first test): set again only when a test asks for another. */
  private sensorNoise: number | undefined;

  constructor(
    readonly set: MazeSet,
    population: number,
  ) {
    if (!Number.isInteger(population) || population < 1) {
      throw new PrnnError(`population must be an integer ≥ 1 (got ${population})`);
    }
    if (set.count < 1) throw new PrnnError('the test set must hold at least one maze');
    this.population = population;
    this.mazes = set.count;
    const n = population * set.count;
    // fixedMazes: the test set never changes, so its mazes are copied into the maze world once, not at every test
    this.env = new VectorEnv({ numEnvs: n, channels: set.channels, reward: 'goal', autoreset: 'none', seeds: new Float64Array(n), fixedMazes: true });
    // the policy writes q straight into the argmax's memory
    this.greedy = new GreedyActions(n);
    this.q = this.greedy.q;
    this.actions = this.greedy.actions;
    this.trials = new Float32Array(n);
    this.mazeOfEnv = Int32Array.from({ length: n }, (_, i) => i % set.count);
    this.tieRngs = [];
    for (let p = 0; p < population; p++) this.tieRngs.push(new Rng(0));
  }

  /** Evaluates the P networks (seeds[n] = network n's seed) with `policy`. */
  async evaluate(policy: GreedyPolicy, seeds: readonly number[], opts: GreedyEvaluationOptions): Promise<GreedyEvaluation> {
    const P = this.population;
    const M = this.mazes;
    if (seeds.length !== P) throw new PrnnError(`seeds must have one entry per network (${P}, got ${seeds.length})`);
    const streamId = opts.streamId ?? 0;
    const { env, q, actions, trials, set, greedy } = this;
    const { finished, tieRows } = greedy;
    const ids = this.trialIds;
    ids[0] = STREAM.evalNoise;
    ids[1] = streamId;
    // (a value the env refuses, NaN included, differs from every held one: it is refused at every call)
    if (opts.sensorNoise !== this.sensorNoise) {
      for (let i = 0; i < P * M; i++) env.setSensorNoise(i, opts.sensorNoise);
      this.sensorNoise = opts.sensorNoise;
    }
    for (let n = 0; n < P; n++) {
      this.tieRngs[n].reseed(seeds[n], STREAM.evalNoise, streamId, 0);
      // Rng.derive(s_n, evalNoise, streamId, 1 + m).nextUint32(), the part before 1 + m hashed once
      env.seedEnvsAfterPrefix(n * M, M, Rng.derivePrefix(seeds[n], ids), 1);
    }
    // one reset of all P × M envs: each maze is copied into the maze world once, not once per network
    env.resetAll(set, this.mazeOfEnv);
    trials.fill(Number.NaN);
    policy.reset(M);
    const steps = set.options.steps;
    // trials ended when the policy was last told (it is told once a sixteenth more have ended: a model's scan
    // of the flags costs little, but not nothing)
    let retired = 0;
    // trials ended by the last step (none after the reset)
    let ended = 0;
    for (let t = 0; t < steps; t++) {
      const pending = policy.step(env.observations, q);
      if (pending) await pending; // synchronous policies cost no promise per step
      if (ended === P * M) break;
      // the rows of trials still going without a tie in one call; the tied ones here in row order, i.e. each
      // network's in (step, maze) order with its own generator (a decided row draws nothing), as a scan of every
      // row with argmaxWithTies would draw
      finished.set(env.done);
      const tied = greedy.choose(P * M, false);
      for (let j = 0; j < tied; j++) {
        const i = tieRows[j];
        actions[i] = argmaxWithTies(q, i * OUTPUTS, this.tieRngs[Math.floor(i / M)]);
      }
      env.step(actions);
      ended = 0;
      for (let i = 0; i < P * M; i++) {
        const v = env.fitness[i];
        if (v === v) trials[i] = v;
        ended += env.done[i];
      }
      // the policy may stop computing the trials that ended (their q is not read again)
      if (16 * (ended - retired) >= P * M && ended < P * M && t + 1 < steps && policy.retire) {
        policy.retire(env.done);
        retired = ended;
      }
    }
    const fitness = new Float64Array(P);
    for (let n = 0; n < P; n++) {
      let sum = 0;
      let count = 0;
      for (let m = 0; m < M; m++) {
        const v = trials[n * M + m];
        if (v === v) {
          sum += v;
          count++;
        }
      }
      fitness[n] = count === 0 ? Number.NaN : sum / count;
    }
    return { fitness, trials: Float32Array.from(trials) };
  }
}

/** Index of the largest of q[base … base+4]; exact ties are broken uniformly with `rng` (reservoir). */
export function argmaxWithTies(q: Float32Array, base: number, rng: Rng): number {
  // The usual row meets no value equal to the best so far: then the scan draws nothing, and it is written
  // with selects instead of branches (q-values compare at random, so branches are mispredicted). A row that
  // does meet one goes through the scan below, which draws exactly as it always did.
  const q1 = q[base + 1];
  const q2 = q[base + 2];
  const q3 = q[base + 3];
  const q4 = q[base + 4];
  let value = q[base];
  let index = 0;
  let tie = q1 === value;
  let up = q1 > value;
  index = up ? 1 : index;
  value = up ? q1 : value;
  tie = tie || q2 === value;
  up = q2 > value;
  index = up ? 2 : index;
  value = up ? q2 : value;
  tie = tie || q3 === value;
  up = q3 > value;
  index = up ? 3 : index;
  value = up ? q3 : value;
  tie = tie || q4 === value;
  if (!tie) return q4 > value ? 4 : index;
  return argmaxScan(q, base, rng);
}

/** argmaxWithTies as a scan: ties met on the way are resolved by reservoir draws in order. */
function argmaxScan(q: Float32Array, base: number, rng: Rng): number {
  let best = 0;
  let bestValue = q[base];
  let ties = 1;
  for (let a = 1; a < OUTPUTS; a++) {
    const v = q[base + a];
    if (v > bestValue) {
      bestValue = v;
      best = a;
      ties = 1;
    } else if (v === bestValue) {
      ties++;
      if (rng.int(ties) === 0) best = a;
    }
  }
  return best;
}

/** One-shot convenience: evaluates a population model's P networks on `set`. */
export async function evaluateGreedy(
  model: PopulationModel,
  set: MazeSet,
  seeds: readonly number[],
  opts: GreedyEvaluationOptions,
): Promise<GreedyEvaluation> {
  return new GreedyEvaluator(set, model.population).evaluate(populationPolicy(model), seeds, opts);
}
