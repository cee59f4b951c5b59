import { PrnnError, systemErrorMessage } from '@prnn/core';

/**
 * Makes a library error name the flag the user typed: `backend must be one of …` → `--backend must be one
 * of …` (when the message starts with the library's parameter name), otherwise `--flag: <message>`.
 * Only PrnnErrors (bad input) are relabelled; a message that already names the flag is kept. A file-system
 * error (ENOSPC, EROFS, …) becomes the PrnnError of `systemErrorMessage`: flag, path, what to do.
 */
export function nameFlag(error: unknown, flag: string, parameter?: string): unknown {
  if (!(error instanceof PrnnError)) {
    const system = systemErrorMessage(error, { flag });
    return system === undefined ? error : Object.assign(new PrnnError(system), { cause: error });
  }
  if (error.message.includes(flag)) return error;
  // an error that carries its parameter is relabelled through that field
  if (error.parameter !== undefined && error.parameter === parameter) return new PrnnError(`${flag} ${error.requirement}`);
  const message = parameter !== undefined && new RegExp(`^${parameter}\\b`).test(error.message)
    ? flag + error.message.slice(parameter.length)
    : `${flag}: ${error.message}`;
  return new PrnnError(message);
}

/** Runs `fn`; a PrnnError it throws is relabelled with {@link nameFlag}. */
export function withFlag<T>(flag: string, parameter: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw nameFlag(error, flag, parameter);
  }
}

/** Async form of {@link withFlag}. */
export async function withFlagAsync<T>(flag: string, parameter: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw nameFlag(error, flag, parameter);
  }
}

/**
 * Runs `fn`; a PrnnError whose message starts with one of `parameters` (a library's parameter names that
 * are also the flags' names without dashes, e.g. `max-running`) gets the flag's dashes: `--max-running must …`.
 * `aliases` maps other parameter wordings to a flag name (e.g. `sweep name` → `name`).
 */
export async function withParameterFlags<T>(parameters: readonly string[], fn: () => Promise<T> | T, aliases: Readonly<Record<string, string>> = {}): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof PrnnError)) throw error;
    // an error that carries its parameter is relabelled through that field
    if (error.parameter !== undefined && (parameters.includes(error.parameter) || error.parameter in aliases)) {
      throw new PrnnError(`--${aliases[error.parameter] ?? error.parameter} ${error.requirement}`);
    }
    const words = [...parameters, ...Object.keys(aliases)].sort((a, b) => b.length - a.length);
    const hit = words.find((w) => error.message.startsWith(w) && !/[\w-]/.test(error.message.charAt(w.length)));
    if (hit === undefined) throw error;
    throw new PrnnError(`--${aliases[hit] ?? hit}${error.message.slice(hit.length)}`);
  }
}
