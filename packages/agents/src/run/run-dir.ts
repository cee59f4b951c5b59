import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskOptions } from '@prnn/env';
import { PrnnError, crc32, markFileOperation, parseJsonFile, writeFileAtomic } from '@prnn/core';
import type { ArchInfo } from '../sdk/architecture.js';
import { removedPath } from '../sdk/kernel.js';
import { bytesToFloat32, float32ToBytes, writeJsonAtomic } from './atomic-write.js';
import { jsonNumber } from './json-number.js';

/** Value of `format` in run.json. */
export const RUN_FORMAT = 'prnn-run';
/** Newest run.json version this code reads (and the one it writes). */
export const RUN_VERSION = 1;
/** Value of `format` in a network's result.json. */
export const NETWORK_RESULT_FORMAT = 'prnn-network-result';
/** prnn's version, recorded in run manifests and sweep plans (a plan made by another version is refused). */
export const PRNN_VERSION = '0.1.0';

/** One network of a run, as listed in run.json. */
export interface RunNetworkEntry {
  /** Directory name under networks/: `<arch>_seed<seed>`. */
  readonly id: string;
  readonly family: string;
  readonly arch: string;
  readonly seed: number;
  readonly hidden: number;
  readonly parameters: number;
  readonly referenceIndex?: number;
  readonly flags?: Readonly<Record<string, boolean>>;
}

/** run.json: what was trained, how, with what. */
export interface RunManifest {
  readonly format: typeof RUN_FORMAT;
  readonly version: number;
  readonly prnnVersion: string;
  readonly backend: string;
  readonly learner: string;
  readonly task: TaskOptions;
  /** The plugin task the episodes came from (absent: the built-in mazes of `task.kind`). */
  readonly taskSource?: string;
  /** The learner's complete hyper-parameters. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly runSeed: number;
  /** The implementation trained with: `generic` or a population kernel's name (e.g. `compiled`). */
  readonly path: string;
  /** Runs of several architecture families: each family's implementation (`path` is the first family's). */
  readonly paths?: Readonly<Record<string, string>>;
  /** Networks trained in lockstep per population (the run is split into consecutive chunks). */
  readonly populationSize: number;
  /** Hash of everything that determines the run's results (task, config, learner, seeds, networks). */
  readonly fingerprint: string;
  readonly networks: readonly RunNetworkEntry[];
}

/** One stored weight matrix of a network: its name, shape and place in weights.bin. */
export interface WeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements. */
  readonly offset: number;
}

/** networks/<id>/result.json */
export interface NetworkResultFile {
  readonly format: typeof NETWORK_RESULT_FORMAT;
  readonly version: number;
  readonly id: string;
  readonly arch: ArchInfo;
  readonly seed: number;
  readonly hidden: number;
  readonly parameters: number;
  readonly fitness: number | null;
  readonly trainingCurve: readonly (number | null)[];
  readonly episodes: number;
  readonly backend: string;
  /** Layout of weights.bin (float32 little-endian, concatenated in this order). */
  readonly weights: readonly WeightEntry[];
  /** CRC-32 of weights.bin (version ≥ 2), verified by every reader. */
  readonly weightsCrc32?: number;
}

/** Version of result.json written now: 2 adds weightsCrc32. Version 1 files are still read. */
export const NETWORK_RESULT_VERSION = 2;

/** Id and directory name of a network in a run: `<arch>_seed<seed>`. */
export function networkId(arch: string, seed: number): string {
  return `${arch}_seed${seed}`;
}

/** The fields of a manifest that decide the results; two runs with the same fingerprint are the same run. */
export function runFingerprint(m: Omit<RunManifest, 'fingerprint' | 'format' | 'version' | 'prnnVersion' | 'backend'>): string {
  const key = JSON.stringify({
    learner: m.learner,
    task: m.task,
    ...(m.taskSource ? { taskSource: m.taskSource } : {}),
    config: m.config,
    runSeed: m.runSeed,
    path: m.path,
    ...(m.paths ? { paths: m.paths } : {}),
    populationSize: m.populationSize,
    networks: m.networks.map((n) => [n.family, n.arch, n.seed, n.hidden]),
  });
  return crc32(new TextEncoder().encode(key)).toString(16).padStart(8, '0');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads a JSON file of a run; `missing` is appended to the line when the file does not exist (what to do then). */
async function readJson(path: string, what: string, missing = ''): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // a missing file is the common case; anything else (permissions, a directory) is said as a failed read
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PrnnError(`${what} not found: ${path}${missing}`);
    throw markFileOperation(error, 'read');
  }
  return parseJsonFile(text, `${what} ${path}`);
}

