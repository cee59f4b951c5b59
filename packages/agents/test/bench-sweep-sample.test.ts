import { describe, expect, it } from 'vitest';
import { paperArchitectures } from '../src/architectures/nine-pathway/family.js';
import { simdGroups } from '../src/architectures/nine-pathway/wasm/simd-layout.js';
import { SAMPLE_RUN, sampleMembers } from '../src/training/bench-sweep.js';

const the128 = paperArchitectures({ channels: 2, hidden: 8 }).slice(0, 128);

describe('bench sweep: the measured slices sample the sweep\'s layout', () => {
  it('runs of 4 consecutive seeds per architecture, the runs of both threads spread over the 128', () => {
    // two threads, slices of 128: 64 runs in all, so run b is architecture 2b
    const a = sampleMembers(the128, 128, 0, 64);
    const b = sampleMembers(the128, 128, 128, 64);
    expect(SAMPLE_RUN).toBe(4);
    expect(a.map((m) => m.seed)).toEqual(Array.from({ length: 128 }, (_, n) => n));
    expect(b.map((m) => m.seed)).toEqual(Array.from({ length: 128 }, (_, n) => 128 + n));
    expect([...a, ...b].map((m) => the128.indexOf(m.arch as (typeof the128)[number]))).toEqual(Array.from({ length: 256 }, (_, n) => 2 * Math.floor(n / 4)));
  });

  it('more runs than architectures cycle through them', () => {
    const m = sampleMembers(the128, 1024, 0, 256);
    expect(m[4 * 127].arch).toBe(the128[127]);
    expect(m[4 * 128].arch).toBe(the128[0]);
    expect(m[4 * 129 + 3].arch).toBe(the128[1]);
  });

  it('the SIMD kernel packs the sample into full groups of four lanes (cycling one network per architecture gave one lane in four)', () => {
    const groups = simdGroups(sampleMembers(the128, 128, 0, 32).map((m) => m.arch as (typeof the128)[number]));
    expect(groups).toHaveLength(32);
    expect(groups.every((g) => g.members.length === 4)).toBe(true);
  });
});
