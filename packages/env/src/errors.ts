/**
 * The one error type for bad input anywhere in prnn. Its message names the parameter and what is
 * allowed, e.g. `size must be an odd integer ≥ 5 (got 8)`; the CLI prints it on one line, no stack.
 */
export class PrnnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrnnError';
  }
}

/** Formats a user-supplied value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  return String(value);
}
