import { readFile } from 'node:fs/promises';
import { PrnnError, writeFileAtomic } from '@prnn/core';
import { decodeMazeSet, encodeMazeSet } from './maze-codec.js';
import type { MazeSet } from './maze-set.js';

/** Saves `set` to `path` in the maze-set file format (see maze-codec.ts), via a temporary file and a rename. */
export async function saveMazeSet(set: MazeSet, path: string): Promise<void> {
  const bytes = encodeMazeSet(set);
  try {
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw new PrnnError(`cannot write maze file ${path}: ${(error as Error).message}`);
  }
}

/** Loads a maze set saved by {@link saveMazeSet}; PrnnError when the file is missing, truncated or corrupted. */
export async function loadMazeSet(path: string): Promise<MazeSet> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PrnnError(`cannot read maze file ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    return decodeMazeSet(bytes);
  } catch (error) {
    if (error instanceof PrnnError) throw new PrnnError(error.message.replace(/^maze file/, `maze file ${path}`));
    throw error;
  }
}
