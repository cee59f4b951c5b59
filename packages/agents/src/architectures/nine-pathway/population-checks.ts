import { PrnnError } from '@prnn/env';
import type { NinePathwayArch } from './family.js';

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
