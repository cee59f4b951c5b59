import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMazeSet, resolveTaskOptions, shortestPath } from '@prnn/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkXml } from '../packages/env/test/well-formed-xml.js';
import { runCli } from './run-cli.js';

describe('prnn env render', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prnn-render-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('draws maze --index of the set (seed, count) in ASCII', () => {
    const out = runCli(['env', 'render', '--maze', 'general', '--seed', '5', '--count', '50', '--index', '17']);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
    const set = generateMazeSet(resolveTaskOptions('general'), { count: 50, seed: 5 });
    const maze = set.maze(17);
    const rows = out.stdout.split('\n').slice(0, 9);
    for (let r = 0; r < 9; r++) {
      for (let c = 0; c < 9; c++) {
        const text = rows[r].slice(2 * c, 2 * c + 2);
        expect(text === '##').toBe(maze.walls[r * 9 + c] === 1);
      }
    }
    const at = (cell: number) => rows[Math.floor(cell / 9)][2 * (cell % 9)];
    expect(at(maze.start)).toBe('S');
    expect(at(maze.goal)).toBe('G');
    expect(out.stdout).toContain(`fastest solution ${maze.fastestSolution}, dMax ${maze.dMax}`);
  });

  it('draws H mazes in both orientations: the crossbar is the middle row or the middle column', () => {
    const pictures = [0, 1, 2, 3].map((index) => runCli(['env', 'render', '--maze', 'h', '--index', String(index), '--path', 'shortest']));
    const crossbars = new Set<string>();
    for (const [index, out] of pictures.entries()) {
      expect(out.status).toBe(0);
      const rows = out.stdout.split('\n').slice(0, 11);
      const open = (r: number, c: number): boolean => rows[r].slice(2 * c, 2 * c + 2) !== '##';
      const middleRow = [1, 2, 3, 4, 5, 6, 7, 8, 9].every((c) => open(5, c));
      const middleColumn = [1, 2, 3, 4, 5, 6, 7, 8, 9].every((r) => open(r, 5));
      expect(middleRow !== middleColumn).toBe(true);
      crossbars.add(middleRow ? 'row' : 'column');
      const maze = generateMazeSet(resolveTaskOptions('h'), { count: 1000, seed: 0 }).maze(index);
      const goal = [Math.floor(maze.goal / 11), maze.goal % 11];
      expect(rows[goal[0]][2 * goal[1]]).toBe('G');
      expect([1, 9]).toContain(goal[0]);
      expect([1, 9]).toContain(goal[1]);
      expect(rows.join('').split('o')).toHaveLength(7 + 1); // d(start) − 1 path cells between S and G
    }
    expect([...crossbars].sort()).toEqual(['column', 'row']);
  });

  it('overlays the shortest path', () => {
    const out = runCli(['env', 'render', '--maze', 'general', '--seed', '2', '--path', 'shortest']);
    expect(out.status).toBe(0);
    const set = generateMazeSet(resolveTaskOptions('general'), { count: 1000, seed: 2 });
    const path = shortestPath(set, 0);
    const grid = out.stdout.split('\n').slice(0, 9).join('\n');
    expect(grid.split('o')).toHaveLength(path.length - 2 + 1);
  });

  it('writes an SVG file with one wall rect per wall cell, via a temporary file', async () => {
    const file = join(dir, 'maze.svg');
    const out = runCli(['env', 'render', '--maze', 'h', '--seed', '9', '--count', '40', '--index', '3', '--path', 'shortest', '--svg', file]);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(`Wrote ${file}`);
    expect(await readdir(dir)).toEqual(['maze.svg']);
    const svg = await readFile(file, 'utf8');
    const xml = checkXml(svg);
    expect(xml.problems).toEqual([]);
    expect(xml.root).toBe('svg');
    const maze = generateMazeSet(resolveTaskOptions('h'), { count: 40, seed: 9 }).maze(3);
    const walls = maze.walls.reduce((n, w) => n + w, 0);
    expect(svg.split('class="wall"')).toHaveLength(walls + 1);
    expect(xml.elements.get('polyline')).toBe(1);
  });
});
