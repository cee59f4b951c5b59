import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepPlan } from './plan.js';

/** Finished shards of array tasks wait here for `prnn sweep merge`. */
export const SHARDS_DIR = 'shards';
/** Shards already merged into the store are moved here. */
export const MERGED_DIR = 'merged';

/** File name of a chunk's published shard: `chunk-<i>.sqlite`. */
export function shardFileName(chunk: number): string {
  return `chunk-${chunk}.sqlite`;
}

/** A published shard: its chunk index and path. */
export interface ShardFile {
  readonly chunk: number;
  readonly path: string;
}

/** The published, not yet merged shards of a sweep directory, by chunk. */
export async function publishedShards(dir: string, plan: SweepPlan): Promise<ShardFile[]> {
  let names: string[];
  try {
    names = await readdir(join(dir, SHARDS_DIR));
  } catch {
    return [];
  }
  const out: ShardFile[] = [];
  for (const name of names) {
    const m = /^chunk-(\d+)\.sqlite$/.exec(name);
    if (!m) continue;
    const chunk = Number(m[1]);
    if (chunk < plan.chunks.length) out.push({ chunk, path: join(dir, SHARDS_DIR, name) });
  }
  return out.sort((a, b) => a.chunk - b.chunk);
}
