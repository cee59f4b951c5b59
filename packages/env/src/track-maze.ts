import { addCorridorNoise, clearCues, clearSlot, corridorScratch, placeStartAndGoal } from './corridor-maze.js';
import type { MazeSet } from './maze-set.js';
import type { Rng } from './rng.js';

/**
 * Generates a Track maze (SPEC §1.2) into `slot`: the middle row is open, the start is its centre and the
 * goal its left (`goalRight` 0) or right (1) end. Channel `leading` carries G rising towards the goal on
 * the goal's half only; every other channel carries the mirror-symmetric misleading copy. Cues are not
 * divided by C. Noise (clipped below at 0) comes before the gap, so the gap cells end up exactly 0.
 */
export function generateTrackMaze(set: MazeSet, slot: number, rng: Rng, goalRight: number, leading: number): void {
  const { size, channels, gap } = set.options;
  const g = corridorScratch(size).track;
  const m = g.length;
  const base = slot * set.cellCount;
  const row = (size - 1) / 2;
  const centre = row;
  const rowStart = row * size;

  clearSlot(set, slot);
  set.walls.fill(0, base + rowStart + 1, base + rowStart + size - 1);
  placeStartAndGoal(set, slot, rowStart + centre, rowStart + (goalRight ? size - 2 : 1));

  const cues = set.cues;
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

  for (let j = 1; j <= gap; j++) clearCues(set, slot, row, goalRight ? size - 2 - j : 1 + j);
}
