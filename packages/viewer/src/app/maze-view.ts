import { openRegion, type MazeSet } from '@prnn/env';
import { channelColour } from './colours.js';

/** Width the grid is drawn at (px); cells are scaled to fit, at most MAX_CELL. */
const WIDTH = 280;
const MAX_CELL = 28;

/**
 * The maze grid with its cues (each open cell's colour mixes the channel colours by cue value), start and
 * goal, and the agent's path up to step t. Drawn from the MazeSet the evaluator used.
 */
export class MazeView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private background: ImageBitmap | HTMLCanvasElement | null = null;
  private size = 0;
  private cell = MAX_CELL;
  /** The drawn window: rows/cols of the open cells plus a one-cell wall margin (a Track maze is one row). */
  private row0 = 0;
  private col0 = 0;

  constructor() {
    this.canvas = document.createElement('canvas');
    this.ctx = this.canvas.getContext('2d') as CanvasRenderingContext2D;
  }

  /** Renders the static layer (walls and cues) of maze `m` once per trial. */
  setMaze(set: MazeSet, m: number): void {
    const S = set.size;
    const C = set.channels;
    this.size = S;
    const base = m * S * S;
    const { r0, r1, c0, c1 } = openRegion(set, m);
    this.row0 = r0;
    this.col0 = c0;
    const CELL = Math.max(4, Math.min(MAX_CELL, Math.floor(WIDTH / (c1 - c0 + 1))));
    this.cell = CELL;
    const layer = document.createElement('canvas');
    layer.width = (c1 - c0 + 1) * CELL;
    layer.height = (r1 - r0 + 1) * CELL;
    const g = layer.getContext('2d') as CanvasRenderingContext2D;
    const X = (cell: number) => ((cell % S) - c0) * CELL;
    const Y = (cell: number) => (Math.floor(cell / S) - r0) * CELL;
    for (let cell = 0; cell < S * S; cell++) {
      const row = Math.floor(cell / S);
      const col = cell % S;
      if (row < r0 || row > r1 || col < c0 || col > c1) continue;
      const x = X(cell);
      const y = Y(cell);
      if (set.walls[base + cell] === 1) {
        g.fillStyle = '#3b4048';
        g.fillRect(x, y, CELL, CELL);
        continue;
      }
      g.fillStyle = '#ffffff';
      g.fillRect(x, y, CELL, CELL);
      // one vertical band per channel, its saturation the cue value
      const band = CELL / C;
      for (let c = 0; c < C; c++) {
        const v = Math.max(0, Math.min(1, set.cues[(base + cell) * C + c]));
        if (v === 0) continue;
        const [r, gg, b] = channelColour(c);
        g.fillStyle = `rgba(${r},${gg},${b},${v.toFixed(3)})`;
        g.fillRect(x + c * band, y, Math.ceil(band), CELL);
      }
      g.strokeStyle = '#e3e5e8';
      g.strokeRect(x + 0.5, y + 0.5, CELL - 1, CELL - 1);
    }
    const mark = (cell: number, colour: string, label: string) => {
      const x = X(cell);
      const y = Y(cell);
      g.strokeStyle = colour;
      g.lineWidth = 3;
      g.strokeRect(x + 2, y + 2, CELL - 4, CELL - 4);
      g.fillStyle = colour;
      g.font = 'bold 11px sans-serif';
      g.fillText(label, x + CELL / 2 - 4, y + CELL / 2 + 4);
      g.lineWidth = 1;
    };
    mark(set.start[m], '#2b8a3e', 'S');
    mark(set.goal[m], '#c92a2a', 'G');
    this.background = layer;
    this.canvas.width = layer.width;
    this.canvas.height = layer.height;
  }

  /** Background plus the path through path[0..t] and the agent at path[t]. */
  draw(path: readonly number[], t: number, colour: string): void {
    const { ctx, size: S, cell: CELL, row0, col0 } = this;
    if (!this.background) return;
    ctx.drawImage(this.background, 0, 0);
    const centre = (cell: number): [number, number] => [((cell % S) - col0) * CELL + CELL / 2, (Math.floor(cell / S) - row0) * CELL + CELL / 2];
    const last = Math.min(t, path.length - 1);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 3;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    for (let k = 0; k <= last; k++) {
      const [x, y] = centre(path[k]);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
    const [x, y] = centre(path[last]);
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(x, y, CELL / 3, 0, 2 * Math.PI);
    ctx.fill();
    ctx.lineWidth = 1;
  }
}
