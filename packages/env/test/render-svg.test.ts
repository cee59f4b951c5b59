import { describe, expect, it } from 'vitest';
import { PrnnError } from '../src/errors.js';
import { generateMazeSet } from '../src/generate.js';
import { renderSvg } from '../src/render-svg.js';
import { resolveTaskOptions } from '../src/task-options.js';
import { checkXml } from './well-formed-xml.js';

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('renderSvg', () => {
  it('is a well-formed standalone SVG with one wall rect per wall cell and one bar per non-zero cue', () => {
    for (const kind of ['general', 'track', 'h'] as const) {
      const set = generateMazeSet(resolveTaskOptions(kind, { mazeNoise: 0.05 }), { count: 4, seed: 9 });
      for (let i = 0; i < set.count; i++) {
        const svg = renderSvg(set, i);
        const xml = checkXml(svg);
        expect(xml.problems).toEqual([]);
        expect(xml.root).toBe('svg');
        expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
        const maze = set.maze(i);
        const walls = maze.walls.reduce((n, w) => n + w, 0);
        expect(count(svg, 'class="wall"')).toBe(walls);
        for (let c = 0; c < set.channels; c++) {
          let cued = 0;
          for (let cell = 0; cell < set.cellCount; cell++) if (!maze.walls[cell] && maze.cues[cell * set.channels + c] > 0) cued++;
          expect(count(svg, `class="cue cue-c${c}"`)).toBe(cued);
          expect(svg).toContain(`cue, channel ${c}`);
        }
        expect(count(svg, 'class="start"')).toBe(1);
        expect(count(svg, 'class="goal"')).toBe(1);
        expect(svg).not.toContain('class="path"');
      }
    }
  });

  it('draws the path through cell centres, the agent, and scales with cellSize', () => {
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 2, seed: 0 });
    const maze = set.maze(0);
    const step = maze.goal < maze.start ? -1 : 1;
    const path: number[] = [];
    for (let cell = maze.start; cell !== maze.goal + step; cell += step) path.push(cell);
    const svg = renderSvg(set, 0, { path, agent: maze.goal, cellSize: 20 });
    expect(checkXml(svg).problems).toEqual([]);
    const points = /class="path" points="([^"]+)"/.exec(svg)?.[1].split(' ');
    expect(points).toHaveLength(path.length);
    const row = Math.floor(maze.start / 11);
    expect(points?.[0]).toBe(`${(maze.start % 11) * 20 + 10},${row * 20 + 10}`);
    expect(count(svg, 'class="agent"')).toBe(1);
    expect(svg).toMatch(/width="240"/); // 11 cells × 20 px would be 220; the legend needs 240
  });

  it('marks inactive channels in the legend and rejects bad options', () => {
    const set = generateMazeSet(resolveTaskOptions('general', { activeChannels: [1, 0] }), { count: 1, seed: 0 });
    expect(renderSvg(set, 0)).toContain('cue, channel 1 (off)');
    expect(renderSvg(set, 0)).toContain('<title>prnn general maze 0 of 1: 9×9, 2 channels</title>');
    const titled = renderSvg(set, 0, { title: 'maze <7> & "friends"' });
    expect(checkXml(titled).problems).toEqual([]);
    expect(titled).toContain('<title>maze &#60;7&#62; &#38; &#34;friends&#34;</title>');
    expect(() => renderSvg(set, 1)).toThrow(PrnnError);
    expect(() => renderSvg(set, 0, { cellSize: 2 })).toThrow(/cellSize must be a number ≥ 8/);
    expect(() => renderSvg(set, 0, { path: [0.5] })).toThrow(/path\[0\] must be a cell index/);
  });
});
