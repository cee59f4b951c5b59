import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PrnnError } from '@prnn/core';
import type { Registry } from '@prnn/agents';
import { compareLearners, writeComparisonReport, type LearnerComparison, type LearnerNetworks, type StoredNetworks } from '@prnn/analysis';
import { readSweepStore } from './read-sweep-store.js';
import { STORE_FILE } from './store.js';

/**
 * The results stores a path names: a store file, a sweep directory (its results.sqlite), or a directory of
 * sweep directories (what `prnn sweep plan --learner a,b` and `prnn reproduce --learner a,b` make: one
 * subdirectory per learner), in name order.
 */
export function comparisonStores(path: string): string[] {
  if (!existsSync(path)) throw new PrnnError(`${path} does not exist: give a sweep directory, its ${STORE_FILE}, or a directory of sweep directories`);
  if (!statSync(path).isDirectory() || existsSync(join(path, STORE_FILE))) return [path];
  const subs = readdirSync(path)
    .filter((e) => !e.startsWith('.'))
    .sort()
    .map((e) => join(path, e))
    .filter((d) => statSync(d).isDirectory() && existsSync(join(d, STORE_FILE)));
  if (subs.length === 0) throw new PrnnError(`${path} holds no results store (${STORE_FILE}), nor sweep directories that do: run the sweeps first`);
  return subs;
}

/** The networks of `paths` (see comparisonStores) grouped by the learner their sweep's plan names, in order of appearance. */
export function readLearnerStores(paths: readonly string[]): LearnerNetworks[] {
  const byLearner = new Map<string, StoredNetworks[]>();
  for (const store of paths.flatMap(comparisonStores)) {
    const stored = readSweepStore(store);
    byLearner.set(stored.learner, [...(byLearner.get(stored.learner) ?? []), stored]);
  }
  return [...byLearner].map(([learner, stores]) => ({ learner, stores }));
}

/**
 * Compares the learners of the sweeps in `paths` (see readLearnerStores) and writes the report into `out`
 * (docs/guides/learner-comparison.md): what `prnn compare` and `prnn reproduce --learner a,b` run.
 */
export async function compareSweeps(
  paths: readonly string[],
  out: string,
  options: { registry: Registry; workers?: number; pluginsCwd?: string; onProgress?: (done: number, total: number) => void },
): Promise<{ comparison: LearnerComparison; report: string; files: string[] }> {
  const learners = readLearnerStores(paths);
  const comparison = await compareLearners(learners, { registry: options.registry, workers: options.workers, plugins: { cwd: options.pluginsCwd ?? process.cwd() }, onProgress: options.onProgress });
  const written = await writeComparisonReport(comparison, out);
  return { comparison, report: written.dir, files: written.files };
}
