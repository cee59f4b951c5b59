import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneErrorLine, runCli, runCliBatch } from './run-cli.js';

// A real run trained with a 200-maze test set (not the default 1 000) and a run seed of its own.
let dir: string;
let run: string;
const stored: Record<string, number> = {};
const IDS = ['fc_seed3', 'hh+oh_seed3'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prnn-eval-reproduce-'));
  run = join(dir, 'run');
  const train = runCli([
    'train', '--arch', 'fc,hh+oh', '--seed-offset', '3', '--episodes', '300', '--test-mazes', '200', '--curve-points', '2',
    '--seed', '11', '--workers', '1', '--out', run, '--json',
  ]);
  expect(train.status, train.stderr).toBe(0);
  for (const id of IDS) stored[id] = JSON.parse(readFileSync(join(run, 'networks', id, 'result.json'), 'utf8')).fitness;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evaluation reproduces training', () => {
  it('eval --run with the run\'s defaults (200 mazes, its test set) gives result.json\'s fitness at σs 0.05, also inside the paper\'s sweep', () => {
    const one = runCli(['eval', '--run', run, '--noise', '0.05', '--json']);
    expect(one.status, one.stderr).toBe(0);
    const a = JSON.parse(one.stdout);
    expect(a.mazes).toBe(200);
    for (const n of a.networks) expect(n.fitness[0]).toBe(stored[n.id]);
    // the default sweep 0:0.5:21 holds σs 0.05 at index 2
    const sweep = runCli(['eval', '--run', run, '--out', join(dir, 'sweep.json'), '--json']);
    expect(sweep.status, sweep.stderr).toBe(0);
    const b = JSON.parse(sweep.stdout);
    expect(b.noise[2]).toBe(0.05);
    for (const n of b.networks) expect(n.fitness[2]).toBe(stored[n.id]);
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).networks.map((n: { fitness: number[] }) => n.fitness)).toEqual(b.networks.map((n: { fitness: number[] }) => n.fitness));
  });

  it('eval --policy exported.onnx --like DIR reproduces the exported network\'s stored fitness; --test-seed picks the test set', () => {
    for (const [arch, id] of [['fc', 'fc_seed3'], ['hh+oh', 'hh+oh_seed3']]) {
      const file = join(dir, `${arch}.onnx`);
      expect(runCli(['export', '--run', run, '--arch', arch, '--out', file]).status).toBe(0);
      const like = runCli(['eval', '--policy', file, '--like', run, '--noise', '0.05', '--json']);
      expect(like.status, like.stderr).toBe(0);
      expect(JSON.parse(like.stdout)).toMatchObject({ mazes: 200, fitness: [stored[id]] });
      // the same by hand: the run's test set (--test-seed 11), its size, the network's seed for the noise
      const byHand = runCli(['eval', '--policy', file, '--test-seed', '11', '--mazes', '200', '--seed', '3', '--noise', '0.05', '--json']);
      expect(JSON.parse(byHand.stdout).fitness).toEqual([stored[id]]);
    }
  });

  it('an exported model changed after writing is refused by eval --policy with one line naming it', () => {
    const file = join(dir, 'fc.onnx');
    const bytes = readFileSync(file);
    const damaged = join(dir, 'damaged.onnx');
    bytes[200] ^= 0x01; // inside the graph (it follows the short header fields)
    writeFileSync(damaged, bytes);
    expect(oneErrorLine(runCli(['eval', '--policy', damaged, '--noise', '0']))).toMatch(
      /^Error: --policy damaged\.onnx is corrupted: its graph's CRC-32 is [0-9a-f]{8}, the prnn\.graph_crc32 recorded at export is [0-9a-f]{8}$/,
    );
  });

  it('an existing eval.json is never replaced without --out; --like and --out are refused where they mean nothing', () => {
    const before = readFileSync(join(run, 'eval.json'), 'utf8');
    // the wrong command lines run in one node process (runCliBatch), each as `prnn …` would
    const [again, like, out, likeNowhere, tooLarge, tooLargeRun, late, noDir] = runCliBatch([
      ['eval', '--run', run, '--noise', '0'],
      ['eval', '--run', run, '--like', run],
      ['eval', '--policy', join(dir, 'fc.onnx'), '--out', join(dir, 'x.json')],
      ['eval', '--policy', join(dir, 'fc.onnx'), '--like', join(dir, 'nowhere')],
      ['eval', '--policy', join(dir, 'fc.onnx'), '--mazes', '1000000', '--noise', '0:0.5:100000'],
      ['eval', '--run', run, '--mazes', '1000000', '--noise', '0:0.5:1000', '--out', join(dir, 'never.json')],
      ['eval', '--run', run, '--out', dir],
      ['eval', '--run', run, '--noise', '0', '--out', '/nonexistent-dir/e.json'],
    ]);
    expect(oneErrorLine(again)).toBe(
      `Error: --run ${run} already holds eval.json from an earlier evaluation; pass --out FILE to write elsewhere (or --out ${join(run, 'eval.json')} to replace it)`,
    );
    expect(readFileSync(join(run, 'eval.json'), 'utf8')).toBe(before);
    expect(oneErrorLine(like)).toBe('Error: --like needs --policy (--run already evaluates as the run measured its networks)');
    expect(oneErrorLine(out)).toBe('Error: --out needs --run (eval --policy prints its results; use --json to keep them)');
    expect(oneErrorLine(likeNowhere)).toMatch(/^Error: --like: run manifest not found: /);
    expect(oneErrorLine(tooLarge)).toMatch(
      /^Error: evaluating 1000000 mazes × 100000 noise levels at once \(--mazes, --noise\) needs about [\d.]+ TB of memory, more than this machine's [\d.]+ [GT]B; lower --mazes or the number of --noise levels$/,
    );
    expect(oneErrorLine(tooLargeRun)).toMatch(/^Error: evaluating 1000000 mazes × 1000 noise levels at once/);
    expect(() => readFileSync(join(dir, 'never.json'))).toThrow();
    // an --out that cannot be written is refused before evaluating, not after
    expect(oneErrorLine(late)).toBe(`Error: --out: cannot write ${dir}: it is a directory; give --out a file name`);
    expect(oneErrorLine(noDir)).toBe('Error: --out: cannot write /nonexistent-dir/e.json: its directory does not exist; check the path given to --out');
  });

  it('a NaN written into weights.bin: eval --run and export refuse it naming the file, exit 2, nothing written', () => {
    const copy = join(dir, 'damaged');
    runCli(['train', '--arch', 'fc', '--episodes', '20', '--test-mazes', '4', '--workers', '1', '--out', copy]);
    const weights = join(copy, 'networks', 'fc_seed0', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes.writeFloatLE(Number.NaN, 8);
    writeFileSync(weights, bytes);
    const message = `Error: ${weights} is corrupted: its CRC-32 does not match the one recorded in result.json`;
    const [evaluated, exported] = runCliBatch([['eval', '--run', copy, '--noise', '0'], ['export', '--run', copy, '--arch', 'fc', '--out', join(dir, 'bad.onnx')]]);
    expect(oneErrorLine(evaluated)).toBe(message);
    expect(oneErrorLine(exported)).toBe(message);
    expect(() => readFileSync(join(dir, 'bad.onnx'))).toThrow();
    expect(() => readFileSync(join(copy, 'eval.json'))).toThrow();
  });
});
