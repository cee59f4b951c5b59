import { Rng } from '@prnn/core';
import { describe, expect, it } from 'vitest';
import {
  PATHWAYS,
  archFromFlags,
  fanIn,
  flagsFromIndex,
  hasPathway,
  indexFromFlags,
  initWeights,
  largeFeedForward,
  paperArchitectures,
  parameterCount,
  parseArch,
  toLayer,
} from '../src/architectures/nine-pathway/family.js';

describe('9-pathway family', () => {
  it('has 128 distinct names and indices that round-trip through parseArch', () => {
    const names = new Set<string>();
    for (let i = 0; i < 128; i++) {
      const arch = archFromFlags(flagsFromIndex(i));
      expect(arch.referenceIndex).toBe(i);
      expect(indexFromFlags(arch.flags)).toBe(i);
      names.add(arch.name);
      expect(parseArch(arch.name).referenceIndex).toBe(i);
      expect(parseArch(String(i)).name).toBe(arch.name);
      // Pathway lists are accepted in any order.
      expect(parseArch(arch.name.split('+').reverse().join('+')).referenceIndex).toBe(i);
    }
    expect(names.size).toBe(128);
    expect(parseArch('0').name).toBe('ff');
    expect(parseArch('127').name).toBe('fc');
    expect(flagsFromIndex(64).ii).toBe(true);
    expect(flagsFromIndex(1).oh).toBe(true);
    expect(paperArchitectures().map((a) => a.name).slice(-1)).toEqual(['ff-large']);
  });

  it('counts 104 weights for ff, 441 for fc and 442 for ff-large', () => {
    expect(parameterCount(parseArch('ff'))).toBe(104);
    expect(parameterCount(parseArch('fc'))).toBe(441);
    expect(parameterCount(largeFeedForward())).toBe(442);
    expect(largeFeedForward().hidden).toBe(34);
  });

  it('rejects bad specs with a message naming what is allowed', () => {
    expect(() => parseArch('hh+hh')).toThrow(/each at most once/);
    expect(() => parseArch('xy')).toThrow(/unknown architecture "xy"/);
    expect(() => parseArch('128')).toThrow(/0 to 127/);
    expect(() => parseArch('fc', { hidden: 0 })).toThrow(/hidden must be an integer ≥ 1/);
  });

  it('initialises every matrix into layer b within ±sqrt(1/fanIn_b), deterministically per seed', () => {
    for (const spec of ['ff', 'fc', 'hh+oh', 'ii+oi', 'io+oo+hi']) {
      const arch = parseArch(spec);
      const w = initWeights(arch, Rng.derive(5, 1));
      const again = initWeights(arch, Rng.derive(5, 1));
      const other = initWeights(arch, Rng.derive(6, 1));
      for (const p of PATHWAYS) {
        if (!hasPathway(arch, p)) {
          expect(w[p]).toBeUndefined();
          continue;
        }
        const k = Math.sqrt(1 / fanIn(arch, toLayer(p)));
        const values = Array.from(w[p]!);
        expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(k);
        // Drawn over the whole range, not a corner of it.
        expect(Math.max(...values)).toBeGreaterThan(0.5 * k);
        expect(Math.min(...values)).toBeLessThan(-0.5 * k);
        expect(again[p]).toEqual(w[p]);
        expect(other[p]).not.toEqual(w[p]);
      }
    }
    const fc = parseArch('fc');
    expect(fanIn(fc, 'i')).toBe(8 + 5 + 8);
    expect(fanIn(fc, 'h')).toBe(8 + 8 + 5);
    expect(fanIn(fc, 'o')).toBe(8 + 5 + 8);
    expect(fanIn(parseArch('ff'), 'h')).toBe(8);
  });
});