/**
 * Prepares `dir` for `manifest`: an empty or missing directory gets run.json; a directory holding the
 * same run (same fingerprint) is accepted only with `resume`; anything else is a PrnnError.
 */
export async function prepareRunDir(dir: string, manifest: RunManifest, opts: { resume: boolean }): Promise<'new' | 'resumed'> {
  const runJson = join(dir, 'run.json');
  if (await exists(runJson)) {
    const existing = await readRunManifest(dir);
    // a run begun on a hand-written kernel this prnn no longer has (its checkpoints hold that kernel's Adam state)
    const removed = removedPath(existing.path);
    if (removed) throw new PrnnError(`--out ${dir} holds a run trained on ${removed}; resume it with the prnn version that began it, or start afresh in another --out`);
    if (existing.fingerprint !== manifest.fingerprint && existing.path !== manifest.path) {
      // e.g. a 9-pathway run begun on the generic path, resumed without --path
      throw new PrnnError(`--out ${dir} holds a run trained on path ${existing.path} (this one: ${manifest.path}); pass --path ${existing.path} to continue it, or choose another --out`);
    }
    if (existing.fingerprint !== manifest.fingerprint) {
      throw new PrnnError(`--out ${dir} holds a different run (its run.json differs in task, hyper-parameters, seeds or networks); choose another --out`);
    }
    if (!opts.resume) {
      throw new PrnnError(`--out ${dir} already holds this run; pass --resume to continue it or choose another --out`);
    }
    return 'resumed';
  }
  if (await exists(dir)) {
    const entries = (await readdir(dir)).filter((e) => !e.startsWith('.'));
    if (entries.length > 0) {
      throw new PrnnError(`--out ${dir} is not empty and holds no prnn run (no run.json); choose another --out`);
    }
  }
  await writeJsonAtomic(runJson, manifest);
  return 'new';
}

/**
 * Reads `<dir>/run.json`; a PrnnError when it is not a prnn run manifest, is newer than this prnn reads, or lists no
 * networks.
 */
export async function readRunManifest(dir: string): Promise<RunManifest> {
  const m = (await readJson(join(dir, 'run.json'), 'run manifest', `; ${dir} is no run directory (prnn train writes run.json into its --out): check the path`)) as Partial<RunManifest>;
  if (m.format !== RUN_FORMAT || typeof m.version !== 'number') {
    throw new PrnnError(`${join(dir, 'run.json')} is not a prnn run manifest (format ${String(m.format)})`);
  }
  if (m.version > RUN_VERSION) {
    throw new PrnnError(`run.json version ${m.version} is newer than this prnn reads (${RUN_VERSION})`);
  }
  if (!Array.isArray(m.networks)) throw new PrnnError(`${join(dir, 'run.json')} has no networks list`);
  return m as RunManifest;
}

/** A trained network as stored: id, architecture, seed, weights by name, fitness, training curve and episodes. */
export interface StoredNetworkResult {
  readonly id: string;
  readonly arch: ArchInfo;
  readonly seed: number;
  readonly weights: Record<string, Float32Array>;
  readonly fitness: number;
  readonly trainingCurve: readonly number[];
  readonly episodes: number;
}

/**
 * Writes networks/<id>/weights.bin then result.json (result.json present ⇒ the network is complete).
 * `shapes` (the architecture's `weightShapes`) gives the stored order and shapes; absent, weights are
 * stored flat in the order given.
 */
