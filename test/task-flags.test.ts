import { PrnnError, resolveTaskOptions } from '@prnn/env';
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
    const options = taskOptionsFromFlags({
      maze: 'h', size: 13, channels: 3, gap: 2, 'cue-sparsity': 0.2, 'wall-sparsity': 0.3, 'maze-noise': 0.05, steps: 15,
      compat: 'reference', 'active-channels': [1, 0, 1],
    });
    expect(options).toEqual(resolveTaskOptions('h', {
      size: 13, channels: 3, gap: 2, cueSparsity: 0.2, wallSparsity: 0.3, mazeNoise: 0.05, steps: 15, compat: 'reference', activeChannels: [1, 0, 1],
    }));
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
