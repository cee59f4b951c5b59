import type { TaskOptions } from '@prnn/env';
import { summarize } from '../measures/summary.js';
import { paperPredictions, type PredictionResult, type PredictionSample } from '../predict/paper-predictions.js';
import type { ForestOptions } from '../predict/random-forest-cv.js';
import { compareToReference, SIGNIFICANCE_LEVEL, type GroupComparison } from '../stats/compare-to-reference.js';
import { headlineTable, type HeadlineRow } from './headline.js';
import type { NetworkAnalysis } from './network-analysis.js';

/** Scalar measures compared across architectures (each against FC). */
export const COMPARED_MEASURES = ['fitness', 'robustness', 'sampleEfficiency', 'inputSensitivity', 'memoryCapacity'] as const;
/** Name of each of {@link COMPARED_MEASURES}. */
export type ComparedMeasure = (typeof COMPARED_MEASURES)[number];
/** Table and figure label of each compared measure. */
export const MEASURE_LABELS: Record<ComparedMeasure, string> = {
  fitness: 'fitness',
  robustness: 'robustness',
  sampleEfficiency: 'sample efficiency',
  inputSensitivity: 'input sensitivity',
  memoryCapacity: 'memory capacity',
};

/** Where the networks came from: a run directory (with its settings), a sweep's results store, or a policy file. */
export interface AnalysisSource {
  readonly kind: 'run' | 'store' | 'policy';
  readonly path: string;
  readonly learner?: string;
  readonly runSeed?: number;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly networks: number;
  readonly mazeSeed: number;
  /** The noise sweep came from the run's eval.json. */
  readonly reusedEval?: boolean;
}

/** One architecture: its networks' measures summarised, and each measure compared with FC. */
export interface ArchitectureSummary {
  readonly arch: string;
  readonly family: string;
  readonly parameters: number;
  readonly flags: Readonly<Record<string, boolean>>;
  readonly networks: number;
  readonly measures: Record<ComparedMeasure, GroupComparison>;
  /** Median M_k per lag and its quartiles. */
  readonly memory: { median: number; q1: number; q3: number }[];
}

/**
 * An analysis (analysis.json): its settings, every network's measures, per-architecture comparisons against FC,
 * predictions and the headline rows.
 */
export interface Analysis {
  readonly format: 'prnn-analysis';
  readonly version: 1;
  readonly task: TaskOptions;
  readonly mazes: number;
  readonly noise: number[];
  readonly measures: string[];
  readonly sources: AnalysisSource[];
  readonly sampleEfficiencyThreshold: number;
  readonly alpha: number;
  /** The architecture every other is tested against ('fc' when present). */
  readonly reference: string | null;
  readonly networks: NetworkAnalysis[];
  readonly architectures: ArchitectureSummary[];
  readonly headline: HeadlineRow[];
  readonly predictions: PredictionResult[];
  readonly seconds: number;
}

/** Input of `summarizeAnalysis`: the settings and the measured networks of one or more sources. */
export interface SummarizeInput {
  readonly task: TaskOptions;
  readonly mazes: number;
  readonly noise: number[];
  readonly measures: string[];
  readonly sources: AnalysisSource[];
  readonly networks: NetworkAnalysis[];
  readonly sampleEfficiencyThreshold: number;
  readonly forest?: ForestOptions;
  readonly seconds: number;
  /** The prediction study, when computed elsewhere (e.g. on worker threads) from `predictionSamples(input)`. */
  readonly predictions?: PredictionResult[];
}

/** What the prediction study's forests see of the networks, or undefined when the analysis makes no prediction. */
export function predictionSamples(input: SummarizeInput): PredictionSample[] | undefined {
  const { networks } = input;
  const wantPrediction = networks.length >= 2 && ['fitness', 'robustness', 'sample-efficiency'].some((m) => input.measures.includes(m));
  return wantPrediction ? networks.map((n) => ({ ...n, weightNorms: n.weightNorms })) : undefined;
}

/** Per-architecture summaries, tests against FC, the headline table and the prediction study. */
export function summarizeAnalysis(input: SummarizeInput): Analysis {
  const { networks } = input;
  const byArch = new Map<string, NetworkAnalysis[]>();
  for (const n of networks) {
    const list = byArch.get(n.arch) ?? [];
    list.push(n);
    byArch.set(n.arch, list);
  }
  const reference = byArch.has('fc') ? 'fc' : null;
  const comparisons = {} as Record<ComparedMeasure, Map<string, GroupComparison>>;
  for (const m of COMPARED_MEASURES) {
    const groups = new Map([...byArch].map(([arch, list]) => [arch, list.map((n) => n[m])]));
    const rows = reference
      ? compareToReference(groups, reference)
      : [...groups].map(([group, values]) => ({ group, ...summarize(values), pHigher: Number.NaN, pLower: Number.NaN, significance: 'n/a' as const, shift: Number.NaN, shiftLow: Number.NaN, shiftHigh: Number.NaN, shiftCoverage: Number.NaN, cliffDelta: Number.NaN }));
    comparisons[m] = new Map(rows.map((r) => [r.group, r]));
  }
  const steps = input.task.steps;
  const architectures: ArchitectureSummary[] = [...byArch].map(([arch, list]) => {
    const memory = [];
    for (let lag = 0; lag < steps; lag++) {
      const s = summarize(list.map((n) => n.memory[lag] ?? Number.NaN));
      memory.push({ median: s.median, q1: s.q1, q3: s.q3 });
    }
    return {
      arch,
      family: list[0].family,
      parameters: list[0].parameters,
      flags: list[0].flags,
      networks: list.length,
      measures: Object.fromEntries(COMPARED_MEASURES.map((m) => [m, comparisons[m].get(arch)!])) as Record<ComparedMeasure, GroupComparison>,
      memory,
    };
  });
  architectures.sort((a, b) => a.parameters - b.parameters || a.arch.localeCompare(b.arch));
  const samples = predictionSamples(input);
  const predictions = input.predictions ?? (samples ? paperPredictions(samples, input.forest) : []);
  return {
    format: 'prnn-analysis',
    version: 1,
    task: input.task,
    mazes: input.mazes,
    noise: input.noise,
    measures: input.measures,
    sources: input.sources,
    sampleEfficiencyThreshold: input.sampleEfficiencyThreshold,
    alpha: SIGNIFICANCE_LEVEL,
    reference,
    networks,
    architectures,
    headline: headlineTable(architectures),
    predictions,
    seconds: input.seconds,
  };
}
