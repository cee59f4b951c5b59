#!/usr/bin/env node
import { Config, Errors, flush, run } from '@oclif/core';

/**
 * "command env:draw not found" → `command "env draw" not found; env has: bench, render, stats`, or for
 * extra words after a command that takes none, `env render takes no arguments (got "foo")`.
 */
async function unknownCommandLine(id) {
  const config = await Config.load(import.meta.url);
  const ids = config.commandIDs;
  const words = id.split(':');
  const spaced = words.join(' ');
  for (let n = words.length - 1; n > 0; n--) {
    const prefix = words.slice(0, n).join(':');
    if (ids.includes(prefix)) {
      return `${words.slice(0, n).join(' ')} takes no arguments (got ${JSON.stringify(words.slice(n).join(' '))})`;
    }
    const below = ids.filter((c) => c.startsWith(`${prefix}:`)).map((c) => c.slice(prefix.length + 1).split(':')[0]);
    if (below.length > 0) {
      return `command "${spaced}" not found; ${words.slice(0, n).join(' ')} has: ${[...new Set(below)].sort().join(', ')}`;
    }
  }
  const top = [...new Set(ids.map((c) => c.split(':')[0]))].sort();
  return `command "${spaced}" not found; commands: ${top.join(', ')} (see ${config.bin} --help)`;
}

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
    let line = errorMessageLine(error);
    const unknown = /^command (\S+) not found$/.exec(line);
    if (unknown) line = await unknownCommandLine(unknown[1]).catch(() => line);
    process.stderr.write(`Error: ${line}\n`);
    process.exitCode = 2;
  }
}
