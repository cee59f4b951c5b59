import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrnnError } from '@prnn/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  REFERENCE_FIGURES_DIRECTORY, describeRecorded, loadPeakFlops, loadReferenceCode, referenceEpisodesPerSecond, referenceSweepSeconds, trainReference, trainRoofline,
} from '../src/index.js';

const benchmarks = await readFile(new URL('../../../BENCHMARKS.md', import.meta.url), 'utf8');

describe('the recorded figures are data files with their machine and date', () => {
  test('reference-code.json holds the figures BENCHMARKS.md states, with machine, date and source', () => {
    const r = loadReferenceCode();
    // the figures as BENCHMARKS.md writes them in prose (an independent record of the same measurement)
    expect(benchmarks).toContain(`${r.trainingEpisodeMs.general.fc.toFixed(1)} ms per\nGeneral FC training episode, ${r.trainingEpisodeMs.general.ff} ms FF`);
    expect(benchmarks).toContain(`Track ${r.trainingEpisodeMs.track.fc} ms FC, ${r.trainingEpisodeMs.track.ff} ms FF, ≈ ${r.trainingEpisodeMs.track.mixed} ms the 128 mixed`);
    expect(benchmarks).toContain(`${r.testTrialMs.general} ms per General\ntest trial, ${r.testTrialMs.track} ms per Track trial`);
    expect(r.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(r.machine).toMatch(/one core, PyTorch with one thread/);
    expect(describeRecorded(r)).toContain(r.date);
  });

  test('peak-flops.json: 8 GFLOP/s per core, as the roofline rows of BENCHMARKS.md divide by', () => {
    const p = loadPeakFlops();
    expect(p.peakFlopsPerCore).toBe(8e9);
    expect(benchmarks).toContain('of 8 GFLOP/s per core');
    expect(p.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('derived figures, worked by hand', () => {
    const r = loadReferenceCode();
    expect(referenceEpisodesPerSecond(r, 'general')).toBeCloseTo(1000 / 12, 12);
    expect(referenceSweepSeconds(r, 'general', 21, 1000)).toBeCloseTo(2.6 * 21, 9);
    expect(referenceSweepSeconds(r, 'h', 2, 10)).toBeCloseTo(0.85 * 0.02, 12); // H maze: Track's trial time
    expect(trainReference(r).episodesPerSecond).toBeCloseTo(83.333333, 5);
  });
});

describe('figures of another machine, passed in or read from another file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prnn-reference-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a file with other figures is read as such; the roofline divides by its peak', async () => {
    const base = JSON.parse(await readFile(join(REFERENCE_FIGURES_DIRECTORY, 'reference-code.json'), 'utf8'));
    const file = join(dir, 'other.json');
    await writeFile(file, JSON.stringify({ ...base, machine: 'a laptop', date: '2027-01-02', trainingEpisodeMs: { ...base.trainingEpisodeMs, general: { fc: 20, ff: 10 } } }));
    const other = loadReferenceCode(file);
    expect(trainReference(other)).toMatchObject({ msPerEpisode: 20, episodesPerSecond: 50, machine: expect.stringContaining('a laptop; 2027-01-02') });
    const peak = { ...loadPeakFlops(), peakFlopsPerCore: 1e9 };
    // 1 000 episodes/s of a network of 10 weights, 1 input, 2 hidden, 5 outputs: the fraction is rate × FLOP ÷ 1e9
    const roof = trainRoofline(1000, { hidden: 2, parameters: 10 }, 1, 4, peak);
    expect(roof.peakGflopsPerSecond).toBe(1);
    expect(roof.fractionOfPeak).toBeCloseTo((roof.flopsPerEpisode * 1000) / 1e9, 12);
  });

  test('a missing field, a bad date or a missing file: one PrnnError naming the file and the field', async () => {
    const base = JSON.parse(await readFile(join(REFERENCE_FIGURES_DIRECTORY, 'reference-code.json'), 'utf8'));
    const noTrial = join(dir, 'no-trial.json');
    await writeFile(noTrial, JSON.stringify({ ...base, testTrialMs: { general: 2.6 } }));
    expect(() => loadReferenceCode(noTrial)).toThrow(new PrnnError(`reference figures ${noTrial} must give "testTrialMs.track" as a number > 0 (got undefined)`));
    const badDate = join(dir, 'bad-date.json');
    await writeFile(badDate, JSON.stringify({ ...base, date: 'December' }));
    expect(() => loadReferenceCode(badDate)).toThrow(/must give "date" as YYYY-MM-DD \(got "December"\)/);
    const noMachine = join(dir, 'no-machine.json');
    await writeFile(noMachine, JSON.stringify({ ...base, machine: '' }));
    expect(() => loadReferenceCode(noMachine)).toThrow(/must give "machine" as a non-empty string/);
    expect(() => loadPeakFlops(join(dir, 'absent.json'))).toThrow(/absent\.json cannot be read \(ENOENT\)/);
  });
});
