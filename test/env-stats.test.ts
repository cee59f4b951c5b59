import { generateMazeSet, mazeSetStats, resolveTaskOptions } from '@prnn/env';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('prnn env stats', () => {
  it('prints exactly the documented JSON, equal to the library for the same seed', () => {
    const out = runCli(['env', 'stats', '--json', '--count', '200', '--seed', '7']);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(out.stdout);
    expect(Object.keys(json)).toEqual(['count', 'fastestSolution', 'dMax', 'openCells', 'cue']);
    expect(Object.keys(json.fastestSolution)).toEqual(['mean', 'std', 'min', 'max']);
    expect(Object.keys(json.dMax)).toEqual(['mean']);
    expect(Object.keys(json.openCells)).toEqual(['mean']);
    expect(Object.keys(json.cue)).toEqual(['mean', 'zeroShare', 'max']);
    expect(json).toEqual(mazeSetStats(generateMazeSet(resolveTaskOptions('track'), { count: 200, seed: 7 })));
    expect(json.count).toBe(200);
  });

  it('passes every task flag through (General maze with sparsity, noise, walls, mask)', () => {
    const args = ['--maze', 'general', '--size', '11', '--cue-sparsity', '0.3', '--wall-sparsity', '0.05', '--maze-noise', '0.1', '--steps', '30', '--active-channels', '1,0', '--compat', 'reference'];
    const out = runCli(['env', 'stats', '--json', '--count', '150', '--seed', '3', ...args]);
    expect(out.status).toBe(0);
    const options = resolveTaskOptions('general', {
      size: 11, cueSparsity: 0.3, wallSparsity: 0.05, mazeNoise: 0.1, steps: 30, activeChannels: [1, 0], compat: 'reference',
    });
    const expected = mazeSetStats(generateMazeSet(options, { count: 150, seed: 3 }));
    expect(JSON.parse(out.stdout)).toEqual(expected);
    // a different seed gives different mazes
    const other = JSON.parse(runCli(['env', 'stats', '--json', '--count', '150', '--seed', '4', ...args]).stdout);
    expect(other.fastestSolution.mean).not.toBe(expected.fastestSolution.mean);
  });

  it('H mazes: fastest solution 7, dMax 16, 25 open cells; channel 0 as counted by hand from docs/spec.md §1.2', () => {
    const out = runCli(['env', 'stats', '--maze', 'h', '--json']);
    expect(out.status).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.fastestSolution).toEqual({ mean: 7, std: 0, min: 7, max: 7 });
    expect(json.dMax.mean).toBe(16);
    expect(json.openCells.mean).toBe(25);
    // 500 mazes with channel 0 as the row channel (cues summing to 6.9286, 6 cells without), 500 as the
    // column channel (4.3571, 10 cells without), over 25 open cells each
    expect(json.cue.mean).toBeCloseTo((6.928571 + 4.357143) / 50, 5);
    expect(json.cue.zeroShare).toBe(0.32);
    expect(json.cue.max).toBe(0.5);
  });

  it('prints a readable table without --json', () => {
    const out = runCli(['env', 'stats', '--maze', 'general', '--count', '100']);
    expect(out.status).toBe(0);
    const stats = mazeSetStats(generateMazeSet(resolveTaskOptions('general'), { count: 100, seed: 0 }));
    expect(out.stdout).toContain('general mazes 9×9, 2 channels, seed 0');
    expect(out.stdout).toMatch(new RegExp(`fastest solution, mean +${stats.fastestSolution.mean.toFixed(4)}`));
    expect(out.stdout).toMatch(new RegExp(`cue \\(channel 0\\), share of zeros +${stats.cue.zeroShare.toFixed(4)}`));
  });
});
