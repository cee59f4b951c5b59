import type { TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { jsonNumber } from '../run/json-number.js';
import { OnnxPolicy } from './onnx-policy.js';
import { trapezoidArea } from './noise-spec.js';
import { PolicyEvaluator, type EvaluationResult } from './policy-evaluator.js';
import { PopulationEngine } from './population-engine.js';
import type { ArchInfo, Architecture } from '../sdk/architecture.js';

/** One network's evaluation on some noise levels, as plain data for a worker thread. */
export interface LevelsRequest {
  /** The network's ONNX policy. */
  readonly bytes: Uint8Array;
  readonly label: string;
  readonly task: TaskOptions;
  /** The test set: `mazes` mazes generated from `mazeSeed` (built-in maze kinds only). */
  readonly mazes: number;
  readonly mazeSeed: number;
  readonly noise: readonly number[];
  readonly seed: number;
  readonly streamId?: number;
  readonly intraOpNumThreads: number;
}

/**
 * One network's evaluation by its architecture's population model (engine `tfjs`) on some noise levels, as
 * plain data for a worker thread, which rebuilds the registry to find the architecture.
 */
export interface ModelLevelsRequest extends Omit<LevelsRequest, 'bytes' | 'intraOpNumThreads'> {
  readonly family: string;
  readonly arch: ArchInfo;
  readonly weights: Record<string, Float32Array>;
  /** The tfjs backend of the caller (so the worker computes with the same one). */
  readonly backend: string;
  /** Where the worker loads plugins: the directory of prnn.config.json, and more plugin specs. */
  readonly cwd: string;
  readonly plugins?: readonly string[];
}

/** A worker's answer for a range of noise levels. */
export interface LevelsResult {
  /** Mean fitness per level (NaN where no trial is defined). */
  readonly means: number[];
}

/** A worker's evaluators, kept across calls: the test set and its env are built once per sweep shape. */
const evaluators = new Map<string, PolicyEvaluator>();

/** Evaluates one network on `req.noise` in this thread (what a worker runs). */
export async function evaluateLevels(req: LevelsRequest): Promise<LevelsResult> {
  const evaluator = evaluatorFor(req);
  const policy = await OnnxPolicy.load(req.bytes, { label: req.label, intraOpNumThreads: req.intraOpNumThreads, splitState: true });
  try {
    const r = await evaluator.evaluate(policy, req.seed);
    return { means: r.fitness.map((v) => (v === null ? Number.NaN : v)) };
  } finally {
    await policy.release();
  }
}

/** The evaluator of a sweep shape in this thread (kept across calls). */
function evaluatorFor(req: Omit<LevelsRequest, 'bytes' | 'intraOpNumThreads'>): PolicyEvaluator {
  const key = JSON.stringify([req.task, req.mazes, req.mazeSeed, req.noise, req.streamId ?? null]);
  let evaluator = evaluators.get(key);
  if (!evaluator) {
    if (evaluators.size >= 4) evaluators.clear();
    evaluator = new PolicyEvaluator({ task: req.task, mazes: req.mazes, mazeSeed: req.mazeSeed, noise: req.noise, streamId: req.streamId });
    evaluators.set(key, evaluator);
  }
  return evaluator;
}

/** Evaluates one network by its architecture's population model on `req.noise` in this thread (what a worker runs). */
export async function evaluateModelLevels(req: Omit<ModelLevelsRequest, 'family' | 'backend' | 'cwd' | 'plugins'>, architecture: Architecture): Promise<LevelsResult> {
  const engine = PopulationEngine.create(architecture, req.arch, req.weights, req.task.channels, { seed: req.seed });
  try {
    const r = await evaluatorFor(req).evaluate(engine, req.seed);
    return { means: r.fitness.map((v) => (v === null ? Number.NaN : v)) };
  } finally {
    engine.dispose();
  }
}

/** Runs a named export of the worker module (a TrainWorkerPool). */
export interface EvaluationWorkers {
  readonly workers: number;
  /** Sends a named request to a free worker and resolves with its answer (rejects with the worker's error). */
  call<T>(name: string, request: unknown): Promise<T>;
}

/** Levels [from, to) of each of `parts` contiguous, balanced chunks of `levels` levels. */
export function levelChunks(levels: number, parts: number): [number, number][] {
  const n = Math.max(1, Math.min(parts, levels));
  return Array.from({ length: n }, (_, k) => [Math.floor((k * levels) / n), Math.floor(((k + 1) * levels) / n)] as [number, number]);
}

/**
 * One network's noise sweep with its levels cut into one contiguous chunk per worker thread, each chunk a
 * batch of its levels × all mazes in the worker's own onnxruntime session and maze world. A level's result
 * depends only on (network, test set, seed, σs), so the merged sweep equals the one-thread sweep exactly.
 */
export async function evaluateSweepInWorkers(pool: EvaluationWorkers, req: LevelsRequest): Promise<EvaluationResult> {
  if (req.noise.length === 0) throw new PrnnError('noise must list at least one level');
  const started = performance.now();
  const chunks = levelChunks(req.noise.length, pool.workers);
  const parts = await Promise.all(
    chunks.map(([from, to]) => pool.call<LevelsResult>('evaluateLevelsInWorker', { ...req, noise: req.noise.slice(from, to) } satisfies LevelsRequest)),
  );
  const means = parts.flatMap((p) => p.means);
  return {
    noise: [...req.noise],
    fitness: means.map(jsonNumber),
    ...(req.noise.length > 1 ? { robustness: jsonNumber(trapezoidArea(req.noise, means)) } : {}),
    mazes: req.mazes,
    engine: 'onnx',
    seconds: (performance.now() - started) / 1000,
  };
}
