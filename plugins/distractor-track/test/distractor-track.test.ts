import { MazeSet, generateMazeInto, generateMazeSet, resolveTaskOptions } from '@prnn/env';
import { Rng } from '@prnn/core';
import { builtinPlugins, createContainer } from '@prnn/agents';
import { describe, expect, it } from 'vitest';
import plugin, { DISTRACTOR_TRACK, distractorTrack } from '../src/index.js';

describe('the distractor Track task plugin', () => {
  const options = distractorTrack.options({});
  const track2 = resolveTaskOptions('track', { channels: 2 });

  it('registers its id; its default is a 3-channel Track maze; bad options name the parameter', () => {
    const registry = createContainer([...builtinPlugins(), plugin]);
    expect(registry.task(DISTRACTOR_TRACK)).toBe(distractorTrack);
    expect(registry.pluginOf('task', DISTRACTOR_TRACK)?.plugin).toBe('@prnn/plugin-distractor-track');
    expect(options).toMatchObject({ kind: 'track', channels: 3, size: 11, steps: 6 });
    expect(distractorTrack.options({ channels: 4 }).channels).toBe(4);
    expect(() => distractorTrack.options({ channels: 1 })).toThrow(/channels must be an integer ≥ 2/);
    expect(() => registry.task('nope/Task-v0')).toThrow(/task "nope\/Task-v0" is registered by no loaded plugin; loaded: distractor\/Track-v0/);
  });

  it('test sets: the Track maze of the same seed in the first channels, random bits on open cells in the last', () => {
    const set = distractorTrack.generateSet(options, { count: 40, seed: 9 });
    const track = generateMazeSet(track2, { count: 40, seed: 9 });
    const cells = set.size * set.size;
    expect(set.walls).toEqual(track.walls);
    expect(set.goal).toEqual(track.goal);
    expect(set.distance).toEqual(track.distance);
    let ones = 0;
    let open = 0;
    for (let k = 0; k < 40 * cells; k++) {
      expect(set.cues[k * 3]).toBe(track.cues[k * 2]);
      expect(set.cues[k * 3 + 1]).toBe(track.cues[k * 2 + 1]);
      const bit = set.cues[k * 3 + 2];
      if (set.walls[k] === 1) expect(bit).toBe(0);
      else {
        expect([0, 1]).toContain(bit);
        ones += bit;
        open++;
      }
    }
    expect(Math.abs(ones / open - 0.5)).toBeLessThan(0.05);
    expect(distractorTrack.generateSet(options, { count: 40, seed: 9 }).cues).toEqual(set.cues);
  });

  it('training mazes: the Track maze the same generator state draws, plus fresh distractor bits', () => {
    const set = MazeSet.allocate(options, 2);
    const track = MazeSet.allocate(track2, 1);
    const a = new Rng(4);
    const b = new Rng(4);
    distractorTrack.generateInto(set, 1, a);
    generateMazeInto(track, 0, b);
    const cells = set.size * set.size;
    expect(set.walls.subarray(cells, 2 * cells)).toEqual(track.walls);
    expect(set.start[1]).toBe(track.start[0]);
    for (let cell = 0; cell < cells; cell++) expect(set.cues[(cells + cell) * 3]).toBe(track.cues[cell * 2]);
  });
});

describe('conformance', () => {
  it('passes checkTask', async () => {
    const { checkTask } = await import('@prnn/agents/testing');
    const { initBackend } = await import('@prnn/agents');
    await initBackend('cpu');
    expect((await checkTask(distractorTrack)).problems).toEqual([]);
  });
});
