import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MazeSet, generateMazeInto, resolveTaskOptions, trainingLayouts, type MazeView } from '../src/index.js';
import { Rng } from '@prnn/core';

/** Everything a maze holds, as plain arrays (a readable diff when two mazes differ). */
function contents(m: MazeView, set: MazeSet) {
  const i = m.index;
  return {
    walls: Array.from(m.walls),
    cues: Array.from(m.cues),
    distance: Array.from(m.distance),
    progress: Array.from(m.progress),
    start: set.start[i],
    goal: set.goal[i],
    dMax: set.dMax[i],
    fastest: set.fastestSolution[i],
  };
}

describe('trainingLayouts: the mazes generateMazeInto copies, and its draws', () => {
  test('a drawn layout is the maze generateMazeInto writes from the same stream, which ends in the same state', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('track' as const, 'h' as const),
        fc.integer({ min: 2, max: 4 }),
        fc.constantFrom(9, 11, 13),
        fc.integer({ min: 0, max: 2 }),
        fc.nat(),
        (kind, channels, size, gap, seed) => {
          const options = resolveTaskOptions(kind, { channels, size, gap, mazeNoise: 0 });
          const layouts = trainingLayouts(options);
          expect(layouts).toBeDefined();
          if (layouts === undefined) return;
          // every label combination once: 2·C Track layouts, 8·C H layouts
          expect(layouts.set.count).toBe((kind === 'h' ? 8 : 2) * channels);
          expect(layouts.set.options).toEqual(options);
          const direct = MazeSet.allocate(options, 1);
          const a = new Rng(seed);
          const b = new Rng(seed);
          const seen = new Set<number>();
          for (let k = 0; k < 40; k++) {
            generateMazeInto(direct, 0, a);
            const v = layouts.draw(b);
            seen.add(v);
            expect(b.state()).toEqual(a.state());
            expect(contents(layouts.set.maze(v), layouts.set)).toEqual(contents(direct.maze(0), direct));
          }
          expect(seen.size).toBeGreaterThan(1);
        },
      ),
      { numRuns: 25 },
    );
  });

  test('the index is (side · C + channel) · O + orientation: a known Track and H maze', () => {
    // Track, 2 channels: layout 3 = goal right, channel 1 leading; its goal is the right end of the middle row
    const track = trainingLayouts(resolveTaskOptions('track', {}))!;
    const t = track.set.maze(3);
    expect(track.set.goal[3]).toBe(5 * 11 + 9);
    expect(track.set.start[3]).toBe(5 * 11 + 5);
    // cues left of the centre carry only the misleading channel 0; right of it, both channels
    expect(t.cues[(5 * 11 + 4) * 2 + 1]).toBe(0);
    expect(t.cues[(5 * 11 + 4) * 2]).toBeGreaterThan(0);
    expect(t.cues[(5 * 11 + 6) * 2 + 1]).toBeGreaterThan(0);
    // layout 0 = goal left, channel 0 leading
    expect(track.set.goal[0]).toBe(5 * 11 + 1);
    const h = trainingLayouts(resolveTaskOptions('h', {}))!;
    expect(h.set.count).toBe(16);
  });

  test('no layouts for General mazes, maze noise, or layouts above 4 MiB', () => {
    expect(trainingLayouts(resolveTaskOptions('general', {}))).toBeUndefined();
    expect(trainingLayouts(resolveTaskOptions('track', { mazeNoise: 0.1 }))).toBeUndefined();
    expect(trainingLayouts(resolveTaskOptions('h', { mazeNoise: 0.01 }))).toBeUndefined();
    // 8 · 8 layouts of 61 × 61 cells at 45 bytes per cell: 10.7 MB
    expect(trainingLayouts(resolveTaskOptions('h', { size: 61, channels: 8 }))).toBeUndefined();
    expect(trainingLayouts(resolveTaskOptions('h', { size: 21, channels: 4 }))).toBeDefined();
  });
});
