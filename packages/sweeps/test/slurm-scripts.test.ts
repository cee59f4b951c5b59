import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSweepDir, selectChunks, splitArrays, writeSlurmScripts } from '../src/index.js';
import { tempDirs, testPlan } from './helpers.js';

const tmp = tempDirs('prnn-slurm-');

describe('Slurm scripts', () => {
  it('splits chunks into arrays of at most MaxArraySize tasks', () => {
    expect(splitArrays(4, 1001)).toEqual([{ offset: 0, tasks: 4 }]);
    expect(splitArrays(2580, 1001)).toEqual([{ offset: 0, tasks: 1001 }, { offset: 1001, tasks: 1001 }, { offset: 2002, tasks: 578 }]);
    expect(splitArrays(6, 3)).toEqual([{ offset: 0, tasks: 3 }, { offset: 3, tasks: 3 }]);
  });

  it('writes array scripts with %K, offsets, node-local shards and a merge job that bash accepts', async () => {
    const dir = join(tmp(), "it's here");
    const plan = await testPlan(['fc', 'ff', 'hh', 'oh'], { chunkSize: 1 });
    await createSweepDir(dir, plan);
    const s = await writeSlurmScripts({ dir, prnn: '/usr/bin/node /opt/prnn/bin/run.js', maxArraySize: 3, maxRunning: 2, partition: 'cpu', account: 'lab', time: '1-00:00:00', cpus: 4, mem: '4G', extra: ['--qos=long'] });
    expect(s.arrays.map((a) => [a.offset, a.tasks])).toEqual([[0, 3], [3, 3], [6, 2]]);
    const first = readFileSync(s.arrays[0].file, 'utf8');
    const last = readFileSync(s.arrays[2].file, 'utf8');
    expect(first).toMatch(/^#SBATCH --array=0-2%2$/m);
    expect(last).toMatch(/^#SBATCH --array=0-1%2$/m);
    expect(last).toMatch(/sweep run '.*it'\\''s here' --chunk-offset 6 --shard-dir "\$LOCAL"/);
    for (const line of ['#SBATCH --cpus-per-task=4', '#SBATCH --time=1-00:00:00', '#SBATCH --mem=4G', '#SBATCH --partition=cpu', '#SBATCH --account=lab', '#SBATCH --qos=long']) {
      expect(first.split('\n')).toContain(line);
    }
    expect(readFileSync(s.merge, 'utf8')).toMatch(/sweep merge '.*it'\\''s here'$/m);
    for (const file of [...s.arrays.map((a) => a.file), s.merge]) expect(spawnSync('bash', ['-n', file]).status).toBe(0);
    await expect(writeSlurmScripts({ dir, prnn: 'prnn', maxRunning: 0 })).rejects.toThrow(/^max-running must be an integer ≥ 1 \(got 0\)$/);
    await expect(writeSlurmScripts({ dir, prnn: 'prnn', partition: 'a b' })).rejects.toThrow(/^partition must be/);
  });

  it('chooses chunks from --chunk, --chunks or the array task', () => {
    expect(selectChunks({ chunk: 3 })).toEqual([3]);
    expect(selectChunks({ chunks: '0-2,7,1' })).toEqual([0, 1, 2, 7]);
    expect(selectChunks({ env: { SLURM_ARRAY_TASK_ID: '5' }, offset: 1001 })).toEqual([1006]);
    expect(selectChunks({ env: {} })).toBeUndefined();
    expect(() => selectChunks({ chunks: 'x' })).toThrow(/--chunks must be chunk indices or ranges/);
    expect(() => selectChunks({ offset: 3, env: {} })).toThrow(/--chunk-offset applies to SLURM_ARRAY_TASK_ID/);
    expect(() => selectChunks({ chunk: 1, chunks: '2' })).toThrow(/cannot be used together/);
  });
});
