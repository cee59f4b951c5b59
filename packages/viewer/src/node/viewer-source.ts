import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { resolveTaskOptions, type TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import {
  checkPolicyChannels,
  loadRun,
  createNinePathwayArchitecture,
  META,
  OnnxPolicy,
  PAPER_FITNESS_NOISE,
  runNetworkOnnx,
  trainedNetworks,
  type Architecture,
  type LoadedRun,
  type RunNetwork,
} from '@prnn/agents';
import { MAX_POLICIES, VIEWER_CONFIG_FORMAT, VIEWER_CONFIG_VERSION, type ViewerConfig, type ViewerPolicyEntry } from '../shared/viewer-config.js';

/** Where the analysis writes the report of a run. */
export const RUN_REPORT_PATH = join('report', 'report.html');

/** What the viewer shows: a run directory and/or ONNX policy files, the task, and which networks are shown first. */
export interface ViewerSourceOptions {
  /** A run directory: its trained networks, exported to ONNX on request (the code of `prnn export`). */
  readonly run?: string;
  /** ONNX policy files (prnn policy contract). */
  readonly policies?: readonly string[];
  /** Task; default the run's, else Track with the policies' channel count. */
  readonly task?: TaskOptions;
  /** Evaluation seed of the trials (default 0, as `prnn eval --policy`). */
  readonly seed?: number;
  /** Test mazes the trials come from (default: the run's test-set size, else 100). */
  readonly mazes?: number;
  /** Initial σs (default 0.05). */
  readonly noise?: number;
  /** Network ids of the run shown at start (default one network per architecture, in run order, up to four). */
  readonly show?: readonly string[];
  /** Architecture plugins of the run's families (default: the built-in exporter). */
  readonly architecture?: (family: string) => Architecture | undefined;
}

/** What `prnn view` serves or `--static` writes: the page's configuration and the bytes of each policy. */
export interface ViewerSource {
  /** The page's configuration (config.json). */
  readonly config: ViewerConfig;
  /** The ONNX bytes of a listed policy: read from its file, or exported from the run on first request. */
  policyBytes(id: string): Promise<Uint8Array>;
  /** The run's report directory when `report/report.html` exists. */
  readonly reportDir?: string;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

function fileId(k: number, path: string): string {
  return `${k}-${basename(path).replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_.+-]+/g, '_')}`;
}

async function checkedPolicy(path: string): Promise<{ obsSize: number; metadata: Record<string, string> }> {
  const policy = await OnnxPolicy.load(path);
  const out = { obsSize: policy.obsSize, metadata: { ...policy.metadata } };
  await policy.release();
  return out;
}

function runEntries(trained: RunNetwork[]): ViewerPolicyEntry[] {
  return trained.map(({ entry, result }) => ({
    id: entry.id,
    label: `${entry.arch} · seed ${entry.seed}`,
    url: `policies/${encodeURIComponent(entry.id)}.onnx`,
    arch: entry.arch,
    seed: entry.seed,
    fitness: typeof result.fitness === 'number' ? result.fitness : null,
  }));
}

/** One network per architecture, in run order, up to MAX_POLICIES. */
function defaultShown(entries: readonly ViewerPolicyEntry[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of entries) {
    if (out.length >= MAX_POLICIES || seen.has(e.arch ?? e.id)) continue;
    seen.add(e.arch ?? e.id);
    out.push(e.id);
  }
  return out;
}

/**
 * Gathers the policies of `prnn view`: a run's trained networks (a run without any is an error that says how to
 * get some) and/or ONNX files, each checked against the policy contract in Node first so that a bad file is one
 * clear CLI error rather than a page that fails later.
 */
export async function openViewerSource(options: ViewerSourceOptions): Promise<ViewerSource> {
  const files = options.policies ?? [];
  if (!options.run && files.length === 0) throw new PrnnError('give a run directory (--run DIR) or at least one policy (--policy FILE.onnx)');
  const entries: ViewerPolicyEntry[] = [];
  const bytesOf = new Map<string, () => Promise<Uint8Array>>();
  const shown: string[] = [];
  let task = options.task;
  let run: LoadedRun | undefined;
  let reportDir: string | undefined;
  if (options.run) {
    const dir = options.run;
    run = await loadRun(dir);
    const trained = trainedNetworks(run);
    if (trained.length === 0) {
      throw new PrnnError(
        `--run ${dir} holds no trained network (no networks/<id>/result.json): train into it with \`prnn train --out ${dir}\` or pass --policy FILE.onnx`,
      );
    }
    const runEntriesList = runEntries(trained);
    const cache = new Map<string, Promise<Uint8Array>>();
    trained.forEach((net, k) => {
      const id = runEntriesList[k].id;
      bytesOf.set(id, () => {
        let bytes = cache.get(id);
        if (!bytes) {
          const family = net.result.arch?.family ?? net.entry.family;
          bytes = runNetworkOnnx(run as LoadedRun, net, options.architecture?.(family) ?? createNinePathwayArchitecture());
          cache.set(id, bytes);
        }
        return bytes;
      });
    });
    entries.push(...runEntriesList);
    const wanted = options.show ?? defaultShown(runEntriesList);
    for (const id of wanted) {
      if (!bytesOf.has(id)) {
        throw new PrnnError(`--show ${id} is not a trained network of ${dir}; it holds ${runEntriesList.map((e) => e.id).slice(0, 12).join(', ')}`);
      }
    }
    shown.push(...wanted);
    task ??= run.manifest.task;
    if (await isFile(join(dir, RUN_REPORT_PATH))) reportDir = join(dir, 'report');
  }
  let channels = task?.channels;
  for (let k = 0; k < files.length; k++) {
    const path = files[k];
    const { obsSize, metadata } = await checkedPolicy(path);
    if (channels === undefined) channels = obsSize / 4;
    checkPolicyChannels(`--policy ${path}`, obsSize, channels);
    const id = fileId(k, path);
    const arch = metadata[META.architecture];
    entries.push({ id, label: basename(path), url: `policies/${encodeURIComponent(id)}.onnx`, ...(arch ? { arch } : {}) });
    bytesOf.set(id, async () => new Uint8Array(await readFile(path)));
    if (shown.length < MAX_POLICIES) shown.push(id);
  }
  task ??= resolveTaskOptions('track', { channels });
  if (shown.length > MAX_POLICIES) throw new PrnnError(`at most ${MAX_POLICIES} policies are shown side by side (got ${shown.length})`);
  const configured = run?.manifest.config.testMazes;
  const testMazes = typeof configured === 'number' && Number.isInteger(configured) && configured >= 1 ? configured : 1000;
  const mazes = options.mazes ?? (run ? testMazes : 100);
  if (!Number.isInteger(mazes) || mazes < 1 || mazes > 100_000) throw new PrnnError(`mazes must be an integer in [1, 100000] (got ${mazes})`);
  const noise = options.noise ?? PAPER_FITNESS_NOISE;
  if (!Number.isFinite(noise) || noise < 0 || noise > 0.5) throw new PrnnError(`noise must be a number in [0, 0.5] (the page's σs slider; got ${noise})`);
  const config: ViewerConfig = {
    format: VIEWER_CONFIG_FORMAT,
    version: VIEWER_CONFIG_VERSION,
    task,
    policies: entries,
    initial: shown,
    seed: options.seed ?? 0,
    mazes,
    noise,
    ...(run ? { run: { dir: run.dir, networks: run.manifest.networks.length, runSeed: run.manifest.runSeed, testMazes } } : {}),
    ...(reportDir ? { report: 'report/report.html' } : {}),
  };
  return {
    config,
    reportDir,
    policyBytes: async (id) => {
      const get = bytesOf.get(id);
      if (!get) throw new PrnnError(`no policy ${id}`);
      return get();
    },
  };
}
