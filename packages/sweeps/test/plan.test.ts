import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSweepDir, readPlan, planHash } from '../src/index.js';
import { tempDirs, testPlan } from './helpers.js';

const tmp = tempDirs('prnn-plan-');

describe('sweep plan', () => {
  it('lists architecture × seed in order, cuts chunks per hidden size, and is deterministic', async () => {
    const plan = await testPlan(['fc', 'ff', 'ff-large', 'hh']);
    expect(plan.networks.map((n) => `${n.id}@${n.chunk}`)).toEqual([
      'fc_seed0@0', 'fc_seed1@0', 'ff_seed0@0', 'ff_seed1@1', 'hh_seed0@1', 'hh_seed1@1', 'ff-large_seed0@2', 'ff-large_seed1@2',
    ]);
    expect(plan.chunks).toEqual([{ index: 0, from: 0, to: 3 }, { index: 1, from: 3, to: 6 }, { index: 2, from: 6, to: 8 }]);
    expect(plan.networks.find((n) => n.id === 'ff-large_seed0')!.arch.hidden).toBe(34);
    expect(plan.checkpointEvery).toBe(2);
    const again = await testPlan(['fc', 'ff', 'ff-large', 'hh']);
    expect(again.hash).toBe(plan.hash);
    expect(planHash(plan)).toBe(plan.hash);
  });

  it('the hash changes with anything that decides results', async () => {
    const base = await testPlan(['fc']);
    const variants = await Promise.all([
      testPlan(['fc'], { seeds: 3 }),
      testPlan(['fc'], { runSeed: 1 }),
      testPlan(['fc'], { chunkSize: 1 }),
      testPlan(['fc'], { sweep: 'other' }),
      testPlan(['fc'], { measures: { noise: [0, 0.1], testMazes: 10, metrics: ['parameters'] } }),
      testPlan(['ff']),
    ]);
    const hashes = new Set([base.hash, ...variants.map((v) => v.hash)]);
    expect(hashes.size).toBe(7);
  });

  it('bad parameters name themselves', async () => {
    await expect(testPlan(['fc'], { sweep: 'a b' })).rejects.toThrow(/^sweep name must be 1–64 letters/);
    await expect(testPlan(['fc'], { seeds: 0 })).rejects.toThrow(/^seeds must be an integer ≥ 1 \(got 0\)/);
    await expect(testPlan(['fc'], { chunkSize: 0 })).rejects.toThrow(/^chunk-size must be an integer ≥ 1/);
  });

  it('readPlan refuses another format, a newer plan version, another prnn version, an edited plan and a removed path', async () => {
    const dir = tmp();
    const plan = await testPlan(['fc']);
    expect(await createSweepDir(dir, plan)).toBe('created');
    expect(await createSweepDir(dir, plan)).toBe('exists');
    expect((await readPlan(dir)).hash).toBe(plan.hash);
    const file = join(dir, 'plan.json');
    const text = readFileSync(file, 'utf8');
    const write = (patch: Record<string, unknown>) => writeFileSync(file, JSON.stringify({ ...JSON.parse(text), ...patch }));
    write({ format: 'something' });
    await expect(readPlan(dir)).rejects.toThrow(/is not a prnn sweep plan/);
    write({ version: 2 });
    await expect(readPlan(dir)).rejects.toThrow(/plan version 2, newer than this prnn reads \(1\)/);
    write({ prnnVersion: '9.9.9' });
    await expect(readPlan(dir)).rejects.toThrow(/made by prnn 9\.9\.9, this is prnn 0\.1\.0/);
    write({ runSeed: 5 });
    await expect(readPlan(dir)).rejects.toThrow(/was changed after it was made/);
    // a plan made for a hand-written 9-pathway kernel earlier versions had: one line saying so and what to do
    write({ path: 'fused' });
    await expect(readPlan(dir)).rejects.toThrow(
      `${file} trains on path fused, which no longer exists in this prnn (the hand-written JavaScript kernel, replaced by compiled); run it with the prnn version that made it, or make a new plan in another directory`,
    );
    write({ path: 'compiled', paths: { 'nine-pathway': 'wasm-simd' } });
    await expect(readPlan(dir)).rejects.toThrow(/trains on path wasm-simd, which no longer exists in this prnn/);
    writeFileSync(file, '{');
    await expect(readPlan(dir)).rejects.toThrow(/is not valid JSON/);
    await expect(readPlan(tmp())).rejects.toThrow(/is not a sweep directory/);
  });
});
