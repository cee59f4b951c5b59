import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { trainTinyRunCli, type TinyRunOptions } from './run-cli.js';

/**
 * A tiny real run that `prnn train` writes into a fresh temporary directory before the test file's tests
 * (its other beforeAll hooks run after) and that is removed after them: `dir` is the directory, `run` the run in it.
 */
export function useTrainedRun(prefix: string, options: TinyRunOptions): { readonly dir: string; readonly run: string } {
  const fixture = { dir: '', run: '' };
  beforeAll(async () => {
    fixture.dir = await mkdtemp(join(tmpdir(), prefix));
    fixture.run = join(fixture.dir, 'run');
    trainTinyRunCli(fixture.run, options);
  });
  afterAll(async () => {
    if (fixture.dir) await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
