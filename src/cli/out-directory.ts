import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PrnnError, makeDirectories } from '@prnn/env';

export { removeEmptyDirectories } from '@prnn/env';

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? `${(error as NodeJS.ErrnoException).path ?? 'a directory'} cannot be created there (ENOENT)`
    : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied'
    : code === 'ENOTDIR' ? 'a part of the path is a file'
    : (error as Error).message;
}

/**
 * Makes sure `path` (the value of `flag`) is a directory, creating the missing levels (`makeDirectories`).
 * Returns the directories it created, outermost first, so that a failed command can remove them again
 * with `removeEmptyDirectories`. A path that exists and is not a directory, or that cannot be created, is a
 * PrnnError naming the flag.
 */
export async function prepareOutDirectory(flag: string, path: string): Promise<string[]> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new PrnnError(`${flag}: cannot use ${path}: ${reason(error)}`);
  });
  if (info !== undefined) {
    if (!info.isDirectory()) throw new PrnnError(`${flag}: ${path} is not a directory`);
    return [];
  }
  try {
    return await makeDirectories(resolve(path));
  } catch (error) {
    throw new PrnnError(`${flag}: cannot create ${path}: ${reason(error)}`);
  }
}
