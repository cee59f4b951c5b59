import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { project, projectDirs, runCli, runCliBatch, trainTinyRunCli, type CliResult } from './run-cli.js';

/*
 * Wrong inputs a new user types, across the commands: each must end with exit status 2 and exactly one line
 * on stderr, `Error: …`, naming the flag or the path at fault (and, where there is one, what to do). None may
 * be accepted silently. They run in one node process (runCliBatch) to keep this file fast.
 */

let dir: string;
let run: string;
let run2: string;
let sweep: string;
const missing = () => path.join(dir, 'missing');

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'prnn-wrong-'));
  run = path.join(dir, 'run');
  run2 = path.join(dir, 'run2');
  sweep = path.join(dir, 'sweep');
  trainTinyRunCli(run, { arch: 'fc', episodes: 20 });
  trainTinyRunCli(run2, { arch: 'ff', episodes: 30 });
  expect(runCli(['sweep', 'plan', sweep, '--preset', 'smoke']).status).toBe(0);
  // opening the store once makes it (empty)
  expect(runCli(['sweep', 'status', sweep]).status).toBe(0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

/** A wrong command line and what its one error line must say (a function: paths are known only at run time). */
type Case = readonly [args: () => string[], line: () => RegExp];

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CASES: Readonly<Record<string, Case>> = {
  // train
  'train: unknown architecture': [() => ['train', '--arch', 'nope'], () => /^--arch: unknown architecture "nope"/],
  'train: unknown family': [() => ['train', '--arch', 'family:nope'], () => /^--arch: no architecture family "nope" is loaded \(loaded: nine-pathway;/],
  'train: too few episodes': [() => ['train', '--arch', 'fc', '--episodes', '0'], () => /^--episodes must be an integer ≥ 10 \(got 0\)$/],
  'train: no seeds': [() => ['train', '--arch', 'fc', '--seeds', '0'], () => /^--seeds: Expected an integer greater than or equal to 1/],
  'train: --gap on the general maze': [() => ['train', '--arch', 'fc', '--maze', 'general', '--gap', '2'], () => /^--gap applies to the track and h mazes, not to --maze general; drop it or choose --maze track$/],
  'train: --cue-sparsity on the track': [() => ['train', '--arch', 'fc', '--cue-sparsity', '0.2'], () => /^--cue-sparsity applies to the general maze, not to --maze track/],
  'train: --resume with a mistyped --out': [() => ['train', '--arch', 'fc', '--resume', '--out', missing()], () => new RegExp(`^--out ${esc(missing())}: nothing to resume \\(the directory does not exist\\); check the path, or drop --resume`)],
  'train: --out under a file': [() => ['train', '--arch', 'fc', '--out', '/etc/passwd/x'], () => /^--out: cannot create directory \/etc\/passwd\/x: a part of the path is a file, not a directory; check the path given to --out$/],
  'train: --out under /proc': [() => ['train', '--arch', 'fc', '--out', '/proc/nope/run'], () => /^--out: cannot create directory \/proc\/nope: no such file or directory/],
  'train: --learner-param without =': [() => ['train', '--arch', 'fc', '--learner-param', 'foo'], () => /^--learner-param must be key=value \(got "foo"\)$/],
  'train: unknown backend': [() => ['train', '--arch', 'fc', '--backend', 'quantum'], () => /^--backend must be one of tensorflow, wasm, cpu \(got "quantum"\)$/],
  'train: unknown path': [() => ['train', '--arch', 'fc', '--path', 'nope'], () => /^--path: path "nope" is not available for family nine-pathway: available: generic/],
  'train: a removed path': [() => ['train', '--arch', 'fc', '--path', 'wasm-simd'], () => /^--path: family nine-pathway cannot train on path wasm-simd, which no longer exists in this prnn \(the hand-written AssemblyScript kernel, replaced by compiled\); available: generic, compiled$/],
  'train: negative learning rate': [() => ['train', '--arch', 'fc', '--lr', '-1'], () => /^--lr must be a number in \(0, ∞\) \(got -1\)$/],
  'train: no hidden units': [() => ['train', '--arch', 'fc', '--hidden', '0'], () => /^--hidden must be an integer ≥ 1 \(got 0\)$/],
  // sweep
  'sweep plan: neither --arch nor --preset': [() => ['sweep', 'plan', path.join(dir, 'p1')], () => /^--arch is required without --preset/],
  'sweep plan: unknown preset': [() => ['sweep', 'plan', path.join(dir, 'p2'), '--preset', 'nope'], () => /^Expected --preset=nope to be one of: paper-track, paper-general, small, smoke$/],
  'sweep plan: chunk size 0': [() => ['sweep', 'plan', path.join(dir, 'p3'), '--arch', 'fc', '--chunk-size', '0'], () => /^--chunk-size: Expected an integer greater than or equal to 1/],
  'sweep plan: bad noise levels': [() => ['sweep', 'plan', path.join(dir, 'p4'), '--arch', 'fc', '--noise', 'abc'], () => /^--noise must be a level/],
  'sweep plan: unknown metric': [() => ['sweep', 'plan', path.join(dir, 'p5'), '--arch', 'fc', '--metric', 'nope'], () => /^--metric: metric "nope" is registered by no loaded plugin/],
  'sweep plan: --gap with a general preset': [() => ['sweep', 'plan', path.join(dir, 'p6'), '--preset', 'paper-general', '--gap', '2'], () => /^--gap applies to the track and h mazes, not to --maze general/],
  'sweep plan: a removed path': [() => ['sweep', 'plan', path.join(dir, 'p7'), '--arch', 'fc', '--path', 'fused'], () => /^--path: family nine-pathway cannot train on path fused, which no longer exists in this prnn \(the hand-written JavaScript kernel, replaced by compiled\); available: generic, compiled$/],
  'sweep run: not a sweep directory': [() => ['sweep', 'run', missing()], () => new RegExp(`^${esc(missing())} is not a sweep directory \\(no plan\\.json; make one with prnn sweep plan\\)$`)],
  'sweep status: not a sweep directory': [() => ['sweep', 'status', missing()], () => new RegExp(`^${esc(missing())} is not a sweep directory`)],
  'sweep export: unknown format': [() => ['sweep', 'export', sweep, '--format', 'xml'], () => /^Expected --format=xml to be one of: csv, parquet, json$/],
  'sweep export: --out under /proc': [() => ['sweep', 'export', sweep, '--format', 'csv', '--out', '/proc/nope/x.csv'], () => /^--out: cannot write \/proc\/nope\/x\.csv: \/proc takes no files \(no such file or directory.*; check the path given to --out$/],
  'sweep export: missing --store': [() => ['sweep', 'export', sweep, '--format', 'csv', '--store', `${missing()}.sqlite`], () => new RegExp(`^store ${esc(missing())}\\.sqlite does not exist$`)],
  'sweep merge: missing shard': [() => ['sweep', 'merge', sweep, '--shard', `${missing()}.sqlite`], () => new RegExp(`^store ${esc(missing())}\\.sqlite does not exist$`)],
  // reproduce
  'reproduce: unknown scale': [() => ['reproduce', '--scale', 'huge'], () => /^Expected --scale=huge to be one of: smoke, small, paper$/],
  'reproduce: unknown task': [() => ['reproduce', '--scale', 'smoke', '--task', 'nope'], () => /^Expected --task=nope to be one of: track, general$/],
  'reproduce: no workers': [() => ['reproduce', '--scale', 'smoke', '--workers', '0'], () => /^--workers must be an integer ≥ 1 \(got "0"\)$/],
  // analyze
  'analyze: missing run': [() => ['analyze', '--run', missing(), '--out', path.join(dir, 'rep')], () => new RegExp(`^--run: run manifest not found: ${esc(missing())}/run\\.json; ${esc(missing())} is no run directory \\(prnn train writes run\\.json into its --out\\): check the path$`)],
  'analyze: --out is a file': [() => ['analyze', '--run', run, '--out', '/etc/passwd'], () => /^--out \/etc\/passwd is not a directory$/],
  'analyze: unknown measure': [() => ['analyze', '--run', run, '--out', path.join(dir, 'rep'), '--metrics', 'nope'], () => /^--metrics: unknown metric "nope"/],
  'analyze: half a noise range': [() => ['analyze', '--run', run, '--out', path.join(dir, 'rep'), '--noise', '0:1'], () => /^--noise range must be from:to:count/],
  'analyze: runs trained differently': [() => ['analyze', '--run', run, '--run', run2, '--out', path.join(dir, 'rep')], () => /^--run: runs .* were trained differently \(episodes 30 vs 20\); .* --allow-mixed/],
  'analyze: unknown Jacobian path': [() => ['analyze', '--run', run, '--out', path.join(dir, 'rep'), '--jacobian', 'nope'], () => /^--jacobian must be one of autodiff, compiled \(got "nope"\)$/],
  'analyze: missing policy': [() => ['analyze', '--policy', `${missing()}.onnx`, '--out', path.join(dir, 'rep')], () => new RegExp(`^--policy file ${esc(missing())}\\.onnx cannot be read`)],
  // measure
  'measure: unknown metric': [() => ['measure', '--run', run, '--metric', 'nope'], () => /^--metric: metric "nope" is registered by no loaded plugin/],
  'measure: missing run': [() => ['measure', '--run', missing(), '--metric', 'parameters'], () => /^--run: run manifest not found/],
  'measure: --arch matching no network': [() => ['measure', '--run', run, '--metric', 'parameters', '--arch', 'nope'], () => /^no trained network of run .* matches --arch nope; it holds fc_seed0$/],
  'measure: no test mazes': [() => ['measure', '--run', run, '--metric', 'parameters', '--mazes', '0'], () => /^--mazes: Expected an integer greater than or equal to 1/],
  // view
  'view: missing run': [() => ['view', '--run', missing()], () => /^--run: run manifest not found/],
  'view: missing policy': [() => ['view', '--policy', `${missing()}.onnx`], () => new RegExp(`${esc(missing())}\\.onnx cannot be read`)],
  'view: port out of range': [() => ['view', '--run', run, '--port', '70000'], () => /^--port: Expected an integer less than or equal to 65535/],
  'view: --show of no network': [() => ['view', '--run', run, '--show', 'nope_seed9'], () => /^--show nope_seed9 is not a trained network of .*; it holds fc_seed0$/],
  'view: --static under a file': [() => ['view', '--run', run, '--static', '/etc/passwd/x'], () => /^--static: cannot create directory \/etc\/passwd\/x: a part of the path is a file, not a directory; check the path given to --static$/],
  // eval
  'eval: bad noise range': [() => ['eval', '--run', run, '--noise', '0:abc'], () => /^--noise range must be from:to:count/],
  'eval: --out is a directory': [() => ['eval', '--run', run, '--out', dir], () => new RegExp(`^--out: cannot write ${esc(dir)}: it is a directory; give --out a file name$`)],
  'eval: missing policy': [() => ['eval', '--policy', `${missing()}.onnx`], () => /^--policy file .* cannot be read/],
  'eval: no test mazes': [() => ['eval', '--run', run, '--mazes', '0'], () => /^--mazes: Expected an integer greater than or equal to 1/],
  // export
  'export: --arch matching no network': [() => ['export', '--run', run, '--out', path.join(dir, 'onnx'), '--arch', 'nope'], () => /^no trained network matches --arch nope; run .* holds 1 trained network: fc_seed0/],
  'export: --seed matching no network': [() => ['export', '--run', run, '--out', path.join(dir, 'onnx'), '--seed', '99'], () => /^no trained network matches --seed 99/],
  'export: missing run': [() => ['export', '--run', missing(), '--out', path.join(dir, 'onnx')], () => /^--run: run manifest not found/],
};

/** The one line of a failed command without its `Error: ` prefix; fails the test on anything else. */
function errorLine(r: CliResult, label: string): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(r.status, `${label}: exit status (stderr: ${r.stderr})`).toBe(2);
  expect(lines, `${label}: one line on stderr`).toHaveLength(1);
  expect(lines[0], label).toMatch(/^Error: /);
  expect(r.stderr, `${label}: no stack trace`).not.toMatch(/\n\s+at /);
  return lines[0].slice('Error: '.length);
}

describe('wrong inputs across the commands', () => {
  it(`${Object.keys(CASES).length} wrong command lines: exit 2, one line naming the flag or the path`, () => {
    const labels = Object.keys(CASES);
    expect(labels.length).toBeGreaterThanOrEqual(40);
    const results = runCliBatch(labels.map((label) => CASES[label][0]()));
    labels.forEach((label, k) => {
      const line = errorLine(results[k], label);
      expect(line, label).toMatch(CASES[label][1]());
      // the flag (--x) or the path at fault is named
      expect(line, label).toMatch(/--[a-z]|\//);
    });
  });

  it('plugin mistakes name the file (and for a syntax error its line and column)', () => {
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['./bad.mjs'] }), 'bad.mjs': 'export const plugin = {\n  manifest: { name: "x", version: "1" }},\n};\n' });
    const syntax = errorLine(runCli(['plugins'], { cwd }), 'syntax error');
    expect(syntax).toBe(`plugin "./bad.mjs" could not be imported: SyntaxError: Unexpected token '}' at ${path.join(cwd, 'bad.mjs')}:3:1; fix the file`);
    writeFileSync(path.join(cwd, 'prnn.config.json'), JSON.stringify({ plugins: ['./gone.mjs'] }));
    expect(errorLine(runCli(['train', '--arch', 'fc'], { cwd }), 'missing plugin')).toBe(`plugin "./gone.mjs" could not be imported: no such file or directory: ${path.join(cwd, 'gone.mjs')}`);
    writeFileSync(path.join(cwd, 'prnn.config.json'), '{"plugins": ["./gone.mjs"');
    expect(errorLine(runCli(['sweep', 'plan', path.join(cwd, 's'), '--preset', 'smoke'], { cwd }), 'bad config')).toMatch(new RegExp(`^${esc(path.join(cwd, 'prnn.config.json'))} is not valid JSON at line 1, column 26: Expected ',' or ']' after array element; fix or restore the file$`));
  });
});
