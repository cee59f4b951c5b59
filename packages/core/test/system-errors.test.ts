import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrnnError, explainSystemError, probeWritableDirectory, systemErrorInfo, systemErrorMessage, writeFileAtomic } from '../src/index.js';

// Real file-system errors from real calls (no hand-made error objects): the line names the flag, the path, the
// reason and what to do.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prnn-core-errors-'));
  await writeFile(join(dir, 'a-file'), 'x');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('system errors', () => {
  test('ENOENT of a write into a missing directory: code, path and syscall; one line naming the flag', async () => {
    const missing = join(dir, 'no-such-dir', 'out.json');
    const error = await failure(() => writeFile(missing, '{}'));
    expect(systemErrorInfo(error)).toEqual({ code: 'ENOENT', path: missing, syscall: 'open' });
    expect(systemErrorMessage(error, { flag: '--run' })).toBe(
      `--run: cannot write ${missing}: no such file or directory (or it cannot be created there); check the path given to --run`,
    );
  });

  test('an atomic write under a file (ENOTDIR) names the destination, never the temporary file', async () => {
    const target = join(dir, 'a-file', 'out.json');
    const error = await failure(() => writeFileAtomic(target, '{}'));
    const explained = explainSystemError(error, { flag: '--out' });
    expect(explained).toBeInstanceOf(PrnnError);
    expect((explained as PrnnError).message).toBe(`--out: cannot write ${target}: a part of the path is a file, not a directory; check the path given to --out`);
    expect((explained as PrnnError).message).not.toContain('.tmp-');
  });

  test('not a file-system error: no line, the error unchanged', () => {
    const plain = new Error('boom');
    expect(systemErrorMessage(plain)).toBeUndefined();
    expect(explainSystemError(plain)).toBe(plain);
  });

  test('probeWritableDirectory accepts a writable directory and leaves nothing behind; refuses a file', async () => {
    const probed = await mkdtemp(join(dir, 'probe-'));
    await probeWritableDirectory(probed, '--out');
    expect(readdirSync(probed)).toEqual([]);
    await expect(probeWritableDirectory(join(dir, 'a-file'), '--out')).rejects.toThrow(/^--out: cannot write .*a-file: a part of the path is a file, not a directory/);
  });
});
