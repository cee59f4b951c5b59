import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PrnnError, makeDirectories, probeWritableDirectory, systemErrorMessage } from '@prnn/core';

export { removeEmptyDirectories } from '@prnn/core';

/**
 * Makes sure `path` (the value of `flag`) is a directory, creating the missing levels (`makeDirectories`).
 * Returns the directories it created, outermost first, so that a failed command can remove them again
 * with `removeEmptyDirectories`. A path that exists and is not a directory, or that cannot be created, is a
 * PrnnError naming the flag, the path and what to do; so is an existing directory that takes no files.
 */
export async function prepareOutDirectory(flag: string, path: string): Promise<string[]> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new PrnnError(systemErrorMessage(error, { flag, path, operation: 'create directory' }) ?? `${flag}: cannot create directory ${path}: ${(error as Error).message}`);
  });
  if (info !== undefined) {
    if (!info.isDirectory()) throw new PrnnError(`${flag}: ${path} is not a directory`);
    // a directory that exists must take files (read-only file system, permissions, a full disk)
    await probeWritableDirectory(path, flag);
    return [];
  }
  try {
    return await makeDirectories(resolve(path));
  } catch (error) {
    throw new PrnnError(systemErrorMessage(error, { flag, path, operation: 'create directory' }) ?? `${flag}: cannot create directory ${path}: ${(error as Error).message}`);
  }
}
