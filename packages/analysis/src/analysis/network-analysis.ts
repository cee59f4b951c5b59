import type { RunNetworkEntry } from '@prnn/agents';
import type { MemoryDiagnostics } from '../measures/memory.js';

/** Everything measured of one network (one row of networks.csv). NaN: not computed or undefined. */
export interface NetworkAnalysis extends Pick<RunNetworkEntry, 'family' | 'arch' | 'seed' | 'hidden' | 'parameters'> {
  /** The run directory it came from (or the policy file). */
  readonly source: string;
  /** Unique within the analysis (`<run>/<id>` when several runs are analysed). */
  readonly id: string;
  /** The 7 optional-pathway flags (9-pathway family; empty otherwise). */
  readonly flags: Readonly<Record<string, boolean>>;
  /** Fitness as `prnn train` stored it (NaN for a policy file). */
  readonly storedFitness: number;
  /** Fitness at σs = 0.05 on the analysis' test mazes. */
  fitness: number;
  /** Fitness at each level of the analysis' noise sweep. */
  fitnessByNoise: number[];
  robustness: number;
  sampleEfficiency: number;
  inputSensitivity: number;
  /** M_k for k = 0, −1, … (one per lag the task allows). */
  memory: number[];
  memoryCapacity: number;
  /** Frobenius norms of the 9 pathways (canonical order), 0 when absent; empty when unknown. */
  weightNorms: Record<string, number>;
  readonly trainingCurve: number[];
  /** Plugin metrics by name (a named-number metric as `name.key`). */
  extra: Record<string, number>;
  /**
   * How the Jacobians were computed: the name of the family's registered `jacobian` kernel (exact, e.g.
   * `fused` for the 9-pathway family), `autodiff` (exact, through the family's NetworkStep),
   * `onnx-exact` (a bare ONNX policy whose graph the interpreter runs), `finite-difference` (one it cannot
   * run), or `none`.
   */
  jacobian: string;
  /** Which Jacobian path ran and why (ONNX policies). */
  jacobianNote?: string;
  /** What lies behind each M_k (see memoryDiagnostics); absent when memory was not measured. */
  memoryDiagnostics?: MemoryDiagnostics;
}
