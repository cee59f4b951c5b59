import { Command, Errors } from '@oclif/core';
import { errorMessageLine } from './error-line.js';

/** Exit code of every failed command (bad input, unreadable files, internal errors alike). */
export const FAILURE_EXIT_CODE = 2;

/**
 * Base of every prnn command. Any error — a PrnnError from the libraries, an oclif flag-parsing error,
 * anything else — is reported as exactly one line `Error: <message>` on stderr, without a stack trace,
 * and the process exits with code 2. With `--json` the same error is also written to stdout as
 * `{"error":{"message":…}}` so scripts reading stdout see valid JSON.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error): Promise<void> {
    // `this.exit(n)` travels as an ExitError; let oclif end the process with that code.
    if (error instanceof Errors.ExitError) throw error;
    const message = errorMessageLine(error);
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({ error: { message } })}\n`);
    process.stderr.write(`Error: ${message}\n`);
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
