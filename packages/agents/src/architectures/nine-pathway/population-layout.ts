import { PrnnError } from '@prnn/core';
import { PATHWAYS, pathwayShape, type NinePathwayArch, type Pathway } from './family.js';

/** A population's networks: at least one, all with the same inputs and outputs (returned). */
export function populationShape(archs: readonly NinePathwayArch[]): { inputs: number; outputs: number } {
  if (archs.length === 0) throw new PrnnError('population must have at least 1 network (got 0)');
  const { inputs, outputs } = archs[0];
  for (const a of archs) {
    if (a.inputs !== inputs || a.outputs !== outputs) {
      throw new PrnnError(
        `all networks of a population must have the same inputs and outputs (got ${a.inputs}×${a.outputs} ` +
          `for ${a.name}, expected ${inputs}×${outputs})`,
      );
    }
  }
  return { inputs, outputs };
}

/** Every architecture senses `channels` cue channels (4 inputs per channel). */
export function checkChannels(archs: readonly NinePathwayArch[], channels: number): void {
  if (!Number.isInteger(channels) || channels < 1) throw new PrnnError(`channels must be an integer ≥ 1 (got ${channels})`);
  for (const a of archs) {
    if (a.inputs !== 4 * channels) {
      throw new PrnnError(`architecture ${a.name} has ${a.inputs} inputs but channels = ${channels} needs ${4 * channels}`);
    }
  }
}

/**
 * Copies network n's weights (pathway → row-major [A, B], absent pathways skipped) into the padded
 * per-pathway arrays (`padded[k]` holds every network's [Ap, Bp] block), checking each size.
 */
export function writePaddedMember(
  padded: Float32Array[],
  paddedShapes: readonly (readonly [number, number])[],
  arch: NinePathwayArch,
  n: number,
  w: Partial<Record<Pathway, ArrayLike<number>>>,
): void {
  PATHWAYS.forEach((p, k) => {
    const src = w[p];
    if (src === undefined) return;
    const [A, B] = pathwayShape(arch, p);
    if (src.length !== A * B) {
      throw new PrnnError(`weights of pathway ${p} for ${arch.name} must have ${A * B} values (got ${src.length})`);
    }
    const [Ap, Bp] = paddedShapes[k];
    const base = n * Ap * Bp;
    for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) padded[k][base + a * Bp + b] = src[a * B + b];
  });
}
