/**
 * The Track maze (docs/spec.md §1.2) with one more cue channel that carries nothing: each open cell shows a random
 * bit in the last channel, drawn afresh for every maze. The first C − 1 channels are the Track's own, so
 * a network must learn to ignore the distractor. Mazes stay packed MazeSets (the batched hot path).
 */
import { MazeSet, generateMazeInto, generateMazeSet, resolveTaskOptions, type TaskOptions } from '@prnn/env';
import { PrnnError, Rng } from '@prnn/core';
import type { TaskSource } from '@prnn/agents';

/** Task id of the Track maze with one extra distractor channel of random cue bits (`--task distractor/Track-v0`). */
export const DISTRACTOR_TRACK = 'distractor/Track-v0';
/** Stream id of a test maze's distractor bits: Rng.derive(seed, DISTRACTOR_STREAM, maze). */
export const DISTRACTOR_STREAM = 0x44495354;

/** The Track options of the informative channels (all but the last). */
function trackOptions(options: TaskOptions): TaskOptions {
  return resolveTaskOptions('track', { ...options, channels: options.channels - 1, activeChannels: options.activeChannels.slice(0, -1) });
}

/** Copies maze `from` of `src` (C − 1 channels) into slot `to` of `dst` (C channels), the last channel random bits. */
function copyWithDistractor(src: MazeSet, from: number, dst: MazeSet, to: number, rng: Rng): void {
  const cells = dst.size * dst.size;
  const C = dst.channels;
  for (const key of ['walls', 'distance', 'progress'] as const) dst[key].set(src[key].subarray(from * cells, (from + 1) * cells), to * cells);
  for (const key of ['dMax', 'start', 'goal', 'fastestSolution'] as const) dst[key][to] = src[key][from];
  for (let cell = 0; cell < cells; cell++) {
    const a = (from * cells + cell) * (C - 1);
    const b = (to * cells + cell) * C;
    for (let c = 0; c < C - 1; c++) dst.cues[b + c] = src.cues[a + c];
    dst.cues[b + C - 1] = dst.walls[to * cells + cell] === 1 ? 0 : rng.int(2);
  }
}

const scratch = new WeakMap<MazeSet, MazeSet>();

/**
 * Task source of {@link DISTRACTOR_TRACK}: a Track maze on the informative channels plus a last channel of seeded
 * random cue bits; channels default to 3 (2 informative + 1 distractor), at least 2.
 */
export const distractorTrack: TaskSource = {
  id: DISTRACTOR_TRACK,
  description: 'Track maze plus one distractor channel of random cue bits (default 3 channels: 2 informative + 1 distractor)',
  options(overrides) {
    if (overrides.kind !== undefined && overrides.kind !== 'track') throw new PrnnError(`${DISTRACTOR_TRACK} is a Track maze (got kind ${overrides.kind})`);
    const channels = overrides.channels ?? 3;
    if (!Number.isInteger(channels) || channels < 2) throw new PrnnError(`channels must be an integer ≥ 2 for ${DISTRACTOR_TRACK}: at least one informative channel plus the distractor (got ${channels})`);
    return resolveTaskOptions('track', { ...overrides, channels });
  },
  generateInto(set, slot, rng) {
    let inner = scratch.get(set);
    if (!inner) {
      inner = MazeSet.allocate(trackOptions(set.options), 1);
      scratch.set(set, inner);
    }
    generateMazeInto(inner, 0, rng);
    copyWithDistractor(inner, 0, set, slot, rng);
  },
  generateSet(options, { count, seed }) {
    const inner = generateMazeSet(trackOptions(options), { count, seed });
    const set = MazeSet.allocate(options, count);
    for (let m = 0; m < count; m++) copyWithDistractor(inner, m, set, m, Rng.derive(seed, DISTRACTOR_STREAM, m));
    return set;
  },
};
