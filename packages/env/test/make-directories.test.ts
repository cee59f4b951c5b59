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
});