export async function writeNetworkResult(
  dir: string,
  r: StoredNetworkResult,
  opts: { backend: string; shapes?: Readonly<Record<string, readonly number[]>> },
): Promise<void> {
  const declared = opts.shapes ? Object.keys(opts.shapes).filter((n) => n in r.weights) : [];
  const names = [...declared, ...Object.keys(r.weights).filter((n) => !declared.includes(n))];
  const entries: WeightEntry[] = [];
  let total = 0;
  for (const name of names) {
    const length = r.weights[name].length;
    const shape = opts.shapes?.[name];
    const fits = shape !== undefined && shape.reduce((a, b) => a * b, 1) === length;
    entries.push({ name, shape: fits ? [...shape] : [length], offset: total });
    total += length;
  }
  const flat = new Float32Array(total);
  for (const e of entries) flat.set(r.weights[e.name], e.offset);
  const netDir = join(dir, 'networks', r.id);
  const bytes = float32ToBytes(flat);
  await writeFileAtomic(join(netDir, 'weights.bin'), bytes, { createDirectory: true });
  const result: NetworkResultFile = {
    format: NETWORK_RESULT_FORMAT,
    version: NETWORK_RESULT_VERSION,
    id: r.id,
    arch: r.arch,
    seed: r.seed,
    hidden: r.arch.hidden,
    parameters: r.arch.parameters,
    fitness: jsonNumber(r.fitness),
    trainingCurve: r.trainingCurve.map(jsonNumber),
    episodes: r.episodes,
    backend: opts.backend,
    weights: entries,
    weightsCrc32: crc32(bytes),
  };
  await writeJsonAtomic(join(netDir, 'result.json'), result);
}

/**
 * Reads a network's result.json; undefined when the network is not trained yet, a PrnnError when the file is not a
 * valid result.
 */
export async function readNetworkResult(dir: string, id: string): Promise<NetworkResultFile | undefined> {
  const path = join(dir, 'networks', id, 'result.json');
  if (!(await exists(path))) return undefined;
  const r = (await readJson(path, 'network result')) as Partial<NetworkResultFile>;
  if (r.format !== NETWORK_RESULT_FORMAT || !Array.isArray(r.weights)) {
    throw new PrnnError(`${path} is not a prnn network result`);
  }
  if (typeof r.version !== 'number' || r.version > NETWORK_RESULT_VERSION) {
    throw new PrnnError(`${path} has version ${String(r.version)}; this prnn reads network results up to version ${NETWORK_RESULT_VERSION}`);
  }
  if (r.version >= 2 && typeof r.weightsCrc32 !== 'number') throw new PrnnError(`${path} has no weightsCrc32 (corrupted?)`);
  return r as NetworkResultFile;
}

/**
 * A network's weights by name (9-pathway: present pathways, row-major [A, B]). `stored` is its result.json
 * when the caller has already read it (e.g. from `loadRun`), so it is not read again.
 */
export async function readNetworkWeights(dir: string, id: string, stored?: NetworkResultFile): Promise<Record<string, Float32Array>> {
  const result = stored ?? (await readNetworkResult(dir, id));
  if (!result) throw new PrnnError(`network "${id}" of run ${dir} has no result (not trained yet, or unknown id)`);
  const path = join(dir, 'networks', id, 'weights.bin');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PrnnError(`weights not found: ${path}`);
    throw markFileOperation(error, 'read');
  }
  const total = result.weights.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== total * 4) {
    throw new PrnnError(`${path} has ${bytes.length} bytes, expected ${total * 4} (corrupted?)`);
  }
  if (result.weightsCrc32 !== undefined && crc32(bytes) !== result.weightsCrc32) {
    throw new PrnnError(`${path} is corrupted: its CRC-32 does not match the one recorded in result.json`);
  }
  const weights: Record<string, Float32Array> = {};
  for (const e of result.weights) {
    const w = bytesToFloat32(bytes, e.offset * 4, e.shape.reduce((a, b) => a * b, 1));
    if (!w.every(Number.isFinite)) throw new PrnnError(`${path} holds non-finite weights (in ${e.name}); refusing to use it`);
    weights[e.name] = w;
  }
  return weights;
}

/** A run directory as loaded: its manifest and the results of the networks trained so far. */
export interface LoadedRun {
  readonly dir: string;
  readonly manifest: RunManifest;
  /** Results of the networks trained so far, in run.json order (undefined: not trained yet). */
  readonly results: readonly (NetworkResultFile | undefined)[];
}

/** Reads a run directory (for export, eval and analysis). */
export async function loadRun(dir: string): Promise<LoadedRun> {
  const manifest = await readRunManifest(dir);
  const results = await Promise.all(manifest.networks.map((n) => readNetworkResult(dir, n.id)));
  return { dir, manifest, results };
}
