import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneErrorLine, ordinaryUserOptions, runCliAs, trainTinyRunCli } from './run-cli.js';

// A file prnn only reads that cannot be read is said as a failed read (never `cannot write`, never `not found`),
// with the flag that named it and what to do. Root ignores permission bits: the command then runs as `nobody`.
const user = ordinaryUserOptions();
let root: string;
let run: string;
beforeAll(() => {
  if (user === null) return;
  root = mkdtempSync(join(tmpdir(), 'prnn-read-errors-'));
  chmodSync(root, 0o755);
  run = join(root, 'run');
  trainTinyRunCli(run, { arch: 'fc', episodes: 20 });
  for (const dir of [run, join(run, 'networks'), join(run, 'networks', 'fc_seed0')]) chmodSync(dir, 0o755);
  for (const file of [join(run, 'run.json'), join(run, 'networks', 'fc_seed0', 'result.json')]) chmodSync(file, 0o644);
});
afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

function asUser(args: string[]) {
  return runCliAs(user ?? {}, args);
}

describe.skipIf(user === null)('a file that cannot be read', () => {
  it('weights.bin without read permission: eval and export say `cannot read` it, naming --run', () => {
    const weights = join(run, 'networks', 'fc_seed0', 'weights.bin');
    chmodSync(weights, 0o200);
    try {
      const line = `Error: --run: cannot read ${weights}: permission denied; change its permissions so that you may read it, or choose another --run`;
      expect(oneErrorLine(asUser(['eval', '--run', run]))).toBe(line);
      expect(oneErrorLine(asUser(['export', '--run', run, '--out', join(root, 'fc.onnx')]))).toBe(line);
    } finally {
      chmodSync(weights, 0o644);
    }
  });

  it('run.json without read permission: `cannot read` it, naming --run', () => {
    const manifest = join(run, 'run.json');
    chmodSync(manifest, 0o200);
    try {
      expect(oneErrorLine(asUser(['eval', '--run', run]))).toBe(
        `Error: --run: cannot read ${manifest}: permission denied; change its permissions so that you may read it, or choose another --run`,
      );
    } finally {
      chmodSync(manifest, 0o644);
    }
  });
});
