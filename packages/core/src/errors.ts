/** Options of a {@link PrnnError}. */
export interface PrnnErrorOptions {
  /**
   * The library parameter the error is about (e.g. `gamma`); the message must then start with it, so a
   * front end can replace it by what the user typed (`--gamma`) through {@link PrnnError.requirement}.
   */
  readonly parameter?: string;
}

/**
 * The one error type for bad input anywhere in prnn. Its message names the parameter and what is
 * allowed, e.g. `size must be an odd integer ≥ 5 (got 8)`; the CLI prints it on one line, no stack.
 * An error about one parameter carries it as a field (`parameter`), so a front end maps it to its flag
 * without parsing the message.
 */
export class PrnnError extends Error {
  /** The parameter the message starts with, when the error is about one (see PrnnErrorOptions). */
  readonly parameter?: string;

  constructor(message: string, options: PrnnErrorOptions = {}) {
    super(message);
    this.name = 'PrnnError';
    if (options.parameter !== undefined) {
      if (!message.startsWith(options.parameter)) throw new Error(`PrnnError: the message must start with its parameter ${options.parameter}: ${message}`);
      this.parameter = options.parameter;
    }
  }

  /** What the parameter must be: the message after the parameter's name (the whole message without one). */
  get requirement(): string {
    return this.parameter === undefined ? this.message : this.message.slice(this.parameter.length).trimStart();
  }
}

/** A PrnnError about one named parameter: `${parameter} ${requirement}`. */
export function parameterError(parameter: string, requirement: string): PrnnError {
  return new PrnnError(`${parameter} ${requirement}`, { parameter });
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
