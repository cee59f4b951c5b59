import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { PrnnError, availableBytes } from '@prnn/core';
import { formatBytes } from './workers-flag.js';

/** The nearest existing directory at or above `path` (where a missing output directory would be made). */
export function existingAncestor(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * Refuses, before any work, an output location whose file system has less room than `bytes` (an estimate of
 * what the command will write there): one line naming the flag, the path, both sizes and what to do.
 */
export async function checkDiskSpace(flag: string, path: string, bytes: number, what: string): Promise<void> {
  const dir = existingAncestor(path);
  let free: number;
  try {
    free = await availableBytes(dir);
  } catch {
    return; // a file system that reports no free space (statfs unsupported) is not checked
  }
  if (free < bytes) {
    throw new PrnnError(
      `${flag}: ${path} has ${formatBytes(free)} free, and ${what} needs about ${formatBytes(bytes)}; free space there or choose another ${flag}`,
    );
  }
}

/** Estimated bytes a training run writes: per network its weights, its checkpoint share (weights and Adam moments) and its JSON files. */
export function trainRunBytes(parameters: readonly number[]): number {
  return 64 * 1024 + parameters.reduce((sum, p) => sum + 16 * p + 4096, 0);
}

/**
 * Estimated bytes a results store grows by when it stores networks of these parameter counts: per row its
 * weights (4 bytes per parameter) and about 4 kB of curves, noise sweep, measures and layout as JSON, plus
 * SQLite's pages; doubled for the journal (WAL or rollback) that holds the same pages until a checkpoint.
 */
export function storeBytes(parameters: readonly number[]): number {
  if (parameters.length === 0) return 0;
  return 2 * (64 * 1024 + parameters.reduce((sum, p) => sum + 4 * p + 4096, 0));
}

/**
 * Estimated bytes of a report of `networks` networks (report.html, report.md, CSV tables, analysis.json and
 * the SVG + PNG figures): about 2 MB of figures and pages, and 16 kB per network in the tables and analysis.json.
 */
export function reportBytes(networks: number): number {
  return 2 * 1024 * 1024 + 16 * 1024 * networks;
}
