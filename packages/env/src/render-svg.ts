import { PrnnError } from './errors.js';
import type { MazeSet } from './maze-set.js';
import { checkCell, checkPath } from './render-checks.js';

export interface SvgRenderOptions {
  /** Cells (row*size + col) visited by an agent, in order; drawn as a line through cell centres. */
  path?: ArrayLike<number>;
  /** The agent's cell; drawn as a dot. */
  agent?: number;
  /** Side of one cell in pixels (default 32, at least 8). */
  cellSize?: number;
  /** Text of the document's `<title>` (default: kind, maze number, size and channels). */
  title?: string;
}

/** One colour per channel (cycled when there are more channels). */
export const CHANNEL_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const WALL_COLOR = '#2b2b2b';
const FLOOR_COLOR = '#f7f7f2';
const START_COLOR = '#2a9d2a';
const GOAL_COLOR = '#c0392b';
const PATH_COLOR = '#555555';
const LEGEND_ROW = 18;
const LEGEND_ITEM_WIDTH = 120;

/**
 * A standalone SVG document of maze `index` of `set`: one `<rect class="wall">` per wall cell; for every
 * open cell one bar per channel whose height is the cell's cue (0–1) in that channel's colour; the start
 * (ring, "S"), the goal (ring, "G"), an optional path and agent; a legend below the maze.
 */
export function renderSvg(set: MazeSet, index: number, opts: SvgRenderOptions = {}): string {
  set.checkIndex(index);
  const { size, channels, kind } = set.options;
  const cells = size * size;
  const cs = opts.cellSize ?? 32;
  if (!Number.isFinite(cs) || cs < 8) throw new PrnnError(`cellSize must be a number ≥ 8 pixels (got ${cs})`);
  if (opts.path !== undefined) checkPath(opts.path, size);
  if (opts.agent !== undefined) checkCell('agent', opts.agent, size);

  const base = index * cells;
  const mazePx = size * cs;
  const width = Math.max(mazePx, 2 * LEGEND_ITEM_WIDTH);
  const legendItems = legendEntries(set, opts.path !== undefined);
  const perRow = Math.max(1, Math.floor(width / LEGEND_ITEM_WIDTH));
  const legendTop = mazePx + 8;
  const height = legendTop + Math.ceil(legendItems.length / perRow) * LEGEND_ROW + 4;
  const out: string[] = [];

  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" font-family="sans-serif">`,
  );
  const title = opts.title ?? `prnn ${kind} maze ${index} of ${set.count}: ${size}×${size}, ${channels} channel${channels === 1 ? '' : 's'}`;
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect class="floor" x="0" y="0" width="${n(mazePx)}" height="${n(mazePx)}" fill="${FLOOR_COLOR}"/>`);

  out.push(`<g class="walls" fill="${WALL_COLOR}">`);
  for (let cell = 0; cell < cells; cell++) {
    if (set.walls[base + cell] === 0) continue;
    const { x, y } = corner(cell, size, cs);
    out.push(`<rect class="wall" x="${n(x)}" y="${n(y)}" width="${n(cs)}" height="${n(cs)}"/>`);
  }
  out.push('</g>');

  const pad = cs * 0.15;
  const inner = cs - 2 * pad;
  const barWidth = inner / channels;
  out.push('<g class="cues">');
  for (let cell = 0; cell < cells; cell++) {
    if (set.walls[base + cell] !== 0) continue;
    const { x, y } = corner(cell, size, cs);
    for (let c = 0; c < channels; c++) {
      const cue = Math.min(1, Math.max(0, set.cues[(base + cell) * channels + c]));
      if (cue === 0) continue;
      const h = cue * inner;
      out.push(
        `<rect class="cue cue-c${c}" x="${n(x + pad + c * barWidth)}" y="${n(y + pad + inner - h)}" width="${n(barWidth)}" height="${n(h)}" fill="${channelColor(c)}" fill-opacity="0.85"/>`,
      );
    }
  }
  out.push('</g>');

  if (opts.path !== undefined && opts.path.length > 0) {
    const points: string[] = [];
    for (let k = 0; k < opts.path.length; k++) {
      const { x, y } = corner(opts.path[k], size, cs);
      points.push(`${n(x + cs / 2)},${n(y + cs / 2)}`);
    }
    out.push(
      `<polyline class="path" points="${points.join(' ')}" fill="none" stroke="${PATH_COLOR}" stroke-width="${n(cs * 0.08)}" stroke-linecap="round" stroke-linejoin="round" stroke-opacity="0.8"/>`,
    );
  }

  out.push(marker('start', 'S', set.start[index], size, cs, START_COLOR));
  out.push(marker('goal', 'G', set.goal[index], size, cs, GOAL_COLOR));
  if (opts.agent !== undefined) {
    const { x, y } = corner(opts.agent, size, cs);
    out.push(
      `<circle class="agent" cx="${n(x + cs / 2)}" cy="${n(y + cs / 2)}" r="${n(cs * 0.2)}" fill="#111111" stroke="#ffffff" stroke-width="${n(cs * 0.05)}"/>`,
    );
  }

  out.push(`<g class="legend" font-size="11">`);
  legendItems.forEach((item, k) => {
    const x = (k % perRow) * LEGEND_ITEM_WIDTH + 4;
    const y = legendTop + Math.floor(k / perRow) * LEGEND_ROW;
    out.push(`<rect class="legend-swatch" x="${n(x)}" y="${n(y + 2)}" width="12" height="12" ${item.style}/>`);
    out.push(`<text x="${n(x + 17)}" y="${n(y + 12)}">${escapeXml(item.label)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

interface LegendEntry {
  label: string;
  style: string;
}

function legendEntries(set: MazeSet, withPath: boolean): LegendEntry[] {
  const entries: LegendEntry[] = [];
  for (let c = 0; c < set.options.channels; c++) {
    const off = set.options.activeChannels[c] === 0 ? ' (off)' : '';
    entries.push({ label: `cue, channel ${c}${off}`, style: `fill="${channelColor(c)}"` });
  }
  entries.push({ label: 'wall', style: `fill="${WALL_COLOR}"` });
  entries.push({ label: 'start (S)', style: `fill="none" stroke="${START_COLOR}" stroke-width="2"` });
  entries.push({ label: 'goal (G)', style: `fill="none" stroke="${GOAL_COLOR}" stroke-width="2"` });
  if (withPath) entries.push({ label: 'path', style: `fill="${PATH_COLOR}"` });
  return entries;
}

function marker(cls: string, letter: string, cell: number, size: number, cs: number, color: string): string {
  const { x, y } = corner(cell, size, cs);
  return (
    `<g class="${cls}"><circle cx="${n(x + cs / 2)}" cy="${n(y + cs / 2)}" r="${n(cs * 0.4)}" fill="none" stroke="${color}" stroke-width="${n(cs * 0.07)}"/>` +
    `<text x="${n(x + cs * 0.08)}" y="${n(y + cs * 0.3)}" font-size="${n(cs * 0.28)}" font-weight="bold" fill="${color}">${letter}</text></g>`
  );
}

function corner(cell: number, size: number, cs: number): { x: number; y: number } {
  return { x: (cell % size) * cs, y: Math.floor(cell / size) * cs };
}

function channelColor(channel: number): string {
  return CHANNEL_COLORS[channel % CHANNEL_COLORS.length];
}

/** Coordinates with at most two decimals, keeping the document small. */
function n(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
