import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MazeSet, TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { runTaskSource } from '../eval/evaluate-run.js';
import type { TaskSource } from '../sdk/task-source.js';
import { runNetworkArch, selectNetworks, trainedNetworks, type NetworkSelector } from '../onnx/export-run.js';
import { writeJsonAtomic } from '../run/atomic-write.js';
import { jsonNumber } from '../run/json-number.js';
import { loadRun, readNetworkWeights } from '../run/run-dir.js';
import type { Architecture } from '../sdk/architecture.js';
import type { KernelSet } from '../sdk/kernel.js';
import type { Metric, MetricInput, RecordedTrials } from '../sdk/metric.js';
import { TEST_SET_SEED_OFFSET } from '../sdk/streams.js';
import { registerGradients } from '../tfjs-gradients.js';
import { recordTrials } from './record-trials.js';

/** Where `measureRun` merges its values inside the run directory. */
export const MEASURES_FILE = 'measures.json';
/** Value of `format` in measures.json. */
export const MEASURES_FORMAT = 'prnn-measures';

/** A metric value as stored in measures.json: a number, null (NaN), or named numbers. */
export type StoredValue = number | null | Record<string, number | null>;

/** One network's entry in measures.json: id, architecture, family, seed and metric values. */
export interface NetworkMeasures {
  readonly id: string;
  readonly arch: string;
  readonly family: string;
  readonly seed: number;
  /** Metric name → its value (NaN stored as null). */
  readonly values: Record<string, StoredValue>;
}

/** A run's measures.json: the trial settings and one entry per network. */
export interface RunMeasures {
  readonly format: typeof MEASURES_FORMAT;
  readonly version: number;
  readonly run: string;
  /** The trials behind trial-based measures: test mazes and σs. */
  readonly mazes: number;
  readonly sensorNoise: number;
  readonly networks: NetworkMeasures[];
  /** Where the values were written (absent with `write: false`). */
  readonly file?: string;
}

/**
 * Options of `measureRun`: metrics, plugin look-ups, the recorded trials' settings, network selection and where to
 * write.
 */
export interface MeasureRunOptions {
  readonly metrics: readonly Metric[];
  /** The architecture plugin of a family. */
  readonly architecture: (family: string) => Architecture;
  /** The kernels registered for a family (handed to metrics; absent: none). */
  readonly kernels?: (family: string) => KernelSet;
  /** Test mazes of the recorded trials (default: the run's testMazes). */
  readonly mazes?: number;
  /** σs of the recorded trials (default: the run's training σs, as the stored fitness). */
  readonly sensorNoise?: number;
  readonly select?: NetworkSelector;
  /** Canonical name of an architecture spec given in `select` (undefined when unknown). */
  readonly canonical?: (spec: string) => string | undefined;
  /** The task source of a run trained on a plugin task (run.json `taskSource`). */
  readonly taskSource?: (id: string) => TaskSource;
  /** Merge the values into `<run>/measures.json` (default true). */
  readonly write?: boolean;
  /** Called after each network is measured. */
  readonly onNetwork?: (done: number, total: number) => void;
}

function stored(metric: string, id: string, value: unknown): StoredValue {
  const bad = () =>
    new PrnnError(`metric ${metric} returned ${JSON.stringify(value)} for network ${id}: expected a number or an object of numbers`);
  if (typeof value === 'number') return jsonNumber(value);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad();
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'number') throw bad();
    out[k] = jsonNumber(v);
  }
  return out;
}

async function previous(file: string): Promise<RunMeasures | undefined> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as RunMeasures;
    return json.format === MEASURES_FORMAT ? json : undefined;
  } catch {
    return undefined; // absent (or unreadable: rewritten whole)
  }
}

/**
 * Runs `metrics` over every trained network of a run (or those `select` picks). Each metric gets the
 * network's weights, its callable step, the task, lazily recorded greedy test trials (the run's test set at
 * the training σs, each network's own seed: the trials of `prnn eval --run`) and the run context. A metric
 * that throws is a PrnnError naming it and the network, and nothing is written; otherwise the values are
 * merged into `<run>/measures.json` (temp file + rename), replacing earlier values of the same metrics.
 */
