import { PrnnError } from '@prnn/core';
import type { MazeSet } from './maze-set.js';

/** Summary statistics of a maze set (`prnn env stats`). */
export interface MazeSetStats {
  count: number;
  /** Fastest solution fs = d(start) − 1 per maze; std is the population standard deviation. */
  fastestSolution: { mean: number; std: number; min: number; max: number };
  dMax: { mean: number };
  /** Number of non-wall cells per maze. */
  openCells: { mean: number };
  /**
   * Channel 0 cues of the open cells of every maze, as stored in the set (after maze noise and
   * cue sparsity): mean, share of exact zeros, maximum.
   */
  cue: { mean: number; zeroShare: number; max: number };
}

/**
 * Summary statistics of a maze set (`prnn env stats`): fastest solutions, d_max, open cells and the channel-0
 * cues. Throws a PrnnError on an empty set.
 */
export function mazeSetStats(set: MazeSet): MazeSetStats {
  const count = set.count;
  if (count === 0) throw new PrnnError('maze set must contain at least one maze to compute statistics (got 0)');
  const { size, channels } = set.options;
  const cells = size * size;

  let fsSum = 0;
  let fsMin = Infinity;
  let fsMax = -Infinity;
  let dMaxSum = 0;
  for (let m = 0; m < count; m++) {
    const fs = set.fastestSolution[m];
    fsSum += fs;
    if (fs < fsMin) fsMin = fs;
    if (fs > fsMax) fsMax = fs;
    dMaxSum += set.dMax[m];
  }
  const fsMean = fsSum / count;
  let fsSquares = 0;
  for (let m = 0; m < count; m++) {
    const deviation = set.fastestSolution[m] - fsMean;
    fsSquares += deviation * deviation;
  }

  let open = 0;
  let cueSum = 0;
  let cueZeros = 0;
  let cueMax = -Infinity;
  const total = count * cells;
  for (let k = 0; k < total; k++) {
    if (set.walls[k] !== 0) continue;
    open++;
    const cue = set.cues[k * channels];
    cueSum += cue;
    if (cue === 0) cueZeros++;
    if (cue > cueMax) cueMax = cue;
  }

  return {
    count,
    fastestSolution: { mean: fsMean, std: Math.sqrt(fsSquares / count), min: fsMin, max: fsMax },
    dMax: { mean: dMaxSum / count },
    openCells: { mean: open / count },
    cue: open > 0 ? { mean: cueSum / open, zeroShare: cueZeros / open, max: cueMax } : { mean: NaN, zeroShare: NaN, max: NaN },
  };
}
