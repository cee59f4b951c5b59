import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { makeDirectories } from './make-directories.js';
import { markFileOperation } from './system-errors.js';

/** Options of `writeFileAtomic`. */
export interface WriteFileAtomicOptions {
  /** Create the file's directory (and its parents) first when it does not exist. Default false. */
  readonly createDirectory?: boolean;
}

let sequence = 0;

/**
 * Writes `data` to `path` without ever leaving a half-written file there: the bytes go to
 * `<path>.tmp-<pid>-<thread>-<n>` first (unique per write, so concurrent writers never share one), which is then
 * renamed over `path` (atomic on one file system). On failure the temporary file is removed and the error
 * is re-thrown with `path` (never the temporary name) in its message and `path` property, marked as a write
 * (`markFileOperation`).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: WriteFileAtomicOptions = {}): Promise<void> {
  if (options.createDirectory) await makeDirectories(dirname(path));
  const temporary = `${path}.tmp-${process.pid}-${threadId}-${sequence++}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    // removing may fail in turn (e.g. ENOTDIR when the directory is a file); the first error is the one to report
    await rm(temporary, { force: true }).catch(() => {});
    throw renamed(error, temporary, path);
  }
}

/** The file-system error `error` with the temporary name replaced by the destination. */
function renamed(error: unknown, temporary: string, path: string): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as NodeJS.ErrnoException;
  e.message = e.message.split(temporary).join(path);
  // a failed write (ENOSPC) names no path: name the file being written
  if (e.path === temporary || e.path === undefined) e.path = path;
  // the rename is part of writing `path`: its error line says `cannot write <path>`
  return markFileOperation(e, 'write');
}
