import type { MazeSet } from './maze-set.js';

/**
 * The paper's score of one trial (docs/spec.md §1.5), in [0, 1]:
 * (timeScore + pathScore)/2 with timeScore = 1 − (t − fs)/(steps − 1 − fs) and pathScore = p(final cell),
 * where t = `lastStep` is the 0-based index of the last step executed. NaN when undefined
 * (fs = steps − 1, so the time score is 0/0).
 */
export function trialFitness(set: MazeSet, mazeIndex: number, lastStep: number, finalCell: number, steps: number): number {
  const fs = set.fastestSolution[mazeIndex];
  const span = steps - 1 - fs;
  if (span === 0) return Number.NaN;
  const timeScore = 1 - (lastStep - fs) / span;
  const pathScore = set.progress[mazeIndex * set.cellCount + finalCell];
  return (timeScore + pathScore) / 2;
}

/** Mean of the defined (non-NaN) values; NaN when none is defined. */
export function meanFitness(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === v) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}
