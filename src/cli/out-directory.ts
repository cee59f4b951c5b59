import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PrnnError } from '@prnn/env';

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? `${(error as NodeJS.ErrnoException).path ?? 'a directory'} cannot be created there (ENOENT)`
    : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied'
    : code === 'ENOTDIR' ? 'a part of the path is a file'
    : (error as Error).message;
}

/**
 * Makes sure `path` (the value of `flag`) is a directory, creating the missing levels one at a time
 * (never with a recursive mkdir, which loops forever under /proc on Node 20). Returns the directories it
 * created, deepest last, so that a failed command can remove them again with {@link removeEmptyDirectories}.
 * A path that exists and is not a directory, or that cannot be created, is a PrnnError naming the flag.
 */
export async function prepareOutDirectory(flag: string, path: string): Promise<string[]> {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    let info;
    try {
      info = await stat(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new PrnnError(`${flag}: cannot use ${path}: ${reason(error)}`);
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
      continue;
    }
    if (!info.isDirectory()) {
      throw new PrnnError(current === resolve(path) ? `${flag}: ${path} is not a directory` : `${flag}: cannot create ${path}: ${current} is not a directory`);
    }
    break;
  }
  const created: string[] = [];
  for (const dir of missing) {
    try {
      await mkdir(dir);
    } catch (error) {
      await removeEmptyDirectories(created);
      throw new PrnnError(`${flag}: cannot create ${path}: ${reason(error)}`);
    }
    created.push(dir);
  }
  return created;
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
