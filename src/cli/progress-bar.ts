import { formatSeconds } from '@prnn/sweeps';

export { formatSeconds };

/**
 * A one-line progress bar on stderr (only when stderr is a TTY): fraction, rate and ETA.
 * Redraws at most every 100 ms; `finish()` ends the line.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly unit: string,
    enabled = process.stderr.isTTY === true,
  ) {
    this.enabled = enabled;
  }

  update(done: number, total: number, rate: number, extra = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const width = 24;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const eta = rate > 0 && Number.isFinite(rate) ? formatSeconds((total - done) / rate) : '?';
    const rateText = Number.isFinite(rate) ? `${Math.round(rate).toLocaleString('en-US')} ${this.unit}/s` : '';
    const line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(1)}% ${rateText} ETA ${eta}${extra ? ` ${extra}` : ''}`;
    process.stderr.write(`\r\u001b[2K${line}`);
    this.drawn = true;
  }

  finish(): void {
    if (this.enabled && this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }
}

