// Runs many prnn command lines in one node process (reads a JSON list of argv arrays on stdin, writes a JSON
// list of { status, stdout, stderr } on fd 3): the same commands as `node bin/run.js …` each, without
// starting a process per command. Used by test/run-cli.ts `runCliBatch` for commands that fail on bad input.
import { readFileSync, writeSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Config, Errors, run } from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const config = await Config.load(pathToFileURL(join(root, 'bin', 'run.js')).href);
const cases = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const args of cases) {
  const out = [];
  const err = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = (chunk) => out.push(String(chunk)) > 0;
  process.stderr.write = (chunk) => err.push(String(chunk)) > 0;
  process.exitCode = undefined;
  let status;
  try {
    await run(args, config);
    status = Number(process.exitCode ?? 0);
  } catch (error) {
    status = error instanceof Errors.ExitError ? (error.oclif.exit ?? 0) : -1;
    if (status === -1) err.push(`uncaught: ${error instanceof Error ? error.stack : String(error)}\n`);
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  results.push({ status, stdout: out.join(''), stderr: err.join('') });
}
process.exitCode = 0;
writeSync(3, JSON.stringify(results));
