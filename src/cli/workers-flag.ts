import { availableParallelism } from 'node:os';
import { Flags } from '@oclif/core';
import { PrnnError } from '@prnn/core';

/** `--workers N`: worker threads, an integer ≥ 1; default the machine's core count. */
export const workersFlag = Flags.custom<number>({
  parse: async (input, _context, flag) => {
    const value = input.trim() === '' ? NaN : Number(input);
    if (!Number.isInteger(value) || value < 1) {
      throw new PrnnError(`--${flag.name} must be an integer ≥ 1 (got ${JSON.stringify(input)})`);
    }
    return value;
  },
});

export function defaultWorkers(): number {
  return availableParallelism();
}

/** 1234567 → "1.2 MB" (decimal units). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let u = 0;
  while (value >= 1000 && u < units.length - 1) {
    value /= 1000;
    u++;
  }
  return `${value >= 100 || u === 0 ? Math.round(value) : value.toFixed(1)} ${units[u]}`;
}
