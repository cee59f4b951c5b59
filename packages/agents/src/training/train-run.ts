import { PrnnError, type TaskOptions } from '@prnn/env';
import type { Architecture, PopulationMember } from '../sdk/architecture.js';
import type { Learner, LearnerConfig, NetworkResult } from '../sdk/learner.js';
import { loadCheckpoint, removeCheckpoint, saveCheckpoint } from '../run/checkpoint.js';
import {
  PRNN_VERSION,
  RUN_FORMAT,
  RUN_VERSION,
  networkId,
  prepareRunDir,
  readNetworkResult,
  runFingerprint,
  writeNetworkResult,
  type RunManifest,
  type RunNetworkEntry,
} from '../run/run-dir.js';

/** Default number of networks trained in lockstep. */
export const DEFAULT_POPULATION = 256;

export interface TrainRunOptions {
  readonly task: TaskOptions;
  /** The architecture family (from the Registry) and the networks to train, in run order. */
  readonly architecture: Architecture;
  readonly members: readonly PopulationMember[];
  readonly learner: Learner;
  /** The learner's validated configuration (`learner.configure(task, overrides)`). */
  readonly config: LearnerConfig;
  readonly runSeed?: number;
  /** Networks per population (the run is trained in consecutive chunks of this size). */
  readonly population?: number;
  readonly path?: 'generic' | 'fused';
  /** The tfjs backend in use (recorded in run.json). */
  readonly backend: string;
  /** Run directory; without it nothing is written. */
  readonly out?: string;
  readonly resume?: boolean;
  /** Checkpoint every this many episodes (default: a tenth of the run, at least 1). */
  readonly checkpointEvery?: number;
  readonly onProgress?: (p: RunProgress) => void;
  readonly signal?: AbortSignal;
}

export interface RunProgress {
  /** Network-episodes done, out of `total`. */
  readonly done: number;
  readonly total: number;
  /** Network-episodes per second over the work done in this call. */
  readonly rate: number;
  readonly loss?: number;
}

export interface RunNetworkSummary {
  readonly id: string;
  readonly arch: string;
  readonly seed: number;
  readonly hidden: number;
  readonly parameters: number;
  readonly fitness: number | null;
  readonly trainingCurve: readonly (number | null)[];
}

export interface TrainRunResult {
  readonly networks: readonly RunNetworkSummary[];
  /** Network-episodes per second of training in this call (NaN when everything was already trained). */
  readonly netEpisodesPerSecond: number;
  readonly backend: string;
  readonly out?: string;
  /** The full results (weights included) of the networks trained in this call. */
  readonly trained: readonly NetworkResult[];
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The run manifest of a training job (what run.json records). */
export function buildRunManifest(o: TrainRunOptions): RunManifest {
  const networks: RunNetworkEntry[] = o.members.map((m) => ({
    id: networkId(m.arch.name, m.seed),
    family: m.arch.family,
    arch: m.arch.name,
    seed: m.seed,
    hidden: m.arch.hidden,
    parameters: m.arch.parameters,
    ...(m.arch.referenceIndex !== undefined ? { referenceIndex: m.arch.referenceIndex } : {}),
    ...(m.arch.flags !== undefined ? { flags: m.arch.flags } : {}),
  }));
  const ids = new Set<string>();
  for (const n of networks) {
    if (ids.has(n.id)) throw new PrnnError(`network ${n.arch} with seed ${n.seed} is listed twice`);
    ids.add(n.id);
  }
  const body = {
    learner: o.learner.name,
    task: o.task,
    config: { ...o.config } as Record<string, unknown>,
    runSeed: o.runSeed ?? 0,
    path: o.path ?? 'generic',
    populationSize: o.population ?? DEFAULT_POPULATION,
    networks,
  };
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    prnnVersion: PRNN_VERSION,
    backend: o.backend,
    ...body,
    fingerprint: runFingerprint(body),
  };
}

