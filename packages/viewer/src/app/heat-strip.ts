import { diverging, rgb, tint } from './colours.js';

const WIDTH = 280;
const MAX_CELL_W = 18;
const CELL_H = 8;

/** How values become colours: per-row sequential tints, diverging around 0, or min–max within each step. */
export type StripScale = { kind: 'rows'; colour: (row: number) => readonly [number, number, number] } | { kind: 'diverging' } | { kind: 'per-step' };

/**
 * A heat-map strip: one row per unit, one column per executed step; the column of the step being shown is
 * outlined. Sensed inputs use per-row tints (one colour per channel); hidden activity a diverging scale around 0
 * (scaled to the trial's largest |value|); Q-values min–max within each step, the chosen action outlined.
 */
export class HeatStrip {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private values = new Float32Array(0);
  private rows = 0;
  private columns = 0;
  private max = 0;
  private cellW = MAX_CELL_W;
  private marks: readonly number[] = [];

  constructor(
    private readonly scale: StripScale,
    private readonly rowName: (row: number) => string = (row) => `unit ${row}`,
  ) {
    this.canvas = document.createElement('canvas');
    this.ctx = this.canvas.getContext('2d') as CanvasRenderingContext2D;
    // hovering a cell names it: step, row and value
    this.canvas.addEventListener('mousemove', (event) => {
      const c = Math.floor(event.offsetX / this.cellW);
      const r = Math.floor(event.offsetY / CELL_H);
      this.canvas.title = c < this.columns && r < this.rows ? `step ${c}, ${this.rowName(r)}: ${this.values[r * this.columns + c].toFixed(4)}` : '';
    });
  }

  /** `values` is [columns·stride] row-major by step; rows offset..offset+rows of each step are shown. */
  set(values: Float32Array, stride: number, offset: number, rows: number, columns: number, maxColumns: number, marks: readonly number[] = []): void {
    this.marks = marks;
    this.cellW = Math.max(3, Math.min(MAX_CELL_W, Math.floor(WIDTH / Math.max(1, maxColumns))));
    this.rows = rows;
    this.columns = columns;
    this.values = new Float32Array(rows * columns);
    let max = 0;
    for (let t = 0; t < columns; t++) {
      for (let r = 0; r < rows; r++) {
        const v = values[t * stride + offset + r];
        this.values[r * columns + t] = v;
        if (Math.abs(v) > max) max = Math.abs(v);
      }
    }
    this.max = max;
    this.canvas.width = Math.max(1, maxColumns) * this.cellW;
    this.canvas.height = Math.max(1, rows) * CELL_H;
  }

  draw(t: number): void {
    const { ctx, rows, columns, scale, cellW: CELL_W } = this;
    ctx.fillStyle = '#f0f1f3';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    for (let c = 0; c < columns && c <= t; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      if (scale.kind === 'per-step') {
        for (let r = 0; r < rows; r++) {
          lo = Math.min(lo, this.values[r * columns + c]);
          hi = Math.max(hi, this.values[r * columns + c]);
        }
      }
      for (let r = 0; r < rows; r++) {
        const v = this.values[r * columns + c];
        ctx.fillStyle =
          scale.kind === 'rows' ? rgb(tint(scale.colour(r), v))
          : scale.kind === 'diverging' ? diverging(v, this.max)
          : rgb(tint([117, 107, 177], hi > lo ? (v - lo) / (hi - lo) : 0));
        ctx.fillRect(c * CELL_W, r * CELL_H, CELL_W - 1, CELL_H - 1);
      }
      const mark = this.marks[c];
      if (mark !== undefined) {
        ctx.strokeStyle = '#f08c00';
        ctx.strokeRect(c * CELL_W + 0.5, mark * CELL_H + 0.5, CELL_W - 2, CELL_H - 2);
      }
    }
    if (t < columns) {
      ctx.strokeStyle = '#111';
      ctx.strokeRect(t * CELL_W + 0.5, 0.5, CELL_W - 2, rows * CELL_H - 1);
    }
  }
}
