import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeDirectories } from './make-directories.js';

export interface WriteFileAtomicOptions {
  /** Create the file's directory (and its parents) first when it does not exist. Default false. */
  readonly createDirectory?: boolean;
}

/**
 * Writes `data` to `path` without ever leaving a half-written file there: the bytes go to
 * `<path>.tmp-<pid>` first, which is then renamed over `path` (atomic on one file system).
 * On failure the temporary file is removed and the error is re-thrown.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: WriteFileAtomicOptions = {}): Promise<void> {
  if (options.createDirectory) await makeDirectories(dirname(path));
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
