import { fillDistanceFields } from './bfs.js';
import type { MazeSet } from './maze-set.js';
import type { Rng } from './rng.js';

/** G = (N − 3)/2 evenly spaced values from 0.1 to 0.5 (SPEC §1.2; N = 11: 0.1, 0.233, 0.367, 0.5). */
export function trackCueValues(size: number): Float64Array {
  const m = (size - 3) / 2;
  const g = new Float64Array(m);
  const step = m === 1 ? 0 : 0.4 / (m - 1);
  for (let j = 0; j < m; j++) g[j] = 0.1 + j * step;
  if (m > 1) g[m - 1] = 0.5; // exact end point, as numpy's linspace
  return g;
}

/** What generating a Track or H maze of one size needs: the cue values G and a BFS queue of size² cells. */
export interface CorridorScratch {
  readonly size: number;
  readonly values: Float64Array;
  readonly queue: Int32Array;
}

let cachedScratch: CorridorScratch = { size: -1, values: new Float64Array(0), queue: new Int32Array(0) };

/** The scratch for `size`, kept between calls (every maze of a set has the same size, so this rarely reallocates). */
export function corridorScratch(size: number): CorridorScratch {
  if (cachedScratch.size !== size) cachedScratch = { size, values: trackCueValues(size), queue: new Int32Array(size * size) };
  return cachedScratch;
}

/** One cell's worth of Gaussian samples (channels ≤ 64). */
const noiseScratch = new Float64Array(64);

/** Adds maze noise N(0, σm²) to every cue of every open cell, clipped at 0 from below only (Track, H). */
export function addCorridorNoise(set: MazeSet, slot: number, rng: Rng): void {
  const { mazeNoise, channels } = set.options;
  if (!(mazeNoise > 0)) return;
  const cells = set.cellCount;
  const base = slot * cells;
  const cues = set.cues;
  for (let c = 0; c < cells; c++) {
    if (set.walls[base + c] !== 0) continue;
    rng.fillNormal(noiseScratch, 0, channels);
    for (let ch = 0, o = (base + c) * channels; ch < channels; ch++) {
      const v = cues[o + ch] + mazeNoise * noiseScratch[ch];
      cues[o + ch] = v < 0 ? 0 : v;
    }
  }
}

/**
 * Generates a Track maze (SPEC §1.2) into `slot`: the middle row is open, the start is its centre and the
 * goal its left (`goalRight` 0) or right (1) end. Channel `leading` carries G rising towards the goal on
 * the goal's half only; every other channel carries the mirror-symmetric misleading copy. Cues are not
 * divided by C. Noise (clipped below at 0) comes before the gap, so the gap cells end up exactly 0.
 */
export function generateTrackMaze(set: MazeSet, slot: number, rng: Rng, goalRight: number, leading: number): void {
  const { size, channels, gap } = set.options;
  const { values: g, queue } = corridorScratch(size);
  const m = g.length;
  const cells = set.cellCount;
  const base = slot * cells;
  const row = (size - 1) / 2;
  const centre = (size - 1) / 2;
  const rowStart = row * size;

  set.walls.fill(1, base, base + cells);
  set.walls.fill(0, base + rowStart + 1, base + rowStart + size - 1);
  set.start[slot] = rowStart + centre;
  set.goal[slot] = rowStart + (goalRight ? size - 2 : 1);
  fillDistanceFields(set, slot, queue);

  const cues = set.cues;
  cues.fill(0, base * channels, (base + cells) * channels);
  for (let j = 1; j <= m; j++) {
    // j = distance from the centre; value G[j − 1] rises towards both ends
    const value = g[j - 1];
    const left = (base + rowStart + centre - j) * channels;
    const right = (base + rowStart + centre + j) * channels;
    for (let ch = 0; ch < channels; ch++) {
      if (ch === leading) {
        cues[(goalRight ? right : left) + ch] = value;
      } else {
        cues[left + ch] = value;
        cues[right + ch] = value;
      }
    }
  }

  addCorridorNoise(set, slot, rng);

  for (let j = 1; j <= gap; j++) {
    const cell = goalRight ? size - 2 - j : 1 + j;
    cues.fill(0, (base + rowStart + cell) * channels, (base + rowStart + cell + 1) * channels);
  }
}
