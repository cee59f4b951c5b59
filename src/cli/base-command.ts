import { Command, Errors, Flags } from '@oclif/core';
import { PrnnError } from '@prnn/core';
import { errorMessageLine } from './error-line.js';
import { systemErrorLine, type CommandShape } from './system-error-line.js';

/** `--debug` (read from argv: a parse error may come before the flags are parsed) or PRNN_DEBUG=1. */
export function debugRequested(argv: readonly string[]): boolean {
  return argv.includes('--debug') || (process.env.PRNN_DEBUG !== undefined && process.env.PRNN_DEBUG !== '' && process.env.PRNN_DEBUG !== '0');
}

/** The error's stack with its causes (a plugin's error wrapped by prnn keeps the original). */
function stackOf(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
    if (e !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}

/** Exit code of every failed command (bad input, unreadable files, internal errors alike). */
export const FAILURE_EXIT_CODE = 2;

/**
 * Base of every prnn command. Any error — a PrnnError from the libraries, an oclif flag-parsing error,
 * anything else — is reported as exactly one line `Error: <message>` on stderr, without a stack trace,
 * and the process exits with code 2. With `--json` the same error is also written to stdout as
 * `{"error":{"message":…}}` so scripts reading stdout see valid JSON.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({ description: 'On an error, also print its stack trace (or set PRNN_DEBUG=1).', default: false, helpGroup: 'GLOBAL' }),
  };

  protected override async catch(error: Error): Promise<void> {
    // `this.exit(n)` travels as an ExitError; let oclif end the process with that code.
    if (error instanceof Errors.ExitError) throw error;
    // a file-system error (ENOSPC, EROFS, …) that no check turned into a PrnnError: the path, the flag that
    // named it, what to do
    const system = error instanceof PrnnError ? undefined : systemErrorLine(error, this.argv, this.ctor as CommandShape);
    const message = system ?? errorMessageLine(error);
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({ error: { message } })}\n`);
    process.stderr.write(`Error: ${message}\n`);
    if (debugRequested(this.argv)) process.stderr.write(`${stackOf(error)}\n`);
    process.exitCode = FAILURE_EXIT_CODE;
    // A failed parse leaves `parsed` false, and oclif (NODE_ENV development/test) would then add an
    // "UnparsedCommand" warning to stderr; the one error line above is all the user should see.
    this.parsed = true;
  }

  /** `--json` output: one compact JSON document on one line of stdout (no colours, easy to pipe). */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }
}