export async function measureRun(runDir: string, o: MeasureRunOptions): Promise<RunMeasures> {
  if (o.metrics.length === 0) throw new PrnnError('metric must name at least one metric');
  const run = await loadRun(runDir);
  const m = run.manifest;
  const task: TaskOptions = m.task;
  const config = m.config as { testMazes?: number; sensorNoise?: number };
  const mazes = o.mazes ?? config.testMazes ?? 1000;
  const sensorNoise = o.sensorNoise ?? config.sensorNoise ?? 0.05;
  const networks = selectNetworks(run, o.select ?? {}, o.canonical);
  if (networks.length === 0) {
    const sel = o.select ?? {};
    const picked = [sel.id !== undefined ? `--id ${sel.id}` : '', sel.arch !== undefined ? `--arch ${sel.arch}` : '', sel.seed !== undefined ? `--seed ${sel.seed}` : ''].filter(Boolean);
    if (picked.length === 0) throw new PrnnError(`run ${runDir} holds no trained network to measure: train it first with prnn train --out ${runDir}`);
    const held = trainedNetworks(run).map((n) => n.entry.id);
    throw new PrnnError(`no trained network of run ${runDir} matches ${picked.join(' ')}; it holds ${held.length > 0 ? held.slice(0, 8).join(', ') + (held.length > 8 ? ', …' : '') : 'none'}`);
  }
  const mazeSeed = m.runSeed + TEST_SET_SEED_OFFSET;
  const source = runTaskSource(m, o.taskSource);
  let set: MazeSet | undefined;
  const testSet = () => {
    if (!source) return undefined;
    set ??= source.generateSet(task, { count: mazes, seed: mazeSeed });
    return set;
  };
  // measures may differentiate through the step (tf.grad): every tfjs gradient must be registered
  registerGradients();
  const results: NetworkMeasures[] = [];
  for (const net of networks) {
    const arch = runNetworkArch(net);
    const architecture = o.architecture(arch.family);
    const weights = await readNetworkWeights(run.dir, net.entry.id, net.result);
    const network = architecture.network?.(arch, weights, task.channels);
    let recorded: Promise<RecordedTrials> | undefined;
    const input: MetricInput = {
      arch,
      weights,
      parameterNames: architecture.parameterNames?.(),
      network,
      kernels: o.kernels?.(arch.family),
      task,
      trials: network
        ? () => (recorded ??= recordTrials(network, { task, mazes, mazeSeed, sensorNoise, seed: net.entry.seed, set: testSet() }))
        : undefined,
      run: {
        dir: run.dir,
        id: net.entry.id,
        seed: net.entry.seed,
        fitness: net.result.fitness,
        trainingCurve: net.result.trainingCurve,
        episodes: net.result.episodes,
        learner: m.learner,
        config: m.config,
      },
    };
    const values: Record<string, StoredValue> = {};
    try {
      for (const metric of o.metrics) {
        let value: unknown;
        try {
          value = await metric.measure(input);
        } catch (err) {
          const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
          throw Object.assign(new PrnnError(`metric ${metric.name} failed on network ${net.entry.id}: ${reason}`), { cause: err });
        }
        values[metric.name] = stored(metric.name, net.entry.id, value);
      }
    } finally {
      network?.dispose();
    }
    results.push({ id: net.entry.id, arch: arch.name, family: arch.family, seed: net.entry.seed, values });
    o.onNetwork?.(results.length, networks.length);
  }
  const measured: RunMeasures = { format: MEASURES_FORMAT, version: 1, run: runDir, mazes, sensorNoise, networks: results };
  if (o.write === false) return measured;
  const file = join(runDir, MEASURES_FILE);
  const before = await previous(file);
  const merged = new Map<string, NetworkMeasures>((before?.networks ?? []).map((n) => [n.id, n]));
  for (const n of results) merged.set(n.id, { ...n, values: { ...(merged.get(n.id)?.values ?? {}), ...n.values } });
  const order = m.networks.map((e) => e.id).filter((id) => merged.has(id));
  await writeJsonAtomic(file, { ...measured, networks: order.map((id) => merged.get(id)!) });
  return { ...measured, file };
}
