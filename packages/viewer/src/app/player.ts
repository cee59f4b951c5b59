/**
 * The animation clock: step t of the trials (agent at path[t]) advances at `speed` steps per second while
 * playing, holds at the end for a moment and starts again. Drawing happens only when t changes.
 */
export class Player {
  playing = true;
  speed = 4;
  private t = 0;
  private last = 0;
  private length = 0;
  private holdUntil = 0;

  constructor(private readonly draw: (t: number) => void) {
    const frame = (now: number) => {
      this.tick(now);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  /** New trials of `length` steps: show step 0, then step 1 at once (the first animated step). */
  load(length: number): void {
    this.length = length;
    this.t = 0;
    this.draw(0);
    if (this.playing && length > 0) this.advance(performance.now());
  }

  step(): void {
    if (this.t < this.length) {
      this.t++;
      this.draw(this.t);
    }
  }

  restart(): void {
    this.t = 0;
    this.last = performance.now();
    this.draw(0);
  }

  get current(): number {
    return this.t;
  }

  private advance(now: number): void {
    this.last = now;
    this.step();
    if (this.t >= this.length) this.holdUntil = now + 1200;
  }

  private tick(now: number): void {
    if (!this.playing || this.length === 0) return;
    if (this.t >= this.length) {
      if (now >= this.holdUntil) this.restart();
      return;
    }
    if (now - this.last >= 1000 / this.speed) this.advance(now);
  }
}
