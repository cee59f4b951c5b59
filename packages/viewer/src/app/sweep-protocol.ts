import type { TaskOptions } from '@prnn/env';

/** Main thread → sweep worker. Bytes are copies (transferred), so the page keeps its own sessions. */
export interface SweepRequest {
  readonly id: number;
  readonly task: TaskOptions;
  /** Seed of the test set (one set for every policy). */
  readonly mazeSeed: number;
  readonly mazes: number;
  readonly noise: number[];
  /** Each policy with its evaluation seed. */
  readonly policies: { readonly label: string; readonly seed: number; readonly bytes: ArrayBuffer }[];
}

/** Sweep worker → main thread. */
export type SweepMessage =
  | { readonly type: 'result'; readonly id: number; readonly index: number; readonly fitness: (number | null)[]; readonly robustness: number | null }
  | { readonly type: 'done'; readonly id: number; readonly seconds: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
