import type { TaskOptions } from '@prnn/env';

/** File name of the page's configuration, next to index.html (served by `prnn view`, written by `--static`). */
export const VIEWER_CONFIG_FILE = 'config.json';
/** Value of `format` in the viewer's config.json. */
export const VIEWER_CONFIG_FORMAT = 'prnn-viewer';
/** Version of the config.json layout the page reads. */
export const VIEWER_CONFIG_VERSION = 1;
/** Policies shown side by side. */
export const MAX_POLICIES = 4;

/** A policy the page can load: a file given to `prnn view --policy`, or a network of the run. */
export interface ViewerPolicyEntry {
  /** Unique id: the network id of a run (`<arch>_seed<seed>`), or `<k>-<file stem>` for the k-th policy file. */
  readonly id: string;
  /** What the page's list shows: `<arch> · seed <seed>` for a network of the run, the file name for a policy file. */
  readonly label: string;
  /** Relative to the page: `policies/<id>.onnx`. */
  readonly url: string;
  /** Architecture name, when known (from the run, or the policy file's metadata). */
  readonly arch?: string;
  /** The network's seed (runs only). */
  readonly seed?: number;
  /** The network's stored training fitness (runs only). */
  readonly fitness?: number | null;
}

/** What the page starts from. */
export interface ViewerConfig {
  /** Always {@link VIEWER_CONFIG_FORMAT}. */
  readonly format: typeof VIEWER_CONFIG_FORMAT;
  /** Layout version ({@link VIEWER_CONFIG_VERSION}). */
  readonly version: number;
  /** The task the trials are played on. */
  readonly task: TaskOptions;
  /** Every policy the page can load, in list order. */
  readonly policies: readonly ViewerPolicyEntry[];
  /** Ids shown at start (at most MAX_POLICIES). */
  readonly initial: readonly string[];
  /** Evaluation seed (as `prnn eval --seed`: sensor noise, ties and the test set seed + 1 000 003). */
  readonly seed: number;
  /** Test mazes of the set the trials come from (with a run: its test-set size, so the mean is its stored fitness). */
  readonly mazes: number;
  /** Initial sensor noise σs. */
  readonly noise: number;
  /** With a run: its directory, network count, seed (its test set is runSeed + 1 000 003) and test-set size. */
  readonly run?: { readonly dir: string; readonly networks: number; readonly runSeed: number; readonly testMazes: number };
  /** Link to the run's analysis report, relative to the page. */
  readonly report?: string;
}
