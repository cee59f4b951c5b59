import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeRuns, writeReport, type Analysis } from '../src/index.js';
import { FIXTURE_TEST_MAZES, trainSmallRun } from './run-fixture.js';

let dir: string;
let runs: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prnn-analysis-workers-'));
  const run = join(dir, 'run-a');
  await trainSmallRun(run);
  // a second run directory (the same networks): ids become <run>/<id>, and work spans runs
  await cp(run, join(dir, 'run-b'), { recursive: true });
  runs = [run, join(dir, 'run-b')];
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Everything an analysis computes, as text (its `seconds` left out: a clock, not a result). */
function results(a: Analysis): string {
  return JSON.stringify({ ...a, seconds: undefined }, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v));
}

describe('analyzeRuns on worker threads', () => {
  it('gives byte for byte the analysis and report files of one thread, progress for every network', async () => {
    const options = { mazes: FIXTURE_TEST_MAZES, noise: [0, 0.05, 0.25], forest: { trees: 5 } };
    const one = await analyzeRuns(runs, { ...options, workers: 1 });
    const seen: string[] = [];
    const two = await analyzeRuns(runs, { ...options, workers: 2, onProgress: (_done, total, id) => seen.push(`${id}/${total}`) });
    expect(one.networks).toHaveLength(18);
    // the prediction study's 15 forests (3 targets × 5 feature sets) ran on the workers too
    expect(two.predictions).toHaveLength(15);
    expect(results(two)).toBe(results(one));
    expect(seen).toHaveLength(18);
    expect(seen.every((s) => s.endsWith('/18'))).toBe(true);
    // three workers share 18 networks unevenly: still the same
    expect(results(await analyzeRuns(runs, { ...options, workers: 3 }))).toBe(results(one));
    await writeReport(one, join(dir, 'report-1'));
    await writeReport(two, join(dir, 'report-2'));
    for (const file of ['networks.csv', 'architectures.csv', 'headline.csv', 'predictions.csv']) {
      expect(await readFile(join(dir, 'report-2', file))).toEqual(await readFile(join(dir, 'report-1', file)));
    }
  });

  it('a bad number of workers is refused naming it', async () => {
    await expect(analyzeRuns(runs, { mazes: FIXTURE_TEST_MAZES, workers: 0 })).rejects.toThrow(/^workers must be an integer ≥ 1 \(got 0\)$/);
  });
});
