import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PrnnError, probeWritableDirectory, systemErrorMessage, systemErrorParts, writeFileAtomic } from '@prnn/core';

/** Writes a command's output file via temp file + rename; failures become one clear PrnnError naming the flag. */
export async function writeOutputFile(flag: string, path: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeFileAtomic(path, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new PrnnError(`${flag}: cannot write ${path}: ${existsSync(dirname(path)) ? 'files cannot be created in its directory (ENOENT)' : 'its directory does not exist'}; check the path given to ${flag}`);
    }
    throw new PrnnError(systemErrorMessage(error, { flag, path }) ?? `${flag}: cannot write ${path}: ${(error as Error).message}`);
  }
}

/**
 * Refuses, before any work is done, an output path that `writeOutputFile` could not write: an existing
 * directory, or a path whose directory does not exist. (Other failures still surface when writing.)
 */
export function checkOutputFile(flag: string, path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new PrnnError(`${flag}: cannot write ${path}: it is a directory; give ${flag} a file name`);
  const dir = dirname(path);
  if (!existsSync(dir)) throw new PrnnError(`${flag}: cannot write ${path}: its directory does not exist; check the path given to ${flag}`);
  if (!statSync(dir).isDirectory()) throw new PrnnError(`${flag}: cannot write ${path}: a part of the path is a file, not a directory; check the path given to ${flag}`);
}

/**
 * Checks before any work that `path` (a file the command will write, its missing directories made then) can
 * be written: no part of it is a file, and the nearest existing directory takes files (a probe file is
 * written and removed: read-only file systems, permissions, /proc). One line naming `flag` and the path.
 */
export async function checkOutputLocation(flag: string, path: string): Promise<void> {
  if (existsSync(path) && statSync(path).isDirectory()) throw new PrnnError(`${flag}: cannot write ${path}: it is a directory; give ${flag} a file name`);
  let dir = dirname(resolve(path));
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) throw new PrnnError(`${flag}: cannot write ${path}: a part of the path (${dir}) is a file, not a directory; check the path given to ${flag}`);
  await probeWritableDirectory(dir).catch((error: unknown) => {
    const parts = systemErrorParts(error, { flag });
    if (!parts) throw error;
    throw new PrnnError(`${flag}: cannot write ${path}: ${dir} takes no files (${parts.reason})${parts.advice ? `; ${parts.advice}` : ''}`);
  });
}
