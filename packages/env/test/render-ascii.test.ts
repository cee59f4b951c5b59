import { describe, expect, it } from 'vitest';
import { PrnnError } from '@prnn/core';
import { generateMazeSet } from '../src/generate.js';
import { ASCII_SHADES, renderAscii } from '../src/render-ascii.js';
import { resolveTaskOptions } from '../src/task-options.js';

/** Cell (row, col) of an ASCII picture: the two characters of that cell. */
function cellText(picture: string, row: number, col: number): string {
  return picture.split('\n')[row].slice(2 * col, 2 * col + 2);
}

describe('renderAscii', () => {
  const set = generateMazeSet(resolveTaskOptions('general', { cueSparsity: 0.2 }), { count: 5, seed: 2 });
  const size = set.size;

  it('draws every wall and open cell, the start and the goal', () => {
    for (let i = 0; i < set.count; i++) {
      const picture = renderAscii(set, i);
      const rows = picture.split('\n');
      expect(rows).toHaveLength(size);
      for (const row of rows) expect(row).toHaveLength(2 * size);
      const maze = set.maze(i);
      for (let cell = 0; cell < set.cellCount; cell++) {
        const text = cellText(picture, Math.floor(cell / size), cell % size);
        if (maze.walls[cell]) expect(text).toBe('##');
        else if (cell === maze.start) expect(text).toBe('S ');
        else if (cell === maze.goal) expect(text).toBe('G ');
        else expect(text).toBe('  ');
      }
    }
  });

  it('marks a path and the agent, and shades a channel', () => {
    const maze = set.maze(3);
    const open: number[] = [];
    for (let cell = 0; cell < set.cellCount; cell++) if (!maze.walls[cell] && cell !== maze.start && cell !== maze.goal) open.push(cell);
    const path = [maze.start, open[0], open[1]];
    const picture = renderAscii(set, 3, { path, agent: open[1], shadeChannel: 1 });
    expect(cellText(picture, Math.floor(maze.start / size), maze.start % size)[0]).toBe('S');
    expect(cellText(picture, Math.floor(open[0] / size), open[0] % size)[0]).toBe('o');
    expect(cellText(picture, Math.floor(open[1] / size), open[1] % size)[0]).toBe('@');
    for (const cell of open) {
      const cue = maze.cues[cell * 2 + 1];
      const shade = cellText(picture, Math.floor(cell / size), cell % size)[1];
      expect(shade).toBe(ASCII_SHADES[Math.round(cue * (ASCII_SHADES.length - 1))]);
    }
    expect(picture.split('').filter((ch) => ch === 'o')).toHaveLength(1);
  });

  it('rejects bad indices, cells and channels with PrnnError', () => {
    expect(() => renderAscii(set, 5)).toThrow(PrnnError);
    expect(() => renderAscii(set, 0, { agent: size * size })).toThrow(/agent must be a cell index/);
    expect(() => renderAscii(set, 0, { path: [1, -1] })).toThrow(/path\[1\] must be a cell index/);
    expect(() => renderAscii(set, 0, { shadeChannel: 2 })).toThrow(/shadeChannel must be a channel index in \[0, 1\]/);
  });
});
