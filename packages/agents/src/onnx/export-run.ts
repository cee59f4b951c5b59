import { PrnnError, writeFileAtomic } from '@prnn/core';
import { loadRun, readNetworkWeights, type LoadedRun, type NetworkResultFile, type RunNetworkEntry } from '../run/run-dir.js';
import type { Architecture, ArchInfo } from '../sdk/architecture.js';
import { META } from './policy-contract.js';

/** Which network of a run: by id, or by architecture and/or seed. */
export interface NetworkSelector {
  readonly id?: string;
  readonly arch?: string;
  readonly seed?: number;
}

/** A trained network of a run: its run.json entry and its stored result (weights, fitness, curve). */
export interface RunNetwork {
  readonly entry: RunNetworkEntry;
  readonly result: NetworkResultFile;
}

/** A network's architecture: as its result.json records it, else as run.json lists it. */
export function runNetworkArch(net: RunNetwork): ArchInfo {
  return (
    net.result.arch ?? {
      family: net.entry.family,
      name: net.entry.arch,
      hidden: net.entry.hidden,
      parameters: net.entry.parameters,
      referenceIndex: net.entry.referenceIndex,
      flags: net.entry.flags,
    }
  );
}

/** The trained networks of a run (those with a result), in run.json order. */
export function trainedNetworks(run: LoadedRun): RunNetwork[] {
  const out: RunNetwork[] = [];
  run.manifest.networks.forEach((entry, k) => {
    const result = run.results[k];
    if (result) out.push({ entry, result });
  });
  return out;
}

function describeNetworks(run: LoadedRun): string {
  const trained = trainedNetworks(run);
  if (trained.length === 0) return `run ${run.dir} holds no trained network yet`;
  const shown = trained.slice(0, 12).map(({ entry }) => `${entry.id} (--arch ${entry.arch} --seed ${entry.seed})`);
  const more = trained.length > shown.length ? `, … and ${trained.length - shown.length} more` : '';
  return `run ${run.dir} holds ${trained.length} trained network${trained.length === 1 ? '' : 's'}: ${shown.join(', ')}${more}`;
}

/**
 * The trained networks matching `sel` (all of them for an empty selector). `canonical` maps a user's
 * architecture spec to its canonical name (e.g. through the registry: `oh+hh` → `hh+oh`).
 */
export function selectNetworks(run: LoadedRun, sel: NetworkSelector, canonical?: (spec: string) => string | undefined): RunNetwork[] {
  const arch = sel.arch === undefined ? undefined : (canonical?.(sel.arch.trim()) ?? sel.arch.trim());
  return trainedNetworks(run).filter(
    ({ entry }) =>
      (sel.id === undefined || entry.id === sel.id) &&
      (arch === undefined || entry.arch === arch || entry.arch === sel.arch) &&
      (sel.seed === undefined || entry.seed === sel.seed),
  );
}

/** Exactly one trained network matching `sel`, or a PrnnError listing what the run holds. */
export function selectOneNetwork(run: LoadedRun, sel: NetworkSelector, canonical?: (spec: string) => string | undefined): RunNetwork {
  const found = selectNetworks(run, sel, canonical);
  if (found.length === 1) return found[0];
  const asked = [
    sel.id !== undefined ? `id ${sel.id}` : '',
    sel.arch !== undefined ? `--arch ${sel.arch}` : '',
    sel.seed !== undefined ? `--seed ${sel.seed}` : '',
  ].filter(Boolean);
  const what = asked.length ? asked.join(' ') : 'no selection';
  if (found.length === 0) throw new PrnnError(`no trained network matches ${what}; ${describeNetworks(run)}`);
  throw new PrnnError(`${what} matches ${found.length} networks; choose one with --arch and --seed; ${describeNetworks(run)}`);
}

/** metadata_props describing how a run's network was trained. */
export function runNetworkMetadata(run: LoadedRun, net: RunNetwork): Record<string, string> {
  const m = run.manifest;
  return {
    [META.networkId]: net.entry.id,
    [META.seed]: String(net.entry.seed),
    [META.task]: JSON.stringify(m.task),
    [META.training]: JSON.stringify({
      learner: m.learner,
      config: m.config,
      runSeed: m.runSeed,
      backend: net.result.backend ?? m.backend,
      path: m.path,
      episodes: net.result.episodes,
      fitness: net.result.fitness,
      runFingerprint: m.fingerprint,
      prnnVersion: m.prnnVersion,
    }),
  };
}

/** One network of a run as ONNX policy bytes, through its Architecture plugin's `exportOnnx`. */
export async function runNetworkOnnx(run: LoadedRun, net: RunNetwork, architecture: Architecture): Promise<Uint8Array> {
  const weights = await readNetworkWeights(run.dir, net.entry.id, net.result);
  const arch = runNetworkArch(net);
  const metadata = runNetworkMetadata(run, net);
  const channels = run.manifest.task.channels;
  if (!architecture.exportOnnx) {
    throw new PrnnError(`network ${net.entry.id} cannot be exported: architecture family ${arch.family} (its plugin) has no exportOnnx`);
  }
  return architecture.exportOnnx(arch, weights, metadata, channels);
}

/** One exported policy: the network's id, architecture, seed and the written .onnx file. */
export interface ExportedNetwork {
  readonly id: string;
  readonly arch: string;
  readonly seed: number;
  readonly file: string;
  readonly bytes: number;
}

/**
 * Writes one network of the run in `runDir` as an ONNX policy to `outFile` (temp file + rename).
 * `sel` must pick exactly one trained network; otherwise the error lists what the run holds.
 */
export async function exportRunNetwork(
  runDir: string,
  sel: NetworkSelector,
  outFile: string,
  opts: { architecture: Architecture | ((family: string) => Architecture | undefined); canonical?: (spec: string) => string | undefined },
): Promise<ExportedNetwork> {
  const run = await loadRun(runDir);
  const net = selectOneNetwork(run, sel, opts.canonical);
  const family = net.result.arch?.family ?? net.entry.family;
  const architecture = typeof opts.architecture === 'function' ? opts.architecture(family) : opts.architecture;
  if (!architecture) throw new PrnnError(`architecture family ${JSON.stringify(family)} of network ${net.entry.id} is registered by no loaded plugin`);
  const bytes = await runNetworkOnnx(run, net, architecture);
  await writeFileAtomic(outFile, bytes);
  return { id: net.entry.id, arch: net.entry.arch, seed: net.entry.seed, file: outFile, bytes: bytes.length };
}
