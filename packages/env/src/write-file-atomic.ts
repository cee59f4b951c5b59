import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes `data` to `path` without ever leaving a half-written file there: the bytes go to
 * `<path>.tmp-<pid>` first, which is then renamed over `path` (atomic on one file system).
 * On failure the temporary file is removed and the error is re-thrown.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
