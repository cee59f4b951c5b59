import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { checkPolicyChannels, META, OnnxPolicy, TEST_SET_SEED_OFFSET, type TaskSource } from '@prnn/agents';
import { checkMeasures, MEASURE_NAMES } from '../measures/measure-names.js';
import { analysisLevels, analysisRegistry, checkMazes, testEvaluators } from './analyze-run.js';
import type { AnalysisOptions } from './analysis-options.js';
import { measureNetwork, pluginMetricNames } from './measure-network.js';
import { summarizeAnalysis, type Analysis } from './summarize.js';

/** prnn's `ii,hh,oo,io,oi,hi,oh=0101010` metadata as flags (empty when absent or malformed). */
function flagsOfMetadata(text: string | undefined): Record<string, boolean> {
  const [names, bits] = (text ?? '').split('=');
  const list = (names ?? '').split(',');
  if (!bits || bits.length !== list.length) return {};
  return Object.fromEntries(list.map((p, k) => [p, bits[k] === '1']));
}

/** Options of analysing one ONNX policy: the analysis options plus its task and the evaluation seed. */
export interface PolicyAnalysisOptions extends AnalysisOptions {
  readonly task: TaskOptions;
  /** A plugin task: the test mazes come from its generator (default: the built-in mazes of `task`). */
  readonly taskSource?: TaskSource;
  /** Evaluation seed: sensor noise, tie-breaking and the test set (default 0, as `prnn eval --policy`). */
  readonly seed?: number;
}

/**
 * Analyses one ONNX policy of the prnn policy contract (from prnn or from PyTorch, JAX, …): noise sweep,
 * robustness, input sensitivity and memory from exact Jacobians of its graph (the float64 interpreter of
 * onnx-interpreter.ts, checked against onnxruntime's forward pass), or — when the graph has ops the
 * interpreter does not run — by batched central finite differences through onnxruntime.
 * Sample efficiency and weight norms need what `prnn train` stores and are not computed.
 */
export async function analyzePolicy(file: string, options: PolicyAnalysisOptions): Promise<Analysis> {
  const started = performance.now();
  const registry = analysisRegistry(options);
  const measures = new Set(checkMeasures(options.metrics ?? MEASURE_NAMES, pluginMetricNames(registry)));
  const mazes = checkMazes(options.mazes ?? 1000);
  const noise = analysisLevels(options);
  const seed = options.seed ?? 0;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new PrnnError(`policy file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const policy = await OnnxPolicy.load(bytes, { label: basename(file) });
  try {
    checkPolicyChannels(`policy ${file}`, policy.obsSize, options.task.channels);
    const mazeSeed = seed + TEST_SET_SEED_OFFSET;
    const ev = testEvaluators(options.task, mazes, mazeSeed, noise, options.taskSource);
    const meta = policy.metadata;
    const arch = {
      family: meta[META.family] ?? 'onnx',
      name: meta[META.architecture] ?? 'policy',
      hidden: Number(meta[META.hidden] ?? Number.NaN),
      parameters: Number(meta[META.parameters] ?? Number.NaN),
    };
    const measured = await measureNetwork(policy, seed, ev, registry, { arch, weights: {} }, {
      measures,
      fdStep: options.fdStep,
      onnx: { bytes, stateSize: policy.stateSize },
    });
    const flags = flagsOfMetadata(meta[META.flags]);
    const network = {
      source: file,
      id: meta[META.networkId] ?? file,
      family: arch.family,
      arch: arch.name,
      seed,
      hidden: arch.hidden,
      parameters: arch.parameters,
      flags,
      storedFitness: Number.NaN,
      ...measured,
      sampleEfficiency: Number.NaN,
      trainingCurve: [],
    };
    options.onProgress?.(1, 1, network.id);
    return summarizeAnalysis({
      task: options.task,
      mazes,
      noise,
      measures: [...measures],
      sources: [{ kind: 'policy', path: file, networks: 1, mazeSeed }],
      networks: [network],
      sampleEfficiencyThreshold: Number.NaN,
      forest: options.forest,
      seconds: (performance.now() - started) / 1000,
    });
  } finally {
    await policy.release();
  }
}
