import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { makeDirectories, writeFileAtomic } from '../src/index.js';

describe('makeDirectories', () => {
  const roots: string[] = [];
  async function root(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'prnn-mkdirs-'));
    roots.push(dir);
    return dir;
  }
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test('creates the missing levels, outermost first, and nothing when the directory exists', async () => {
    const base = await root();
    const deep = join(base, 'a', 'b', 'c');
    expect(await makeDirectories(deep)).toEqual([join(base, 'a'), join(base, 'a', 'b'), deep]);
    expect(existsSync(deep)).toBe(true);
    expect(await makeDirectories(deep)).toEqual([]);
  });

  test('concurrent calls sharing a missing parent both succeed; each reports only what it created', async () => {
    const base = await root();
    const shared = join(base, 'run', 'checkpoint');
    const [first, second] = await Promise.all([makeDirectories(join(shared, 'slice-0')), makeDirectories(join(shared, 'slice-1'))]);
    expect(existsSync(join(shared, 'slice-0')) && existsSync(join(shared, 'slice-1'))).toBe(true);
    // every level was created by exactly one of the two calls
    expect([...first, ...second].sort()).toEqual([join(base, 'run'), shared, join(shared, 'slice-0'), join(shared, 'slice-1')].sort());
  });

  test('fails with ENOTDIR through a file, and returns where mkdir cannot create (under /proc) without hanging', async () => {
    const base = await root();
    await writeFile(join(base, 'file'), 'x');
    await expect(makeDirectories(join(base, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDirectories('/proc/prnn-no-such-dir/sub')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('writeFileAtomic with createDirectory writes into new nested directories', async () => {
    const base = await root();
    const file = join(base, 'x', 'y', 'out.txt');
    await writeFileAtomic(file, 'hello', { createDirectory: true });
    expect(await readFile(file, 'utf8')).toBe('hello');
  });

  test('concurrent calls for the same new directory all succeed (EEXIST from a racing writer is accepted)', async () => {
    const base = await root();
    const deep = join(base, 'checkpoint', 'slice-0');
    for (let round = 0; round < 20; round++) {
      const dir = join(base, `r${round}`, 'checkpoint');
      const created = await Promise.all(Array.from({ length: 8 }, () => makeDirectories(dir)));
      expect(existsSync(dir)).toBe(true);
      // each level is reported as created by exactly one caller
      expect(created.flat().sort()).toEqual([join(base, `r${round}`), dir]);
    }
    await Promise.all([makeDirectories(deep), makeDirectories(join(base, 'checkpoint', 'slice-1'))]);
    expect(existsSync(deep)).toBe(true);
  });

  test('concurrent atomic writes into a new directory all land, and errors name the file, not its temporary', async () => {
    const base = await root();
    await Promise.all(Array.from({ length: 8 }, (_, k) => writeFileAtomic(join(base, 'd', `f${k}`), String(k), { createDirectory: true })));
    for (let k = 0; k < 8; k++) expect(await readFile(join(base, 'd', `f${k}`), 'utf8')).toBe(String(k));
    const target = join(base, 'missing', 'x.onnx');
    const error = await writeFileAtomic(target, 'x').catch((e: NodeJS.ErrnoException) => e);
    expect(error).toMatchObject({ code: 'ENOENT', path: target });
    expect((error as Error).message).toContain(target);
    expect((error as Error).message).not.toContain('.tmp-');
    // under a file: the write fails with ENOTDIR, and so would removing the temporary; the first error is reported
    await writeFile(join(base, 'plain'), 'x');
    const under = join(base, 'plain', 'x.svg');
    const notDir = await writeFileAtomic(under, 'x').catch((e: NodeJS.ErrnoException) => e);
    expect(notDir).toMatchObject({ code: 'ENOTDIR', path: under, syscall: 'open' });
    expect((notDir as Error).message).toBe(`ENOTDIR: not a directory, open '${under}'`);
  });
});
