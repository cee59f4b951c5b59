/*
 * Known answers for the General generator: CRC-32s of 512 mazes (walls, cues, start and goal) and the Rng
 * state afterwards, recorded from the generator before its walk and cue-sparsity draws kept the Rng's state
 * in locals. Sizes with and without the walk's step table, and the reference quirk.
 */
import { describe, expect, test } from 'vitest';
import { MazeSet, generateMazeInto, resolveTaskOptions } from '../src/index.js';
import { Rng, crc32 } from '@prnn/core';

const CASES = [
  { name: 'General 9×9 (cue sparsity 0.1)', over: {}, crc: 4224605305, state: [1343593248, 350362089, 2178051606, 2101028512] },
  { name: 'General 11×11, compat reference', over: { size: 11, compat: 'reference' as const }, crc: 1831494600, state: [3863161399, 3005666824, 1510252810, 2239048094] },
  { name: 'General 37×37 (no step table)', over: { size: 37 }, crc: 1650667596, state: [547948510, 3699572440, 1183099646, 2214483382] },
];

describe('General mazes against recorded known answers', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const set = MazeSet.allocate(resolveTaskOptions('general', c.over), 64);
      const rng = Rng.derive(2026, 12);
      let h = 0;
      for (let rep = 0; rep < 8; rep++) {
        for (let n = 0; n < 64; n++) generateMazeInto(set, n, rng);
        h = crc32(new Uint8Array(set.walls.buffer, set.walls.byteOffset, set.walls.byteLength), h);
        h = crc32(new Uint8Array(set.cues.buffer, set.cues.byteOffset, set.cues.byteLength), h);
        h = crc32(new Uint8Array(Int32Array.from([...set.start, ...set.goal]).buffer), h);
      }
      expect(h >>> 0).toBe(c.crc);
      expect(rng.state()).toEqual(c.state);
    });
  }
});
