import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneErrorLine, runCli } from './run-cli.js';
import { useTrainedRun } from './trained-run-fixture.js';

// A tiny real run: `prnn train` (fc and ff, two seeds each, a few episodes).
const fixture = useTrainedRun('prnn-analyze-workers-', { arch: 'fc,ff', seeds: 2, episodes: 60, testMazes: 24, curvePoints: 4, seed: 3 });

describe('prnn analyze --workers', () => {
  it('2 worker threads write the report tables of 1, byte for byte', async () => {
    const files = ['networks.csv', 'architectures.csv', 'headline.csv', 'predictions.csv'];
    const tables: Record<string, Buffer>[] = [];
    for (const workers of ['1', '2']) {
      const out = join(fixture.dir, `report-${workers}`);
      const r = runCli(['analyze', '--run', fixture.run, '--out', out, '--mazes', '24', '--noise', '0,0.05,0.2', '--trees', '5', '--workers', workers, '--json']);
      expect(r.status, r.stderr).toBe(0);
      tables.push(Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(join(out, f))] as const))));
    }
    for (const f of files) expect(tables[1][f].equals(tables[0][f]), f).toBe(true);
    expect(tables[0]['networks.csv'].toString().trim().split('\n')).toHaveLength(5);
  });

  it('--workers 0 is refused with one line naming the flag', () => {
    const r = runCli(['analyze', '--run', fixture.run, '--out', join(fixture.dir, 'r0'), '--workers', '0']);
    expect(oneErrorLine(r)).toMatch(/--workers/);
  });
});
