import { Flags } from '@oclif/core';
import { PrnnError } from '@prnn/core';

/** A duration in seconds in [min, max] (min exclusive when `exclusiveMin`), rejected with the flag's name. */
export function secondsFlag(min: number, max: number, exclusiveMin: boolean) {
  return Flags.custom<number>({
    parse: async (input, _context, flag) => {
      const value = Number(input);
      const ok = input.trim() !== '' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max;
      if (!ok) throw new PrnnError(`--${flag.name} must be a number in ${exclusiveMin ? '(' : '['}${min}, ${max}] (got ${JSON.stringify(input)})`);
      return value;
    },
  });
}
