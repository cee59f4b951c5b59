import { resolve, sep } from 'node:path';
import { systemErrorInfo, systemErrorMessage } from '@prnn/core';

/** What a command declares: its flags (with their kind) and its positional arguments, in order. */
export interface CommandShape {
  readonly flags?: Readonly<Record<string, { readonly type?: string; readonly char?: string }>>;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** Every path-like value of the command line with the flag (or the argument, upper-cased) that gave it. */
export function pathValues(argv: readonly string[], shape: CommandShape): { readonly label: string; readonly value: string }[] {
  const flags = shape.flags ?? {};
  const argNames = Object.keys(shape.args ?? {});
  const out: { label: string; value: string }[] = [];
  let positional = 0;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') continue;
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = token.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) out.push({ label: `--${name}`, value: token.slice(eq + 1) });
      else if (flags[name] !== undefined && flags[name].type !== 'boolean' && i + 1 < argv.length) out.push({ label: `--${name}`, value: argv[++i] });
    } else if (!token.startsWith('-')) {
      const name = argNames[positional++];
      if (name !== undefined) out.push({ label: name.toUpperCase(), value: token });
    }
  }
  return out.filter((p) => p.value.length > 0);
}

/**
 * The flag (or argument) of the command line that named `path`: its value is the path, a directory holding
 * it, or a path inside it (a directory that could not be created); the longest such value wins.
 */
export function flagOfPath(path: string, argv: readonly string[], shape: CommandShape): string | undefined {
  const target = resolve(path);
  let best: { label: string; length: number } | undefined;
  for (const { label, value } of pathValues(argv, shape)) {
    const v = resolve(value);
    const hit = v === target || target.startsWith(v.endsWith(sep) ? v : v + sep) || v.startsWith(target + sep);
    if (hit && (best === undefined || v.length > best.length)) best = { label, length: v.length };
  }
  return best?.label;
}

/** A file-system error as the CLI's one line, naming the flag that gave its path; undefined for other errors. */
export function systemErrorLine(error: unknown, argv: readonly string[], shape: CommandShape): string | undefined {
  const info = systemErrorInfo(error);
  if (!info) return undefined;
  const flag = info.path === undefined ? undefined : flagOfPath(info.path.replace(/\.tmp-[0-9a-z-]+$/i, ''), argv, shape);
  return systemErrorMessage(error, { flag });
}
