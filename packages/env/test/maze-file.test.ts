import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32, PrnnError } from '@prnn/core';
import { generateMazeSet } from '../src/generate.js';
import { MAZE_FILE_VERSION, decodeMazeSet, encodeMazeSet } from '../src/maze-codec.js';
import { loadMazeSet, saveMazeSet } from '../src/maze-file.js';
import { MazeSet } from '../src/maze-set.js';
import { resolveTaskOptions, type MazeKind } from '../src/task-options.js';

function expectSameSet(a: MazeSet, b: MazeSet): void {
  expect(b.options).toEqual(a.options);
  expect(b.count).toBe(a.count);
  expect(b.walls).toEqual(a.walls);
  expect(b.cues).toEqual(a.cues);
  expect(b.distance).toEqual(a.distance);
  expect(b.progress).toEqual(a.progress);
  expect(b.dMax).toEqual(a.dMax);
  expect(b.start).toEqual(a.start);
  expect(b.goal).toEqual(a.goal);
  expect(b.fastestSolution).toEqual(a.fastestSolution);
}

function expectPrnnError(action: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PrnnError);
  expect((caught as Error).message).toMatch(pattern);
}

/** Rewrites the trailing checksum so that only the structural checks can object. */
function resealed(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}

describe('maze file format', () => {
  const sets: Record<MazeKind, MazeSet> = {
    general: generateMazeSet(resolveTaskOptions('general', { cueSparsity: 0.3, mazeNoise: 0.1, wallSparsity: 0.1 }), { count: 12, seed: 7 }),
    track: generateMazeSet(resolveTaskOptions('track', { mazeNoise: 0.05 }), { count: 8, seed: 3 }),
    h: generateMazeSet(resolveTaskOptions('h', { activeChannels: [1, 0] }), { count: 8, seed: 11 }),
  };
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prnn-maze-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const kind of ['general', 'track', 'h'] as const) {
    it(`round-trips a ${kind} set exactly, and re-encodes byte-identically`, () => {
      const bytes = encodeMazeSet(sets[kind]);
      const decoded = decodeMazeSet(bytes);
      expectSameSet(sets[kind], decoded);
      expect(encodeMazeSet(decoded)).toEqual(bytes);
    });
  }

  it('starts with the magic and version and is compact (walls one bit per cell)', () => {
    const set = sets.general;
    const bytes = encodeMazeSet(set);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('PRNNMAZE');
    expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(MAZE_FILE_VERSION);
    const cells = set.count * set.cellCount;
    const arrays = 4 * (4 * set.count) + 4 * cells * (2 + set.channels);
    expect(bytes.length).toBeLessThan(arrays + Math.ceil(cells / 8) + 1024);
  });

  it('encodes an empty set', () => {
    const empty = MazeSet.allocate(resolveTaskOptions('track'), 0);
    const decoded = decodeMazeSet(encodeMazeSet(empty));
    expect(decoded.count).toBe(0);
    expect(decoded.options).toEqual(empty.options);
  });

  it('saves via a temporary file and loads the same set', async () => {
    const path = join(dir, 'general.prnnmaze');
    await saveMazeSet(sets.general, path);
    expect(await readdir(dir)).toEqual(['general.prnnmaze']);
    expect(new Uint8Array(await readFile(path))).toEqual(encodeMazeSet(sets.general));
    expectSameSet(sets.general, await loadMazeSet(path));
    await saveMazeSet(sets.track, path);
    expectSameSet(sets.track, await loadMazeSet(path));
    expect(await readdir(dir)).toEqual(['general.prnnmaze']);
  });

  it('reports a missing file and names the path in decoding errors', async () => {
    await expect(loadMazeSet(join(dir, 'nope.bin'))).rejects.toThrow(/cannot read maze file .*nope\.bin: no such file/);
    const path = join(dir, 'short.prnnmaze');
    await writeFile(path, encodeMazeSet(sets.track).subarray(0, 100));
    const error = await loadMazeSet(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrnnError);
    expect((error as Error).message).toMatch(/short\.prnnmaze is truncated/);
  });

  it('rejects truncated files', () => {
    const bytes = encodeMazeSet(sets.h);
    for (const length of [0, 3, 8, 23, 24, 60, bytes.length >> 1, bytes.length - 1]) {
      expectPrnnError(() => decodeMazeSet(bytes.subarray(0, length)), /truncated/);
    }
  });

  it('rejects trailing bytes, wrong magic and other versions', () => {
    const bytes = encodeMazeSet(sets.track);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expectPrnnError(() => decodeMazeSet(longer), /3 unexpected bytes after the declared end/);

    const png = bytes.slice();
    png.set([0x89, 0x50, 0x4e, 0x47], 0);
    expectPrnnError(() => decodeMazeSet(png), /wrong magic bytes: not a prnn maze file/);
    expectPrnnError(() => decodeMazeSet(new TextEncoder().encode('hello')), /wrong magic/);

    const future = bytes.slice();
    new DataView(future.buffer).setUint16(8, MAZE_FILE_VERSION + 1, true);
    expectPrnnError(() => decodeMazeSet(future), new RegExp(`format version ${MAZE_FILE_VERSION + 1}; this build of prnn reads version ${MAZE_FILE_VERSION}`));
  });

  it('detects corruption with the checksum', () => {
    const bytes = encodeMazeSet(sets.general);
    const inCues = bytes.slice();
    inCues[bytes.length - 4 - 4 * sets.general.count * sets.general.cellCount - 9] ^= 0x10;
    expectPrnnError(() => decodeMazeSet(inCues), /checksum mismatch/);
    const inHeader = bytes.slice();
    inHeader[30] ^= 0x01;
    expectPrnnError(() => decodeMazeSet(inHeader), /checksum mismatch/);
  });

  it('checks the content even when the checksum is right', () => {
    const bytes = encodeMazeSet(sets.track);
    const view = new DataView(bytes.buffer);
    const headerLength = view.getUint32(12, true);
    const header = new TextDecoder().decode(bytes.subarray(24, 24 + headerLength));
    const wallsStart = (24 + headerLength + 3) & ~3;
    const cells = sets.track.count * sets.track.cellCount;
    const startOffset = wallsStart + ((Math.ceil(cells / 8) + 3) & ~3);

    const onWall = bytes.slice();
    new DataView(onWall.buffer).setInt32(startOffset, 0, true); // cell 0 is the corner wall
    expectPrnnError(() => decodeMazeSet(resealed(onWall)), /maze 0 has its start at 0, which is not an open cell/);

    const badOptions = bytes.slice();
    const edited = header.replace('"steps":6', '"steps":0');
    expect(edited.length).toBe(header.length);
    badOptions.set(new TextEncoder().encode(edited), 24);
    expectPrnnError(() => decodeMazeSet(resealed(badOptions)), /invalid task options: steps must be/);

    const wrongSize = bytes.slice();
    wrongSize.set(new TextEncoder().encode(header.replace('"size":11', '"size":13')), 24);
    expectPrnnError(() => decodeMazeSet(resealed(wrongSize)), /need \d+ bytes, the file has \d+/);
  });

  it('never throws anything but PrnnError on a flipped bit, and never accepts one', () => {
    const bytes = encodeMazeSet(sets.track);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length * 8 - 1 }), (bit) => {
        const copy = bytes.slice();
        copy[bit >> 3] ^= 1 << (bit & 7);
        expect(() => decodeMazeSet(copy)).toThrow(PrnnError);
      }),
      { numRuns: 300 },
    );
  });
});
