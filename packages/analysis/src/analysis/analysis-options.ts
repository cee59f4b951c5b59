import type { Registry } from '@prnn/agents';
import type { ForestOptions } from '../predict/random-forest-cv.js';

/**
 * Options shared by every analysis: test mazes, noise sweep, metrics, plugins, Jacobian path and finite-difference
 * step, workers and the random-forest settings.
 */
export interface AnalysisOptions {
  /** Test mazes per network (default 1 000, docs/spec.md §4). */
  readonly mazes?: number;
  /** Sensor-noise levels of the sweep (default the paper's 21 levels 0, 0.025, …, 0.5). */
  readonly noise?: readonly number[];
  /** Measures to compute (default all of MEASURE_NAMES). */
  readonly metrics?: readonly string[];
  /** Random forests of the prediction study (folds 10, trees 100, depth 9, seed 0). */
  readonly forest?: ForestOptions;
  /** The plugin registry: architecture families (ONNX export of plugin families) and metrics (default: built-ins). */
  readonly registry?: Registry;
  /**
   * `autodiff`: exact Jacobians through every family's step, skipping registered `jacobian` kernels (e.g. to
   * check the fused 9-pathway kernel); a kernel's name: that kernel only. Default: the fastest exact path.
   */
  readonly jacobianPath?: string;
  /** Central-difference step for bare ONNX policies, which have no differentiable step (default FD_STEP). */
  readonly fdStep?: number;
  /**
   * Worker threads for the per-network measures (default 1: this thread). Each worker rebuilds the registry
   * from `plugins` (plugins by name only) and analyses one network at a time; the results do not depend on
   * the number of workers.
   */
  readonly workers?: number;
  /** Where analysis workers load plugins: the directory of prnn.config.json (default process.cwd()), and more specs. */
  readonly plugins?: { readonly cwd?: string; readonly extra?: readonly string[] };
  /**
   * Analyse runs together whose training differs (learner or its configuration, e.g. episodes); by default
   * such runs are refused before any work, since their architectures would be compared on unequal footing.
   * Runs must share their task either way.
   */
  readonly allowMixed?: boolean;
  /** Called after each network: networks done, total, the network's id. */
  readonly onProgress?: (done: number, total: number, id: string) => void;
}
