import { describe, expect, test } from 'vitest';
import { TASK_DEFAULTS, resolveTaskOptions, type TaskOptions } from '../src/index.js';
import { PrnnError } from '@prnn/core';

describe('resolveTaskOptions', () => {
  test('applies the defaults of each kind (docs/spec.md §0, DESIGN)', () => {
    expect(resolveTaskOptions('track')).toEqual({
      kind: 'track', size: 11, channels: 2, activeChannels: [1, 1], gap: 1, cueSparsity: 0, wallSparsity: 0,
      mazeNoise: 0, steps: 6, compat: 'none',
    });
    expect(resolveTaskOptions('general')).toMatchObject({
      kind: 'general', size: 9, channels: 2, activeChannels: [1, 1], cueSparsity: 0.1, wallSparsity: 0, mazeNoise: 0,
      steps: 20, compat: 'none',
    });
    expect(resolveTaskOptions('h')).toMatchObject({ kind: 'h', size: 11, channels: 2, gap: 1, steps: 12 });
    expect(TASK_DEFAULTS.general.steps).toBe(20);
  });

  test('keeps given values and sizes the default mask to the channel count', () => {
    const o = resolveTaskOptions('general', { size: 7, channels: 3, cueSparsity: 0, steps: 5, compat: 'reference' });
    expect(o).toMatchObject({ size: 7, channels: 3, activeChannels: [1, 1, 1], cueSparsity: 0, steps: 5, compat: 'reference' });
    expect(resolveTaskOptions('track', { activeChannels: [0, 1] }).activeChannels).toEqual([0, 1]);
    expect(resolveTaskOptions('track', { gap: 0 }).gap).toBe(0);
    expect(resolveTaskOptions('track', { size: 7, gap: 1 }).gap).toBe(1);
  });

  const bad: [string, string, Partial<TaskOptions> | Record<string, unknown>, RegExp][] = [
    ['general', 'even size', { size: 8 }, /size must be an odd integer in \[5, 1001\].*got 8/],
    ['general', 'too-small size', { size: 3 }, /size must be an odd integer in \[5,.*got 3/],
    ['track', 'too-small track size', { size: 5 }, /size must be an odd integer in \[7,.*got 5/],
    ['general', 'non-integer size', { size: 9.5 }, /size .*got 9\.5/],
    ['general', 'zero channels', { channels: 0 }, /channels must be an integer in \[1, 64\] \(got 0\)/],
    ['h', 'one channel for H', { channels: 1 }, /channels must be an integer in \[2, 64\] \(got 1\)/],
    ['general', 'cueSparsity > 1', { cueSparsity: 1.5 }, /cueSparsity must be a probability in \[0, 1\] \(got 1\.5\)/],
    ['general', 'negative wallSparsity', { wallSparsity: -0.1 }, /wallSparsity must be a probability in \[0, 1\]/],
    ['general', 'NaN cueSparsity', { cueSparsity: Number.NaN }, /cueSparsity must be a probability.*NaN/],
    ['general', 'negative mazeNoise', { mazeNoise: -1 }, /mazeNoise must be a finite number ≥ 0 \(got -1\)/],
    ['track', 'NaN mazeNoise', { mazeNoise: Number.NaN }, /mazeNoise must be a finite number ≥ 0 \(got NaN\)/],
    ['track', 'infinite mazeNoise', { mazeNoise: Infinity }, /mazeNoise must be a finite number/],
    ['general', 'zero steps', { steps: 0 }, /steps must be an integer in \[1, 1000000\] \(got 0\)/],
    ['track', 'fractional steps', { steps: 2.5 }, /steps must be an integer/],
    ['track', 'gap too large', { gap: 4 }, /gap \(for track size 11\) must be an integer in \[0, 3\] \(got 4\)/],
    ['h', 'negative gap', { gap: -1 }, /gap \(for h size 11\) must be an integer in \[0, 3\]/],
    ['track', 'mask of wrong length', { activeChannels: [1] }, /activeChannels must be an array of 2 values, each 0 or 1 \(got \[1\]\)/],
    ['track', 'mask not 0/1', { activeChannels: [1, 2] }, /activeChannels must be an array of 2 values, each 0 or 1/],
    ['general', 'bad compat', { compat: 'python' as never }, /compat must be one of none, reference \(got "python"\)/],
    ['general', 'unknown key', { seize: 9 }, /unknown task option "seize"; allowed: kind, size/],
    ['general', 'kind mismatch', { kind: 'track' }, /kind must match/],
  ];
  test.each(bad)('%s: %s → PrnnError naming the parameter and range', (kind, _what, partial, message) => {
    expect(() => resolveTaskOptions(kind, partial as Partial<TaskOptions>)).toThrow(PrnnError);
    expect(() => resolveTaskOptions(kind, partial as Partial<TaskOptions>)).toThrow(message);
  });

  test('unknown kind lists the kinds', () => {
    expect(() => resolveTaskOptions('spiral')).toThrow(PrnnError);
    expect(() => resolveTaskOptions('spiral')).toThrow(/kind must be one of general, track, h \(got "spiral"\)/);
  });
});
