import { describe, expect, it } from 'vitest';
import { paperArchitectures, parameterCount } from '../src/architectures/nine-pathway/family.js';
import { SAMPLE_RUN, SAMPLE_STRIDE, sampleMembers } from '../src/training/bench-sweep-thread.js';

const the128 = paperArchitectures({ channels: 2, hidden: 8 }).slice(0, 128);
const indexOf = (m: { arch: unknown }) => the128.indexOf(m.arch as (typeof the128)[number]);
const meanWeights = (ms: readonly { arch: unknown }[]) => ms.reduce((s, m) => s + parameterCount(the128[indexOf(m)]), 0) / ms.length;

describe('bench sweep: the measured slices sample the sweep\'s layout', () => {
  it('runs of 4 consecutive seeds per architecture: the architectures 41·b mod 128 of the population\'s runs, in reference order', () => {
    const a = sampleMembers(the128, 128, 0, 64);
    const b = sampleMembers(the128, 128, 128, 64);
    expect(SAMPLE_RUN).toBe(4);
    expect(SAMPLE_STRIDE).toBe(41);
    expect(a.map((m) => m.seed)).toEqual(Array.from({ length: 128 }, (_, n) => n));
    expect(b.map((m) => m.seed)).toEqual(Array.from({ length: 128 }, (_, n) => 128 + n));
    const chosen = Array.from({ length: 64 }, (_, r) => (41 * r) % 128).sort((x, y) => x - y);
    expect([...a, ...b].map(indexOf)).toEqual(Array.from({ length: 256 }, (_, n) => chosen[Math.floor(n / 4)]));
    // 41 · r mod 128 for r < 64: odd and even indices alike (spreading evenly had taken the even ones only)
    expect(chosen.filter((i) => i % 2 === 1)).toHaveLength(32);
    // 128 runs: every architecture once
    expect(sampleMembers(the128, 512, 0, 128).map(indexOf)).toEqual(Array.from({ length: 512 }, (_, n) => Math.floor(n / 4)));
  });

  it('the population weighs what the 128 weigh on average (272.5 weights), within 2 %, whatever its size', () => {
    const all = the128.reduce((s, a) => s + parameterCount(a), 0) / 128;
    expect(all).toBe(272.5);
    for (const runs of [16, 32, 64, 128]) {
      expect(Math.abs(meanWeights(sampleMembers(the128, 4 * runs, 0, runs)) / all - 1)).toBeLessThan(0.02);
    }
    // what spreading runs evenly (architecture 128·b / runs) had measured for two threads' slices of 64: 220.5
    const evenly = Array.from({ length: 32 }, (_, b) => parameterCount(the128[Math.floor((b * 128) / 32)]));
    expect(evenly.reduce((s, v) => s + v, 0) / 32).toBe(220.5);
  });

  it('more runs than architectures cycle through them; a family of one is sampled', () => {
    const m = sampleMembers(the128, 1024, 0, 256);
    expect(m.slice(0, 8).map(indexOf)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(indexOf(m[1023])).toBe(127);
    expect(sampleMembers(the128.slice(0, 1), 8, 0, 2).every((x) => x.arch === the128[0])).toBe(true);
    // a family of 41 · k architectures gets the next stride coprime with its count
    expect(new Set(sampleMembers(the128.slice(0, 82), 4 * 82, 0, 82).map(indexOf)).size).toBe(82);
  });
});
