import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { markFileOperation } from './system-errors.js';

/**
 * Creates directory `path` and its missing parents one level at a time — never `mkdir({ recursive: true })`,
 * which on Node 20 loops forever under /proc. Returns the directories it created, outermost first; when a
 * level fails, the ones it created are removed again and that level's file-system error is thrown
 * (its `path` names the level; marked `create directory` for its error line). An existing non-directory anywhere on the path fails with ENOTDIR. A level
 * that a concurrent call creates first is accepted (and not reported as created by this call).
 */
export async function makeDirectories(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let current = resolve(path); ; ) {
    try {
      await stat(current);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw markFileOperation(error, 'create directory');
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  const created: string[] = [];
  for (const dir of missing) {
    try {
      await mkdir(dir);
    } catch (error) {
      // a concurrent call (e.g. two checkpoint slices of one run) made this level in the meantime
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await isDirectory(dir))) continue;
      await removeEmptyDirectories(created);
      throw markFileOperation(error, 'create directory');
    }
    created.push(dir);
  }
  return created;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Removes the given directories, deepest first, where they are still empty (rmdir refuses the others). */
export async function removeEmptyDirectories(dirs: readonly string[]): Promise<void> {
  for (const dir of [...dirs].reverse()) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (or gone): leave it and its parents alone
    }
  }
}
