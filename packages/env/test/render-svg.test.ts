import { describe, expect, it } from 'vitest';
import { PrnnError } from '@prnn/core';
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
        expect(count(renderSvg(set, i, { crop: false }), 'class="wall"')).toBe(maze.walls.reduce((n, w) => n + w, 0));
        // cropped (the default): the walls of the open cells' bounding box grown by one cell
        const S = set.options.size;
        const open = [...maze.walls.keys()].filter((cell) => maze.walls[cell] === 0);
        const rows = open.map((cell) => Math.floor(cell / S));
        const cols = open.map((cell) => cell % S);
        const [r0, r1, c0, c1] = [Math.max(0, Math.min(...rows) - 1), Math.min(S - 1, Math.max(...rows) + 1), Math.max(0, Math.min(...cols) - 1), Math.min(S - 1, Math.max(...cols) + 1)];
        let walls = 0;
        for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) walls += maze.walls[r * S + c];
        expect(count(svg, 'class="wall"')).toBe(walls);
        expect(svg).toContain(`width="${Math.max((c1 - c0 + 1) * 32, 360)}"`);
        if (kind === 'track') expect(r1 - r0 + 1).toBe(3);
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
    const svg = renderSvg(set, 0, { path, agent: maze.goal, cellSize: 20, crop: false });
    expect(checkXml(svg).problems).toEqual([]);
    const points = /class="path" points="([^"]+)"/.exec(svg)?.[1].split(' ');
    expect(points).toHaveLength(path.length);
    const row = Math.floor(maze.start / 11);
    // below the 24-px heading
    expect(points?.[0]).toBe(`${(maze.start % 11) * 20 + 10},${24 + row * 20 + 10}`);
    expect(count(svg, 'class="agent"')).toBe(1);
    expect(svg).toMatch(/width="360"/); // 11 cells × 20 px would be 220; the legend needs 360
    // cropped to the corridor and the wall rows above and below it: the path runs through the middle row
    const cropped = renderSvg(set, 0, { path, cellSize: 20 });
    expect(/class="path" points="([^"]+)"/.exec(cropped)?.[1].split(' ')[0]).toBe(`${(maze.start % 11) * 20 + 10},${24 + 20 + 10}`);
  });

  it('marks inactive channels in the legend and rejects bad options', () => {
    const set = generateMazeSet(resolveTaskOptions('general', { activeChannels: [1, 0] }), { count: 1, seed: 0 });
    expect(renderSvg(set, 0)).toContain('cue, channel 1 (off)');
    expect(renderSvg(set, 0)).toContain('<title>prnn general maze 0 of 1: 9×9, 2 channels</title>');
    expect(renderSvg(set, 0)).toContain('<text class="heading" x="4" y="16" font-size="13" font-weight="bold">prnn general maze 0 of 1: 9×9, 2 channels</text>');
    const titled = renderSvg(set, 0, { title: 'maze <7> & "friends"' });
    expect(checkXml(titled).problems).toEqual([]);
    expect(titled).toContain('<title>maze &#60;7&#62; &#38; &#34;friends&#34;</title>');
    expect(() => renderSvg(set, 1)).toThrow(PrnnError);
    expect(() => renderSvg(set, 0, { cellSize: 2 })).toThrow(/cellSize must be a number ≥ 8/);
    expect(() => renderSvg(set, 0, { path: [0.5] })).toThrow(/path\[0\] must be a cell index/);
  });

  it('scales cue bars to the maze\'s largest cue and says so in the legend', () => {
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 1, seed: 0 });
    const maze = set.maze(0);
    let max = 0;
    for (let cell = 0; cell < set.cellCount; cell++) if (!maze.walls[cell]) max = Math.max(max, maze.cues[cell * 2], maze.cues[cell * 2 + 1]);
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThan(1);
    const svg = renderSvg(set, 0);
    const heights = [...svg.matchAll(/class="cue cue-c\d"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
    // the largest cue fills the bar's full height: 70 % of a 32-px cell
    expect(Math.max(...heights)).toBeCloseTo(32 * 0.7, 1);
    expect(svg).toContain(`full bar = cue ${Math.round(max * 100) / 100}`);
  });
});
