import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectories } from '@prnn/core';
import { readPlan } from './plan.js';
import { MERGED_DIR, SHARDS_DIR, publishedShards } from './shards.js';
import { ResultsStore, STORE_FILE } from './store.js';
import type { JournalChoice } from './file-system.js';

/** One shard of a merge: its file, the networks it added and the networks it held. */
export interface MergeReport {
  readonly shard: string;
  readonly added: number;
  /** Networks the shard held (added + already in the store). */
  readonly present: number;
}

/** Outcome of merging shards into a sweep's store: the store path, one report per shard, and totals. */
export interface MergeResult {
  readonly store: string;
  readonly shards: readonly MergeReport[];
  readonly added: number;
  /** Networks of the sweep in the store after the merge, and planned. */
  readonly stored: number;
  readonly planned: number;
}

/**
 * Merges shards into the sweep's store: each in one transaction (ATTACH + INSERT OR IGNORE, so merging
 * twice adds nothing), after checking that it belongs to the same plan (sweep name and plan hash). Merged
 * shards of DIR/shards move to DIR/shards/merged; explicitly named shard files stay where they are.
 */
export async function mergeShards(dir: string, options: { shards?: readonly string[]; store?: string; journal?: JournalChoice; busyTimeoutMs?: number } = {}): Promise<MergeResult> {
  const plan = await readPlan(dir);
  const own = options.shards === undefined;
  const files = own ? (await publishedShards(dir, plan)).map((s) => s.path) : [...options.shards!];
  const storePath = options.store ?? join(dir, STORE_FILE);
  const store = ResultsStore.open(storePath, { journal: options.journal, busyTimeoutMs: options.busyTimeoutMs });
  const reports: MergeReport[] = [];
  try {
    store.bindPlan(plan);
    if (own && files.length > 0) await makeDirectories(join(dir, SHARDS_DIR, MERGED_DIR));
    for (const file of files) {
      const r = store.mergeFrom(file, plan);
      reports.push({ shard: file, ...r });
      if (own) await rename(file, join(dir, SHARDS_DIR, MERGED_DIR, file.slice(file.lastIndexOf('/') + 1)));
    }
    return {
      store: storePath,
      shards: reports,
      added: reports.reduce((n, r) => n + r.added, 0),
      stored: store.storedIds(plan.sweep).size,
      planned: plan.networks.length,
    };
  } finally {
    store.close();
  }
}
