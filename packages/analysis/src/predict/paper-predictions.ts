import { OPTIONAL_PATHWAYS, PATHWAYS } from '@prnn/agents';
import { crossValidatedForest, type CrossValidatedRmse, type ForestOptions } from './random-forest-cv.js';

/** What the random forests see of a network (docs/spec.md §4, prediction). */
export interface PredictionSample {
  readonly flags: Readonly<Record<string, boolean>>;
  readonly weightNorms: Readonly<Record<string, number>>;
  readonly inputSensitivity: number;
  readonly memoryCapacity: number;
  readonly fitness: number;
  readonly sampleEfficiency: number;
  readonly robustness: number;
}

/**
 * Feature sets the random forests predict from (docs/spec.md §4): the pathway flags, weight norms, input sensitivity,
 * memory capacity, or all of them.
 */
export const PREDICTION_FEATURES = ['flags', 'weight norms', 'input sensitivity', 'memory capacity', 'all'] as const;
/** Measures the random forests predict. */
export const PREDICTION_TARGETS = ['fitness', 'sampleEfficiency', 'robustness'] as const;
/** One of {@link PREDICTION_FEATURES}. */
export type PredictionFeatureSet = (typeof PREDICTION_FEATURES)[number];
/** One of {@link PREDICTION_TARGETS}. */
export type PredictionTarget = (typeof PREDICTION_TARGETS)[number];

/** Cross-validated RMSE of predicting one target from one feature set, with the true values. */
export interface PredictionResult extends CrossValidatedRmse {
  readonly target: PredictionTarget;
  readonly features: PredictionFeatureSet;
  /** The target values the forest was scored on (aligned with `predictions`). */
  readonly truth: number[];
}

function featureRow(s: PredictionSample, set: PredictionFeatureSet): number[] {
  const flags = OPTIONAL_PATHWAYS.map((p) => (s.flags[p] ? 1 : 0));
  const norms = PATHWAYS.map((p) => s.weightNorms[p] ?? 0);
  switch (set) {
    case 'flags':
      return flags;
    case 'weight norms':
      return norms;
    case 'input sensitivity':
      return [s.inputSensitivity];
    case 'memory capacity':
      return [s.memoryCapacity];
    case 'all':
      return [...flags, ...norms, s.inputSensitivity, s.memoryCapacity];
  }
}

/**
 * The paper's prediction study: fitness, sample efficiency and robustness each predicted from (a) the 7
 * flags, (b) the 9 weight norms, (c) input sensitivity, (d) memory capacity, (e) all of them. Samples with a
 * non-finite value in what a forest needs are left out of that forest.
 */
export function paperPredictions(samples: readonly PredictionSample[], options: ForestOptions = {}): PredictionResult[] {
  return predictionTasks(samples).map((t) => ({ target: t.target, features: t.features, truth: t.y, ...crossValidatedForest(t.rows, t.y, options) }));
}

/** One forest of the prediction study: what it predicts, from which features, and its data. */
export interface PredictionTask {
  readonly target: PredictionTarget;
  readonly features: PredictionFeatureSet;
  readonly rows: number[][];
  readonly y: number[];
}

/** The forests of the prediction study (see paperPredictions), in its order, each with its samples. */
export function predictionTasks(samples: readonly PredictionSample[]): PredictionTask[] {
  const tasks: PredictionTask[] = [];
  for (const target of PREDICTION_TARGETS) {
    for (const features of PREDICTION_FEATURES) {
      const rows: number[][] = [];
      const y: number[] = [];
      for (const s of samples) {
        const row = featureRow(s, features);
        if (Number.isFinite(s[target]) && row.every(Number.isFinite)) {
          rows.push(row);
          y.push(s[target]);
        }
      }
      if (y.length >= 2) tasks.push({ target, features, rows, y });
    }
  }
  return tasks;
}

/**
 * paperPredictions with each forest computed by `forest` (e.g. on a worker thread), all at once; the same
 * results in the same order when `forest` computes what crossValidatedForest does.
 */
export async function paperPredictionsWith(
  samples: readonly PredictionSample[],
  options: ForestOptions,
  forest: (rows: number[][], y: number[], options: ForestOptions) => Promise<CrossValidatedRmse>,
): Promise<PredictionResult[]> {
  return Promise.all(predictionTasks(samples).map(async (t) => ({ target: t.target, features: t.features, truth: t.y, ...(await forest(t.rows, t.y, options)) })));
}
