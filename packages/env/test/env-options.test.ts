import { describe, expect, test } from 'vitest';
import { Box, Discrete, MazeSet, generateMazeSet, make, resolveTaskOptions, type MazeEnv } from '../src/index.js';
import { PrnnError, Rng } from '@prnn/core';

describe('make() task options', () => {
  test('flat task options are accepted and equal the nested form', () => {
    const flat = make('prnn/TrackMaze-v0', { size: 13, steps: 9 }) as MazeEnv;
    const nested = make('prnn/TrackMaze-v0', { task: { size: 13, steps: 9 } }) as MazeEnv;
    expect(flat.options).toEqual(nested.options);
    expect(flat.options).toMatchObject({ kind: 'track', size: 13, steps: 9 });
    expect(flat.options).toEqual(resolveTaskOptions('track', { size: 13, steps: 9 }));
  });

  test('bad values, unknown keys, a key given twice, and task options beside a maze set are refused', () => {
    expect(() => make('prnn/TrackMaze-v0', { steps: -3 })).toThrow(/^steps must be an integer in \[1, \d+\] \(got -3\)$/);
    expect(() => make('prnn/TrackMaze-v0', { size: 8 })).toThrow(/^size must be an odd integer/);
    expect(() => make('prnn/TrackMaze-v0', { sise: 13 } as never)).toThrow(
      /^unknown env option "sise"; allowed: kind, task, mazeSet, sensorNoise, reward and the task options size, channels, /,
    );
    expect(() => make('prnn/TrackMaze-v0', { kind: 'general' } as never)).toThrow('prnn/TrackMaze-v0 makes track mazes; options.kind must be track or absent (got "general")');
    expect(() => make('prnn/HMaze-v0', { task: { kind: 'track' } })).toThrow(/^prnn\/HMaze-v0 makes h mazes/);
    expect((make('prnn/HMaze-v0', { task: { kind: 'h' } }) as MazeEnv).options.kind).toBe('h');
    expect(() => make('prnn/TrackMaze-v0', { size: 13, task: { size: 15 } })).toThrow('task option size is given twice (flat and in task); give it once');
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 2, seed: 1 });
    expect(set).toBeInstanceOf(MazeSet);
    expect(() => make('prnn/TrackMaze-v0', { mazeSet: set, size: 13 })).toThrow(PrnnError);
    expect(() => make('prnn/TrackMaze-v0', { mazeSet: set, size: 13 })).toThrow(/^task options \(size\) cannot be combined with mazeSet/);
  });
});

describe('spaces without an explicit Rng', () => {
  test('sample() uses the space\'s own generator: seeded with 0 by default, re-seeded by seed(n)', () => {
    const env = make('prnn/TrackMaze-v0');
    const a = Array.from({ length: 20 }, () => env.actionSpace.sample() as number);
    // the same draws as an explicit generator seeded with 0
    const r = new Rng(0);
    expect(a).toEqual(Array.from({ length: 20 }, () => r.int(5)));
    expect(a.every((x) => x >= 0 && x < 5)).toBe(true);
    const d = new Discrete(5);
    expect(d.seed(42)).toEqual([42]);
    const b = Array.from({ length: 20 }, () => d.sample());
    d.seed(42);
    expect(Array.from({ length: 20 }, () => d.sample())).toEqual(b);
    expect(b).not.toEqual(a);
    const box = new Box(0, 1, [8]);
    box.seed(3);
    const x = box.sample();
    expect(box.contains(x)).toBe(true);
    expect(Array.from(x)).toEqual(Array.from(new Box(0, 1, [8]).sample(new Rng(3))));
    expect(() => box.seed(-1)).toThrow(/^space seed must be an integer ≥ 0 \(got -1\)$/);
  });
});
