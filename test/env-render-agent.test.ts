import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkXml } from '../packages/env/test/well-formed-xml.js';
import { oneErrorLine, runCli } from './run-cli.js';

let dir: string;
let run: string;
let onnx: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prnn-render-agent-'));
  run = join(dir, 'run');
  onnx = join(dir, 'fc.onnx');
  expect(runCli(['train', '--arch', 'fc', '--seed-offset', '4', '--episodes', '200', '--test-mazes', '10', '--workers', '1', '--out', run]).status).toBe(0);
  expect(runCli(['export', '--run', run, '--arch', 'fc', '--out', onnx]).status).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SUMMARY = /^(.+) \(σs ([\d.]+), noise seed (\d+)\): (reached|did not reach) the goal in (\d+) steps, fitness (\d\.\d{3})$/;

describe('prnn env render with a trained agent', () => {
  it('--run DIR --id ID draws the greedy path in SVG: a walk of adjacent cells from the start, the agent where it ended', () => {
    const file = join(dir, 'path.svg');
    const out = runCli(['env', 'render', '--maze', 'h', '--index', '2', '--run', run, '--id', 'fc_seed4', '--svg', file]);
    expect(out.status, out.stderr).toBe(0);
    const m = SUMMARY.exec(out.stdout.trim().split('\n').at(-1)!);
    expect(m).not.toBeNull();
    expect(m!.slice(1, 4)).toEqual(['fc_seed4', '0.05', '4']);
    const svg = readFileSync(file, 'utf8');
    expect(checkXml(svg).problems).toEqual([]);
    const points = /class="path" points="([^"]+)"/.exec(svg)![1].split(' ').map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(Number(m![5]) + 1);
    // every move is to a neighbouring cell or a stay (32-px cells)
    for (let k = 1; k < points.length; k++) {
      expect(Math.abs(points[k][0] - points[k - 1][0]) + Math.abs(points[k][1] - points[k - 1][1])).toBeLessThanOrEqual(32);
    }
    const start = /<g class="start"><circle cx="([\d.]+)" cy="([\d.]+)"/.exec(svg)!;
    expect(points[0]).toEqual([Number(start[1]), Number(start[2])]);
    const agent = /class="agent" cx="([\d.]+)" cy="([\d.]+)"/.exec(svg)!;
    expect(points.at(-1)).toEqual([Number(agent[1]), Number(agent[2])]);
  });

  it('--policy FILE gives the same episode as --run with the network\'s seed, and the fitness prnn eval gives on that maze', () => {
    const a = runCli(['env', 'render', '--index', '0', '--count', '1', '--seed', '1000003', '--policy', onnx, '--noise-seed', '4']);
    const b = runCli(['env', 'render', '--index', '0', '--count', '1', '--seed', '1000003', '--run', run, '--id', 'fc_seed4']);
    expect(a.status, a.stderr).toBe(0);
    const grid = (s: string) => s.split('\n').slice(0, 11).join('\n');
    expect(grid(a.stdout)).toEqual(grid(b.stdout));
    expect(grid(a.stdout)).toMatch(/@/);
    const fitness = SUMMARY.exec(a.stdout.trim().split('\n').at(-1)!)![6];
    // the maze set (seed 1 000 003, 1 maze) is eval's test set of --test-seed 0
    const ev = runCli(['eval', '--policy', onnx, '--mazes', '1', '--test-seed', '0', '--seed', '4', '--noise', '0.05', '--json']);
    expect(JSON.parse(ev.stdout).fitness[0].toFixed(3)).toBe(fitness);
  });

  it('bad combinations: one line, exit 2', () => {
    const one = (args: string[]) => oneErrorLine(runCli(['env', 'render', ...args]));
    expect(one(['--sensor-noise', '0.1'])).toBe("Error: --sensor-noise needs --policy or --run (it sets the drawn agent's episode)");
    expect(one(['--policy', onnx, '--path', 'shortest'])).toMatch(/^Error: .*--path.*--policy|^Error: .*--policy.*--path/);
    expect(one(['--run', run])).toMatch(/--id/);
    expect(one(['--run', run, '--id', 'nope_seed1'])).toMatch(/^Error: --id: no trained network matches id nope_seed1; run .* holds 1 trained network/);
    expect(one(['--policy', onnx, '--sensor-noise', '-1'])).toBe('Error: --sensor-noise must be a number ≥ 0 (got "-1")');
    expect(one(['--policy', onnx, '--channels', '3'])).toMatch(/^Error: --policy .*reads 8 observation values per step \(made for 2 cue channels\), but the task has 3 channels \(4·C = 12 values\): pass --channels 2/);
  });
});
