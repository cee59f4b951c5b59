import type { MazeSet } from './maze-set.js';
import { checkCell, checkChannel, checkPath } from './render-checks.js';

/** Overlays of the text rendering: an agent's path and cell, and cue shading of one channel. */
export interface AsciiRenderOptions {
  /** Cells (row*size + col) visited by an agent, in order; marked `o`. */
  path?: ArrayLike<number>;
  /** The agent's cell; marked `@` (drawn over everything else). */
  agent?: number;
  /** Shade open cells by this channel's cue (0 → blank … 1 → `@`-dense), in the second column of each cell. */
  shadeChannel?: number;
}

/** Cue intensity ramp, darkest last; a cue v in [0,1] maps to SHADES[round(v·(length−1))]. */
export const ASCII_SHADES = ' .:-=+*%';

/** Legend of the characters used by {@link renderAscii}. */
export const ASCII_LEGEND = '## wall, S start, G goal, o path, @ agent';

/**
 * Plain-ASCII picture of maze `index` of `set`, one text row per maze row, two characters per cell
 * (so cells look roughly square in a terminal). The first character of a cell is its mark
 * (`S`, `G`, `o`, `@` or blank), the second its cue shade when `shadeChannel` is given.
 * Rows are joined by `\n`, with no trailing newline.
 */
export function renderAscii(set: MazeSet, index: number, opts: AsciiRenderOptions = {}): string {
  set.checkIndex(index);
  const { size, channels } = set.options;
  const cells = size * size;
  if (opts.path !== undefined) checkPath(opts.path, size);
  if (opts.agent !== undefined) checkCell('agent', opts.agent, size);
  if (opts.shadeChannel !== undefined) checkChannel('shadeChannel', opts.shadeChannel, channels);

  const base = index * cells;
  const marks = new Array<string>(cells).fill(' ');
  if (opts.path !== undefined) for (let k = 0; k < opts.path.length; k++) marks[opts.path[k]] = 'o';
  marks[set.start[index]] = 'S';
  marks[set.goal[index]] = 'G';
  if (opts.agent !== undefined) marks[opts.agent] = '@';

  const rows: string[] = [];
  for (let r = 0; r < size; r++) {
    let row = '';
    for (let c = 0; c < size; c++) {
      const cell = r * size + c;
      if (set.walls[base + cell] !== 0) {
        row += '##';
        continue;
      }
      let shade = ' ';
      if (opts.shadeChannel !== undefined) {
        const cue = Math.min(1, Math.max(0, set.cues[(base + cell) * channels + opts.shadeChannel]));
        shade = ASCII_SHADES[Math.round(cue * (ASCII_SHADES.length - 1))];
      }
      row += marks[cell] + shade;
    }
    rows.push(row);
  }
  return rows.join('\n');
}