/**
 * Trains every network of a run, population by population, writing results (and checkpoints) into
 * `out` when given; with `resume`, finished networks are kept and the current population continues from
 * its checkpoint, giving the same final weights as an uninterrupted run.
 */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  const population = o.population ?? DEFAULT_POPULATION;
  if (!Number.isInteger(population) || population < 1) {
    throw new PrnnError(`population must be an integer ≥ 1 (got ${population})`);
  }
  if (o.members.length === 0) throw new PrnnError('there are no networks to train (check --arch and --seeds)');
  const manifest = buildRunManifest(o);
  const E = o.config.episodes;
  const every = o.checkpointEvery ?? Math.max(1, Math.ceil(E / 10));
  if (!Number.isInteger(every) || every < 1) throw new PrnnError(`checkpoint-every must be an integer ≥ 1 (got ${every})`);
  if (o.resume && !o.out) throw new PrnnError('--resume needs --out (the run directory to continue)');
  if (o.out) await prepareRunDir(o.out, manifest, { resume: o.resume ?? false });

  const summaries = new Array<RunNetworkSummary | undefined>(o.members.length);
  const trained: NetworkResult[] = [];
  const total = o.members.length * E;
  let done = 0;
  let trainedEpisodes = 0;
  let trainingSeconds = 0;
  const started = performance.now();
  let backend = o.backend;

  for (let from = 0; from < o.members.length; from += population) {
    const members = o.members.slice(from, from + population);
    const entries = manifest.networks.slice(from, from + population);
    if (o.out) {
      const stored = await Promise.all(entries.map((e) => readNetworkResult(o.out as string, e.id)));
      if (stored.every((r) => r !== undefined)) {
        stored.forEach((r, k) => {
          const e = entries[k];
          summaries[from + k] = {
            id: e.id, arch: e.arch, seed: e.seed, hidden: e.hidden, parameters: e.parameters,
            fitness: r!.fitness, trainingCurve: r!.trainingCurve,
          };
        });
        done += members.length * E;
        continue;
      }
    }
    const identity = { fingerprint: manifest.fingerprint, members: entries.map((e) => e.id) };
    const resume = o.out && o.resume ? await loadCheckpoint(o.out, identity) : undefined;
    const base = done;
    const startEpisode = resume?.episode ?? 0;
    const result = await o.learner.train(
      {
        task: o.task,
        architecture: o.architecture,
        members,
        config: o.config,
        runSeed: o.runSeed ?? 0,
        path: o.path,
        resume,
      },
      {
        onProgress: (p) => {
          if (!o.onProgress) return;
          const now = performance.now();
          const work = trainedEpisodes + (p.episode - startEpisode) * members.length;
          o.onProgress({ done: base + p.episode * members.length, total, rate: work / ((now - started) / 1000), loss: p.loss });
        },
        checkpoint: o.out ? { everyEpisodes: every, save: (state) => saveCheckpoint(o.out as string, identity, state) } : undefined,
        signal: o.signal,
      },
    );
    backend = result.backend;
    const count = (E - startEpisode) * members.length;
    trainedEpisodes += count;
    if (result.netEpisodesPerSecond > 0) trainingSeconds += count / result.netEpisodesPerSecond;
    done += members.length * E;
    for (let k = 0; k < result.networks.length; k++) {
      const r = result.networks[k];
      const e = entries[k];
      if (o.out) {
        await writeNetworkResult(
          o.out,
          { id: e.id, arch: r.member.arch, seed: r.member.seed, weights: r.weights, fitness: r.fitness, trainingCurve: r.trainingCurve, episodes: r.episodes },
          { backend: result.backend, channels: o.task.channels },
        );
      }
      trained.push(r);
      summaries[from + k] = {
        id: e.id, arch: e.arch, seed: e.seed, hidden: e.hidden, parameters: e.parameters,
        fitness: finiteOrNull(r.fitness), trainingCurve: r.trainingCurve.map(finiteOrNull),
      };
    }
    if (o.out) await removeCheckpoint(o.out);
  }
  return {
    networks: summaries as RunNetworkSummary[],
    netEpisodesPerSecond: trainingSeconds > 0 ? trainedEpisodes / trainingSeconds : Number.NaN,
    backend,
    out: o.out,
    trained,
  };
}
