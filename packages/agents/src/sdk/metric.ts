import type { ArchInfo } from './architecture.js';

/** What a metric measures: one trained network. Later measures (sensitivity, memory) add optional fields. */
export interface MetricInput {
  readonly arch: ArchInfo;
  /** The network's weights by name (9-pathway family: present pathways, row-major [A, B]). */
  readonly weights: Readonly<Record<string, Float32Array>>;
}

/** A measure of a trained network (a plugin contract, bound to `TYPES.Metric`). */
export interface Metric {
  /** Registry key, e.g. `weight-norms`. */
  readonly name: string;
  readonly description: string;
  /** One number, or named numbers (e.g. one per pathway). */
  measure(input: MetricInput): number | Record<string, number>;
}
