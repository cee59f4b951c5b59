import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliBatch, type CliResult } from './run-cli.js';

const cases: [string, string[], RegExp][] = [
  ['even size', ['env', 'stats', '--size', '8'], /^Error: --size must be an odd integer .*\(got 8\)$/],
  ['cue sparsity above 1', ['env', 'stats', '--maze', 'general', '--cue-sparsity', '2'], /^Error: --cue-sparsity must be a probability in \[0, 1\] \(got 2\)$/],
  ['unknown maze kind', ['env', 'render', '--maze', 'spiral'], /^Error: .*--maze.*spiral.*track, general, h$/],
  ['not a number', ['env', 'stats', '--maze-noise', 'lots'], /^Error: --maze-noise must be a number \(got "lots"\)$/],
  ['wrong channel mask', ['env', 'stats', '--active-channels', '1,0,1'], /^Error: --active-channels must be an array of 2 values/],
  ['unknown flag', ['env', 'stats', '--colour', 'red'], /^Error: Nonexistent flag: --colour$/],
  ['index beyond the set', ['env', 'render', '--count', '3', '--index', '5'], /^Error: --index must be below --count 3 \(got 5\)$/],
  ['unwritable SVG path', ['env', 'render', '--svg', '/nonexistent-dir/x.svg'], /^Error: --svg: cannot write \/nonexistent-dir\/x\.svg: its directory does not exist; check the path given to --svg$/],
  ['bad bench time', ['env', 'bench', '--seconds', '-1'], /^Error: --seconds must be a number in \(0, 3600\]/],
  ['unknown command', ['env', 'draw'], /^Error: command "env draw" not found; env has: bench, render, stats$/],
  ['unknown top-level command', ['nope'], /^Error: command "nope" not found; commands: analyze, archs, bench, compare, env, eval, export, help, measure, plugins, reproduce, sweep, train, view \(see prnn --help\)$/],
  ['argument to a command without arguments', ['env', 'render', 'foo'], /^Error: env render takes no arguments \(got "foo"\)$/],
  ['SVG path in a directory that takes no new files', ['env', 'render', '--svg', '/proc/version'], /^Error: --svg: cannot write \/proc\/version: files cannot be created in its directory \(ENOENT\); check the path given to --svg$/],
  ['SVG path under a file (the message names the file, not its temporary)', ['env', 'render', '--svg', '/etc/hostname/x.svg'], /^Error: --svg: cannot write \/etc\/hostname\/x\.svg: a part of the path is a file, not a directory; check the path given to --svg$/],
  ['SVG path that is a directory', ['env', 'render', '--svg', '/tmp'], /^Error: --svg: cannot write \/tmp: it is a directory; give --svg a file name$/],
  ['bad backend (bench train)', ['bench', 'train', '--backend', 'gpu'], /^Error: --backend must be one of tensorflow, wasm, cpu \(got "gpu"\)$/],
  ['unknown network to benchmark (bench train --arch)', ['bench', 'train', '--arch', 'nope'], /^Error: --arch: unknown architecture "nope"; families: nine-pathway \(e\.g\. /],
  ['bad backend (bench sweep)', ['bench', 'sweep', '--backend', 'gpu'], /^Error: --backend must be one of tensorflow, wasm, cpu \(got "gpu"\)$/],
  ['bad backend (bench analyze)', ['bench', 'analyze', '--backend', 'gpu'], /^Error: --backend must be one of tensorflow, wasm, cpu \(got "gpu"\)$/],
  ['bad backend (analyze)', ['analyze', '--run', 'nowhere', '--out', 'nowhere-report', '--backend', 'gpu'], /^Error: --backend must be one of tensorflow, wasm, cpu \(got "gpu"\)$/],
  ['a billion seeds', ['train', '--arch', 'fc', '--seeds', '1000000000'], /^Error: --seeds 1000000000 × 1 architecture = 1000000000 networks; a run holds at most 100000 \(split a larger sweep into runs with --seed-offset\)$/],
  ['more memory than the machine has (--hidden)', ['train', '--arch', 'fc', '--hidden', '100000', '--out', '/tmp/prnn-never-created-8'], /^Error: training 1 network at once \(--population 256, --hidden 100000, --test-mazes 1000, --workers \d+\) needs about \d+ GB of memory, more than this machine's [\d.]+ [GT]B; lower --population, --hidden, --test-mazes or --workers$/],
  ['more memory than the machine has (--test-mazes)', ['train', '--arch', 'fc', '--test-mazes', '1000000000'], /^Error: training 1 network at once .*--test-mazes 1000000000.* needs about [\d.]+ TB of memory/],
  ['a maze set larger than the machine\'s memory', ['env', 'stats', '--count', '1000000000'], /^Error: a set of 1000000000 mazes \(--count\) needs about [\d.]+ TB of memory, more than this machine's [\d.]+ [GT]B; lower --count$/],
  ['episodes beyond any meaning', ['train', '--arch', 'fc', '--episodes', '1000000000000'], /^Error: --episodes: Expected an integer less than or equal to 100000000 but received: 1000000000000$/],
  ['help for an unknown command', ['help', 'nope'], /^Error: Command nope not found\.$/],
  ['error with --json', ['env', 'stats', '--json', '--size', '4'], /^Error: --size must be an odd integer/],
];

// Errors raised outside any command (an unknown command or topic) are written by bin/run.js itself: those cases run
// as their own `prnn` process. The others fail inside their command and run in one node process (runCliBatch).
const OUTSIDE_COMMANDS = new Set(['unknown command', 'unknown top-level command', 'argument to a command without arguments', 'help for an unknown command']);

describe('CLI errors', () => {
  const inBatch = cases.filter(([name]) => !OUTSIDE_COMMANDS.has(name));
  const results = new Map<string, CliResult>();
  beforeAll(() => {
    const batch = runCliBatch(inBatch.map(([, args]) => args));
    for (const [i, [name]] of inBatch.entries()) results.set(name, batch[i]);
  });

  for (const [name, args, message] of cases) {
    it(`${name}: exit 2, exactly one line on stderr, no stack trace`, () => {
      const out = OUTSIDE_COMMANDS.has(name) ? runCli(args) : results.get(name)!;
      const lines = out.stderr.split('\n').filter((line) => line.length > 0);
      expect({ status: out.status, lines: lines.length }, out.stderr).toEqual({ status: 2, lines: 1 });
      expect(lines[0]).toMatch(message);
      expect(out.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync('/tmp/prnn-never-created-8')).toBe(false);
      if (args.includes('--json')) expect(JSON.parse(out.stdout).error.message).toBe(lines[0].slice('Error: '.length));
    });
  }
});

describe('prnn help <command>', () => {
  it('prints the command\'s usage, flags and examples, exit 0', () => {
    const out = runCli(['help', 'eval']);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^USAGE\n\s+\$ prnn eval /m);
    expect(out.stdout).toContain('--like=<value>');
    expect(out.stdout).toContain('--test-seed=<value>');
    expect(out.stdout).toContain('EXAMPLES');
    expect(runCli(['help', 'env', 'render']).stdout).toMatch(/^\s+\$ prnn env render/m);
  });
});
