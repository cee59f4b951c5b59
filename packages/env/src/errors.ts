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

/**
 * `JSON.parse(text)`, a syntax error becoming a PrnnError that names `file` and the line and column
 * (`runs/a/run.json is not valid JSON at line 3, column 14: Expected ',' or '}' …`).
 */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${Number(position[1]) - before.lastIndexOf('\n')}`;
    }
    throw new PrnnError(`${file} is not valid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/, '')}; fix or restore the file`);
  }
}
