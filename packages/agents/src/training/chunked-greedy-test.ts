import type { MazeSet } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import type { PopulationMember } from '../sdk/architecture.js';
import type { PopulationModel } from '../sdk/population-model.js';
import { GreedyEvaluator, populationPolicy, type GreedyEvaluation, type GreedyEvaluationOptions } from './evaluate-greedy.js';

/**
 * Trials (networks × test mazes) a chunked greedy test holds at once. Bounds the test's environments and
 * rollout state whatever the population: 4 networks (one SIMD lane group) of the 1 000-maze test set.
 */
export const GREEDY_TEST_ROWS = 4096;

/** Networks per chunk of a greedy test of `population` networks on `mazes` mazes (≥ 1, ≤ population). */
export function greedyTestChunk(population: number, mazes: number, rows: number = GREEDY_TEST_ROWS): number {
  if (!Number.isInteger(rows) || rows < 1) throw new PrnnError(`rows must be an integer ≥ 1 (got ${rows})`);
  return Math.max(1, Math.min(population, Math.floor(rows / Math.max(1, mazes))));
}

/** Builds a population model of `members` (the trained population's implementation) for one chunk. */
export type ChunkModelFactory = (members: readonly PopulationMember[]) => PopulationModel;

/**
 * The greedy test of a trained population (GreedyEvaluator) run a chunk of networks at a time, so that its
 * memory is that of `chunk` networks' P × M environments and test rollout state, not the population's.
 * A population that fits in one chunk is tested in the trained model itself. Otherwise each chunk copies its
 * networks' weights out of the trained model into a model of the chunk's members
 * (built by `createModel`, reused by the following chunks of the same architectures, disposed at the end of
 * the test; with `keepModels`, kept for every later test instead, until `dispose`) and tests it. A network's score never depends on its population
 * (its noise streams and tie-breaking derive from its own seed, and every implementation computes a network's
 * rows from its own weights alone), so the result equals testing the whole population at once; the tests
 * check it against GreedyEvaluator on every path.
 */
export class ChunkedGreedyTest {
  readonly population: number;
  readonly chunk: number;
  private readonly evaluators = new Map<number, GreedyEvaluator>();
  /** Per chunk (networks [k·chunk, …)): its members and the key of their architectures, worked out once. */
  private readonly chunks: { readonly members: readonly PopulationMember[]; readonly key: string }[] = [];
  /** With keepModels: the chunk models made so far, by their architectures' key (disposed by `dispose`). */
  private readonly kept = new Map<string, PopulationModel>();

  constructor(
    readonly set: MazeSet,
    members: readonly PopulationMember[],
    private readonly createModel: ChunkModelFactory,
    rows: number = GREEDY_TEST_ROWS,
    /**
     * Keep each chunk model for the later tests (a training curve's points) instead of making it afresh per
     * test: a model per distinct chunk stays resident (see estimateTrainMemory), and the tests leave no models
     * (WebAssembly memories among them) for the collector to free during the training between them.
     */
    readonly keepModels = false,
  ) {
    if (members.length < 1) throw new PrnnError('members must name at least one network (got 0)');
    if (set.count < 1) throw new PrnnError('the test set must hold at least one maze');
    this.population = members.length;
    this.chunk = greedyTestChunk(members.length, set.count, rows);
    for (let from = 0; from < members.length; from += this.chunk) {
      const part = members.slice(from, from + this.chunk);
      this.chunks.push({ members: part, key: JSON.stringify(part.map((m) => m.arch)) });
    }
  }

  /** Tests the networks of `model` (network n's seed is seeds[n]), `chunk` at a time. */
  async evaluate(model: PopulationModel, seeds: readonly number[], opts: GreedyEvaluationOptions): Promise<GreedyEvaluation> {
    const P = this.population;
    const M = this.set.count;
    if (model.population !== P) throw new PrnnError(`model must hold the test's ${P} networks (got ${model.population})`);
    if (seeds.length !== P) throw new PrnnError(`seeds must have one entry per network (${P}, got ${seeds.length})`);
    // one chunk: the trained model itself (no copy)
    if (this.chunk >= P) return this.evaluator(P).evaluate(populationPolicy(model), seeds, opts);
    const fitness = new Float64Array(P);
    const trials = new Float32Array(P * M);
    // consecutive chunks of the same architectures reuse one model (a model's memory, e.g. a WebAssembly
    // instance, is only returned when V8 collects it)
    let part: PopulationModel | undefined;
    let partKey = '';
    try {
      for (let from = 0; from < P; from += this.chunk) {
        const to = Math.min(P, from + this.chunk);
        const { members, key } = this.chunks[from / this.chunk];
        if (this.keepModels) {
          part = this.kept.get(key);
          if (!part) {
            part = this.createModel(members);
            this.kept.set(key, part);
          }
        } else if (!part || key !== partKey) {
          part?.dispose();
          part = undefined;
          part = this.createModel(members);
          partKey = key;
        }
        for (let n = from; n < to; n++) part.importWeights(n - from, model.exportWeights(n));
        const r = await this.evaluator(to - from).evaluate(populationPolicy(part), seeds.slice(from, to), opts);
        fitness.set(r.fitness, from);
        trials.set(r.trials, from * M);
      }
    } finally {
      if (!this.keepModels) part?.dispose();
    }
    return { fitness, trials };
  }

  /** Disposes the kept chunk models (keepModels); the test can still run afterwards (it makes them again). */
  dispose(): void {
    for (const m of this.kept.values()) m.dispose();
    this.kept.clear();
  }

  /** The evaluator of chunks of `n` networks (at most two sizes: full chunks and the last). */
  private evaluator(n: number): GreedyEvaluator {
    let e = this.evaluators.get(n);
    if (!e) {
      e = new GreedyEvaluator(this.set, n);
      this.evaluators.set(n, e);
    }
    return e;
  }
}
