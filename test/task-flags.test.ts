import { resolveTaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { describe, expect, it } from 'vitest';
import { taskFlags, taskOptionsFromFlags } from '../src/cli/task-flags.js';

describe('task flags', () => {
  it('leave every option at the default of the maze kind when not given', () => {
    for (const maze of ['track', 'general', 'h'] as const) {
      expect(taskOptionsFromFlags({ maze })).toEqual(resolveTaskOptions(maze));
    }
    expect(taskFlags.maze.default).toBe('track');
  });

  it('map every flag onto its task option', () => {
    const h = taskOptionsFromFlags({ maze: 'h', size: 13, channels: 3, gap: 2, 'maze-noise': 0.05, steps: 15, compat: 'reference', 'active-channels': [1, 0, 1] });
    expect(h).toEqual(resolveTaskOptions('h', { size: 13, channels: 3, gap: 2, mazeNoise: 0.05, steps: 15, compat: 'reference', activeChannels: [1, 0, 1] }));
    const general = taskOptionsFromFlags({ maze: 'general', size: 11, 'cue-sparsity': 0.2, 'wall-sparsity': 0.3 });
    expect(general).toEqual(resolveTaskOptions('general', { size: 11, cueSparsity: 0.2, wallSparsity: 0.3 }));
  });

  it('refuse a flag the maze kind has no use for, instead of ignoring it', () => {
    expect(() => taskOptionsFromFlags({ maze: 'general', gap: 2 })).toThrow(/^--gap applies to the track and h mazes, not to --maze general/);
    expect(() => taskOptionsFromFlags({ maze: 'track', 'cue-sparsity': 0.2 })).toThrow(/^--cue-sparsity applies to the general maze, not to --maze track/);
    expect(() => taskOptionsFromFlags({ maze: 'h', 'wall-sparsity': 0.1 })).toThrow(/^--wall-sparsity applies to the general maze, not to --maze h/);
  });

  it('name the flag, not the option, in errors', () => {
    const cases: [Parameters<typeof taskOptionsFromFlags>[0], RegExp][] = [
      [{ maze: 'general', 'wall-sparsity': -0.5 }, /^--wall-sparsity must be a probability/],
      [{ maze: 'track', gap: 4 }, /^--gap \(for track size 11\) must be/],
      [{ maze: 'general', steps: 0 }, /^--steps must be/],
      [{ maze: 'general', 'maze-noise': -1 }, /^--maze-noise must be/],
    ];
    for (const [flags, message] of cases) {
      let caught: unknown;
      try {
        taskOptionsFromFlags(flags);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PrnnError);
      expect((caught as Error).message).toMatch(message);
    }
  });
});
