import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrnnError, explainSystemError, makeDirectories, markFileOperation, probeWritableDirectory, systemErrorInfo, systemErrorMessage, writeFileAtomic } from '../src/index.js';

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
  test('ENOENT of a write into a missing directory: code, path and syscall; one line naming the flag and the write', async () => {
    const missing = join(dir, 'no-such-dir', 'out.json');
    const error = await failure(() => writeFile(missing, '{}'));
    expect(systemErrorInfo(error)).toEqual({ code: 'ENOENT', path: missing, syscall: 'open' });
    expect(systemErrorMessage(error, { flag: '--out', operation: 'write' })).toBe(
      `--out: cannot write ${missing}: no such file or directory (or it cannot be created there); check the path given to --out`,
    );
    // the same failure through writeFileAtomic needs no hint: it marks its errors as writes
    const atomic = await failure(() => writeFileAtomic(missing, '{}'));
    expect(systemErrorInfo(atomic)).toMatchObject({ code: 'ENOENT', path: missing, operation: 'write' });
    expect(systemErrorMessage(atomic, { flag: '--out' })).toBe(
      `--out: cannot write ${missing}: no such file or directory (or it cannot be created there); check the path given to --out`,
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

// What the line says follows the operation that failed: a read is never reported as a write.
describe('system errors say the operation', () => {
  test('a missing file read: `cannot read`, no word of creating it', async () => {
    const missing = join(dir, 'no-such-run', 'run.json');
    const error = await failure(() => readFile(missing, 'utf8'));
    // open(2) serves reads and writes: the caller says which
    expect(systemErrorInfo(error)).toEqual({ code: 'ENOENT', path: missing, syscall: 'open' });
    expect(systemErrorMessage(error, { flag: '--run', operation: 'read' })).toBe(`--run: cannot read ${missing}: no such file or directory; check the path given to --run`);
    // a helper's mark wins over the caller's word, and nothing at all gives the neutral `open`
    expect(systemErrorMessage(markFileOperation(await failure(() => readFile(missing)), 'read'), { flag: '--run', operation: 'write' })).toBe(
      `--run: cannot read ${missing}: no such file or directory; check the path given to --run`,
    );
    expect(systemErrorMessage(error)).toBe(`cannot open ${missing}: no such file or directory (or it cannot be created there); check the path`);
  });

  test('calls that say what they do: reading a missing directory or a directory as a file, renaming, deleting', async () => {
    const missing = join(dir, 'no-such-runs');
    expect(systemErrorMessage(await failure(() => readdir(missing)), { flag: '--sweep' })).toBe(`--sweep: cannot read ${missing}: no such file or directory; check the path given to --sweep`);
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    // read(2) on a directory's descriptor names no path: the caller gives it
    expect(systemErrorMessage(await failure(() => readFile(folder)), { flag: '--policy', path: folder })).toBe(`--policy: cannot read ${folder}: it is a directory, not a file; give --policy a file`);
    const gone = join(dir, 'gone.json');
    const into = join(dir, 'moved.json');
    expect(systemErrorMessage(await failure(() => rename(gone, into)), { flag: '--out' })).toBe(
      `--out: cannot rename ${gone} to ${into}: no such file or directory (or it cannot be created there); check the path given to --out`,
    );
    expect(systemErrorMessage(await failure(() => unlink(gone)), { flag: '--out' })).toBe(
      `--out: cannot delete ${gone}: no such file or directory (or it cannot be created there); check the path given to --out`,
    );
  });

  test('makeDirectories through a file: `cannot create directory`', async () => {
    const target = join(dir, 'a-file', 'runs', 'a');
    const error = await failure(() => makeDirectories(target));
    expect(systemErrorMessage(error, { flag: '--out' })).toBe(`--out: cannot create directory ${target}: a part of the path is a file, not a directory; check the path given to --out`);
  });

  // Permission bits do not stop root: as root the reads run with the effective user id of `nobody` (65534), set
  // around synchronous calls only (so no other work of this process runs meanwhile) and restored at once.
  function asUnprivileged<T>(read: () => T): T {
    const root = process.geteuid?.() === 0;
    if (root) process.seteuid!(65534);
    try {
      return read();
    } finally {
      if (root) process.seteuid!(0);
    }
  }

  test('a directory without read permission, and a file without it: `cannot read`, what to do', () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    writeFileSync(join(locked, 'inside.json'), '{}');
    const unreadable = join(dir, 'unreadable.bin');
    writeFileSync(unreadable, new Uint8Array(4));
    // the directory and its parents may be entered by anyone; `locked` may be entered but not listed
    chmodSync(dir, 0o755);
    chmodSync(locked, 0o311);
    chmodSync(unreadable, 0o200);
    try {
      const listing = asUnprivileged(() => {
        try {
          readdirSync(locked);
        } catch (error) {
          return error;
        }
        throw new Error('expected readdir to fail');
      });
      expect(systemErrorInfo(listing)).toEqual({ code: 'EACCES', path: locked, syscall: 'scandir' });
      expect(systemErrorMessage(listing, { flag: '--sweep' })).toBe(
        `--sweep: cannot read ${locked}: permission denied; change its permissions so that you may read it, or choose another --sweep`,
      );
      const file = asUnprivileged(() => {
        try {
          readFileSync(unreadable);
        } catch (error) {
          return error;
        }
        throw new Error('expected readFile to fail');
      });
      expect(systemErrorInfo(file)).toEqual({ code: 'EACCES', path: unreadable, syscall: 'open' });
      expect(systemErrorMessage(markFileOperation(file, 'read'), { flag: '--run' })).toBe(
        `--run: cannot read ${unreadable}: permission denied; change its permissions so that you may read it, or choose another --run`,
      );
    } finally {
      chmodSync(locked, 0o755);
      chmodSync(unreadable, 0o644);
      chmodSync(dir, 0o700);
    }
  });
});
