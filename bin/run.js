#!/usr/bin/env node
import { Errors, flush, run } from '@oclif/core';

try {
  await run(process.argv.slice(2), import.meta.url);
  await flush();
} catch (error) {
  if (error instanceof Errors.ExitError) {
    process.exitCode = error.oclif.exit;
  } else {
    // Errors raised outside any command (an unknown command or topic) get the same one-line form as
    // errors inside commands (see src/cli/base-command.ts): `Error: <message>` on stderr, exit status 2.
    const { errorMessageLine } = await import('../dist/cli/error-line.js');
    process.stderr.write(`Error: ${errorMessageLine(error)}\n`);
    process.exitCode = 2;
  }
}
