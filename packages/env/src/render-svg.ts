import { PrnnError } from '@prnn/core';
import type { MazeSet } from './maze-set.js';
import { checkCell, checkPath } from './render-checks.js';

/** Overlays and size of the SVG rendering: an agent's path and cell, cell size in pixels, and cue shading. */
export interface SvgRenderOptions {
  /** Cells (row*size + col) visited by an agent, in order; drawn as a line through cell centres. */
  path?: ArrayLike<number>;
  /** The agent's cell; drawn as a dot. */
  agent?: number;
  /** Side of one cell in pixels (default 32, at least 8). */
  cellSize?: number;
  /** Text of the document's `<title>` and of the heading above the maze (default: kind, maze number, size and channels). */
  title?: string;
  /**
   * Draw only the open cells' bounding box and a one-cell wall border around it (default true): a Track
   * maze is one corridor row, so the full grid would be mostly wall.
   */
  crop?: boolean;
}

/** The drawn part of the grid: rows r0..r1 and columns c0..c1 (inclusive). */
export interface SvgView {
  readonly r0: number;
  readonly r1: number;
  readonly c0: number;
  readonly c1: number;
}

/** The open cells' bounding box of maze `index`, grown by one cell on each side (within the grid). */
export function openRegion(set: MazeSet, index: number): SvgView {
  const { size } = set.options;
  const base = index * size * size;
  let r0 = size;
  let r1 = -1;
  let c0 = size;
  let c1 = -1;
  for (let cell = 0; cell < size * size; cell++) {
    if (set.walls[base + cell] !== 0) continue;
    const r = Math.floor(cell / size);
    const c = cell % size;
    r0 = Math.min(r0, r);
    r1 = Math.max(r1, r);
    c0 = Math.min(c0, c);
    c1 = Math.max(c1, c);
  }
  if (r1 < 0) return { r0: 0, r1: size - 1, c0: 0, c1: size - 1 };
  return { r0: Math.max(0, r0 - 1), r1: Math.min(size - 1, r1 + 1), c0: Math.max(0, c0 - 1), c1: Math.min(size - 1, c1 + 1) };
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
const HEADING = 24;

/**
 * A standalone SVG document of maze `index` of `set`: a heading (the title); one `<rect class="wall">` per
 * drawn wall cell (all of them, or with `crop` those of the open region and its border); for every open cell
 * one bar per channel whose height is the cell's cue relative to the maze's largest cue (so faint cues stay
 * visible; the legend gives the scale) in that channel's colour; the start (ring, "S"), the goal (ring,
 * "G"), an optional path and agent; a legend below the maze.
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
  const view = opts.crop === false ? { r0: 0, r1: size - 1, c0: 0, c1: size - 1 } : openRegion(set, index);
  const inView = (cell: number) => {
    const r = Math.floor(cell / size);
    const c = cell % size;
    return r >= view.r0 && r <= view.r1 && c >= view.c0 && c <= view.c1;
  };
  const corner = (cell: number) => ({ x: ((cell % size) - view.c0) * cs, y: HEADING + (Math.floor(cell / size) - view.r0) * cs });
  const mazeWidth = (view.c1 - view.c0 + 1) * cs;
  const mazeHeight = (view.r1 - view.r0 + 1) * cs;
  let maxCue = 0;
  for (let cell = 0; cell < cells; cell++) {
    if (set.walls[base + cell] !== 0) continue;
    for (let c = 0; c < channels; c++) maxCue = Math.max(maxCue, Math.min(1, set.cues[(base + cell) * channels + c]));
  }
  const title = opts.title ?? `prnn ${kind} maze ${index} of ${set.count}: ${size}×${size}, ${channels} channel${channels === 1 ? '' : 's'}`;
  // wide enough for the heading too (bold 13-px sans-serif: under 8 px a character)
  const width = Math.max(mazeWidth, 3 * LEGEND_ITEM_WIDTH, 8 + 8 * [...title].length);
  const legendItems = legendEntries(set, opts.path !== undefined, maxCue);
  const perRow = Math.max(1, Math.floor(width / LEGEND_ITEM_WIDTH));
  const legendTop = HEADING + mazeHeight + 8;
  const height = legendTop + Math.ceil(legendItems.length / perRow) * LEGEND_ROW + 4;
  const out: string[] = [];

  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" font-family="sans-serif">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<text class="heading" x="4" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`);
  out.push(`<rect class="floor" x="0" y="${HEADING}" width="${n(mazeWidth)}" height="${n(mazeHeight)}" fill="${FLOOR_COLOR}"/>`);

  out.push(`<g class="walls" fill="${WALL_COLOR}">`);
  for (let cell = 0; cell < cells; cell++) {
    if (set.walls[base + cell] === 0 || !inView(cell)) continue;
    const { x, y } = corner(cell);
    out.push(`<rect class="wall" x="${n(x)}" y="${n(y)}" width="${n(cs)}" height="${n(cs)}"/>`);
  }
  out.push('</g>');

  const pad = cs * 0.15;
  const inner = cs - 2 * pad;
  const barWidth = inner / channels;
  out.push('<g class="cues">');
  for (let cell = 0; cell < cells; cell++) {
    if (set.walls[base + cell] !== 0) continue;
    const { x, y } = corner(cell);
    for (let c = 0; c < channels; c++) {
      const cue = Math.min(1, Math.max(0, set.cues[(base + cell) * channels + c]));
      if (cue === 0) continue;
      const h = (cue / maxCue) * inner;
      out.push(
        `<rect class="cue cue-c${c}" x="${n(x + pad + c * barWidth)}" y="${n(y + pad + inner - h)}" width="${n(barWidth)}" height="${n(h)}" fill="${channelColor(c)}" fill-opacity="0.85"/>`,
      );
    }
  }
  out.push('</g>');

  if (opts.path !== undefined && opts.path.length > 0) {
    const points: string[] = [];
    for (let k = 0; k < opts.path.length; k++) {
      const { x, y } = corner(opts.path[k]);
      points.push(`${n(x + cs / 2)},${n(y + cs / 2)}`);
    }
    out.push(
      `<polyline class="path" points="${points.join(' ')}" fill="none" stroke="${PATH_COLOR}" stroke-width="${n(cs * 0.08)}" stroke-linecap="round" stroke-linejoin="round" stroke-opacity="0.8"/>`,
    );
  }

  out.push(marker('start', 'S', corner(set.start[index]), cs, START_COLOR));
  out.push(marker('goal', 'G', corner(set.goal[index]), cs, GOAL_COLOR));
  if (opts.agent !== undefined) {
    const { x, y } = corner(opts.agent);
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

function legendEntries(set: MazeSet, withPath: boolean, maxCue: number): LegendEntry[] {
  const entries: LegendEntry[] = [];
  for (let c = 0; c < set.options.channels; c++) {
    const off = set.options.activeChannels[c] === 0 ? ' (off)' : '';
    entries.push({ label: `cue, channel ${c}${off}`, style: `fill="${channelColor(c)}"` });
  }
  if (maxCue > 0) entries.push({ label: `full bar = cue ${Math.round(maxCue * 100) / 100}`, style: `fill="none" stroke="${WALL_COLOR}" stroke-width="1"` });
  entries.push({ label: 'wall', style: `fill="${WALL_COLOR}"` });
  entries.push({ label: 'start (S)', style: `fill="none" stroke="${START_COLOR}" stroke-width="2"` });
  entries.push({ label: 'goal (G)', style: `fill="none" stroke="${GOAL_COLOR}" stroke-width="2"` });
  if (withPath) entries.push({ label: 'path', style: `fill="${PATH_COLOR}"` });
  return entries;
}

function marker(cls: string, letter: string, { x, y }: { x: number; y: number }, cs: number, color: string): string {
  return (
    `<g class="${cls}"><circle cx="${n(x + cs / 2)}" cy="${n(y + cs / 2)}" r="${n(cs * 0.4)}" fill="none" stroke="${color}" stroke-width="${n(cs * 0.07)}"/>` +
    `<text x="${n(x + cs / 2)}" y="${n(y + cs / 2)}" font-size="${n(cs * 0.5)}" font-weight="bold" text-anchor="middle" dominant-baseline="central" ` +
    `fill="${color}" stroke="#ffffff" stroke-width="${n(cs * 0.04)}" paint-order="stroke">${letter}</text></g>`
  );
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
