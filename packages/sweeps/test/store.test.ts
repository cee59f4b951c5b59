import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PrnnError } from '@prnn/core';
import { ResultsStore, STORE_MIGRATIONS, STORE_SCHEMA_VERSION, mountOf, type NetworkRecord } from '../src/index.js';
import { tempDirs, testPlan } from './helpers.js';

const tmp = tempDirs('prnn-store-');

function record(planHash: string, id: string, fitness: number): NetworkRecord {
  const weights = new Float32Array([1, -2, 3.5]);
  return {
    sweep: 'test', id, chunk: 0, family: 'nine-pathway', arch: 'fc', seed: 0, hidden: 8, parameters: 3, episodes: 20,
    fitness, trainingCurve: [0.1, null], noiseLevels: [0, 0.05], noiseFitness: [0.5, Number.NaN], robustness: 0.02,
    measures: { parameters: 3, 'weight-norms': { ih: 1 } }, weights: new Uint8Array(weights.buffer), weightsDtype: 'float32',
    weightsLayout: [{ name: 'ih', shape: [1, 3], offset: 0 }], trainSeconds: 1, evalSeconds: 0.5, backend: 'cpu',
    prnnVersion: '0.1.0', planHash, finishedAt: new Date(0).toISOString(), host: 'h',
  };
}

describe('results store', () => {
  it('stores a network once per (sweep, id), round-trips every field, and refuses another plan', async () => {
    const plan = await testPlan(['fc']);
    const path = join(tmp(), 'r.sqlite');
    const store = ResultsStore.open(path);
    store.bindPlan(plan);
    expect(store.insert(record(plan.hash, 'fc_seed0', 0.5))).toBe(true);
    expect(store.insert(record(plan.hash, 'fc_seed0', 0.9))).toBe(false);
    const [r] = [...store.records('test')];
    expect(r.fitness).toBe(0.5);
    expect(r.noiseFitness).toEqual([0.5, null]);
    expect(r.trainingCurve).toEqual([0.1, null]);
    expect(Array.from(new Float32Array(r.weights.slice().buffer))).toEqual([1, -2, 3.5]);
    expect(store.journalMode).toBe('wal');
    store.close();
    const other = await testPlan(['ff']);
    const again = ResultsStore.open(path);
    expect(() => again.bindPlan(other)).toThrow(/belongs to another plan of sweep test/);
    again.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(STORE_SCHEMA_VERSION);
    expect(raw.prepare('SELECT COUNT(*) FROM networks').pluck().get()).toBe(1);
    raw.close();
  });

  it('migrates a schema-1 store to the current schema, keeping its rows; refuses a newer one', async () => {
    const plan = await testPlan(['fc']);
    const path = join(tmp(), 'old.sqlite');
    const old = new Database(path);
    old.exec(STORE_MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO sweeps VALUES (?, ?, ?, ?, ?)').run('test', plan.hash, '0.1.0', '{}', 'then');
    old.prepare(`INSERT INTO networks VALUES ('test', 'fc_seed0', 0, 'nine-pathway', 'fc', 0, 8, 441, 20, 0.75, '[]', '[]', '[]', NULL, '{}', x'00000000', 'float32', '[{"name":"w","shape":[1],"offset":0}]', NULL, NULL, 'cpu', '0.1.0', ?, 'then')`).run(plan.hash);
    old.close();
    const store = ResultsStore.open(path);
    store.bindPlan(plan);
    const [r] = [...store.records('test')];
    expect(r).toMatchObject({ id: 'fc_seed0', fitness: 0.75, host: null });
    expect(store.insert({ ...record(plan.hash, 'fc_seed1', 0.1) })).toBe(true);
    store.close();
    const raw = new Database(path);
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'networks_by_chunk'").pluck().get()).toBe('networks_by_chunk');
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => ResultsStore.open(path)).toThrow(/schema version 99, newer than this prnn reads \(2\)/);
    expect(() => ResultsStore.open(join(tmp(), 'missing.sqlite'), { readonly: true })).toThrow(PrnnError);
  });

  it('picks the journal by file system: WAL on local disks, a rollback journal on NFS, Lustre, GPFS', () => {
    const mounts = [
      '/dev/vda / ext4 rw,relatime 0 0',
      'server:/home /home nfs4 rw,vers=4.2 0 0',
      'mds@tcp:/scratch /scratch lustre rw 0 0',
      'gpfs0 /gpfs gpfs rw 0 0',
      'tmpfs /scratch/local\\040disk tmpfs rw 0 0',
    ].join('\n');
    expect(mountOf(mounts, '/work/x')).toMatchObject({ type: 'ext4', network: false });
    expect(mountOf(mounts, '/home/me/sweep')).toMatchObject({ type: 'nfs4', network: true, mountPoint: '/home' });
    expect(mountOf(mounts, '/homework')).toMatchObject({ type: 'ext4' });
    expect(mountOf(mounts, '/scratch/run')).toMatchObject({ type: 'lustre', network: true });
    expect(mountOf(mounts, '/gpfs/lab')).toMatchObject({ type: 'gpfs', network: true });
    expect(mountOf(mounts, '/scratch/local disk/x')).toMatchObject({ type: 'tmpfs', network: false });
    const forced = ResultsStore.open(join(tmp(), 'd.sqlite'), { journal: 'delete' });
    expect(forced.journalMode).toBe('delete');
    forced.close();
  });

  it('a hand-edited row is named by table, row and column; a missing table is named', async () => {
    const plan = await testPlan(['fc']);
    const edits: [string, RegExp][] = [
      ['robustness = -5', /column robustness holds -5, not a number in \[0, 0\.5\]/],
      ['fitness = NULL', /column fitness is NULL although the noise sweep has values/],
      ["weights = x'00'", /column weights holds 1 bytes, but weights_layout describes 3 float32 values \(12 bytes\)/],
      ["training_curve = '[0.1 0.2]'", /column training_curve is not valid JSON \(/],
      ["noise_fitness = '[0.5]'", /column noise_fitness holds 1 values for 2 noise levels/],
      ["measures = '[1]'", /column measures is not an object of numbers/],
      ['seed = -1', /column seed holds -1, not an integer ≥ 0/],
    ];
    for (const [edit, message] of edits) {
      const path = join(tmp(), 'edited.sqlite');
      const store = ResultsStore.open(path);
      store.bindPlan(plan);
      store.insert(record(plan.hash, 'fc_seed0', 0.5));
      store.insert(record(plan.hash, 'fc_seed1', 0.6));
      store.close();
      const raw = new Database(path);
      raw.prepare(`UPDATE networks SET ${edit} WHERE id = 'fc_seed1'`).run();
      raw.close();
      const reopened = ResultsStore.open(path, { readonly: true });
      let caught: unknown;
      try {
        [...reopened.records('test')];
      } catch (error) {
        caught = error;
      } finally {
        reopened.close();
      }
      expect(caught, edit).toBeInstanceOf(PrnnError);
      expect((caught as Error).message, edit).toMatch(new RegExp(`^store ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: table networks, row test/fc_seed1, `));
      expect((caught as Error).message, edit).toMatch(message);
    }
    const path = join(tmp(), 'no-table.sqlite');
    const store = ResultsStore.open(path);
    store.bindPlan(plan);
    store.close();
    const raw = new Database(path);
    raw.exec('DROP TABLE networks');
    raw.close();
    expect(() => ResultsStore.open(path, { readonly: true })).toThrow(/has no table networks .*not a prnn results store/);
  });
});
