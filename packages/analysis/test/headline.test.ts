import { describe, expect, it } from 'vitest';
import { COMPARED_MEASURES, headlineTable, type ArchitectureSummary, type GroupComparison } from '../src/index.js';

const NO_FLAGS = { ii: false, hh: false, oo: false, io: false, oi: false, hi: false, oh: false };

function summary(arch: string, parameters: number, fitness: number, significance: GroupComparison['significance'], flags: Partial<typeof NO_FLAGS> = {}): ArchitectureSummary {
  const g = (median: number): GroupComparison => ({ group: arch, n: 8, median, q1: median, q3: median, pHigher: 0.5, pLower: 0.5, significance });
  const measures = Object.fromEntries(COMPARED_MEASURES.map((m) => [m, g(m === 'fitness' ? fitness : 1)])) as ArchitectureSummary['measures'];
  return { arch, family: 'nine-pathway', parameters, flags: { ...NO_FLAGS, ...flags }, networks: 8, measures, memory: [] };
}

describe('headline table', () => {
  it('names the power limit that Benjamini–Hochberg puts on 8 vs 8 networks, and the fewest weights with recurrence', () => {
    const archs = [
      summary('fc', 441, 0.93, 'reference', { ii: true, hh: true, oo: true, io: true, oi: true, hi: true, oh: true }),
      summary('ff', 104, 0.44, 'n.s.'),
      summary('oo', 129, 0.9, 'n.s.', { oo: true }),
      ...Array.from({ length: 126 }, (_, k) => summary(`r${k}`, 200 + k, 0.92, 'n.s.', { hh: true })),
    ];
    const rows = headlineTable(archs);
    const fewest = rows.find((r) => r.measure.startsWith('fewest weights'))!;
    // smallest one-sided p of 8 vs 8 (complete separation): z = (64 − 32 − 0.5) / √(8·8·17/12) = 3.308,
    // p = 1 − Φ(3.308) = 4.7e-4; BH over 128 tests reaches 0.01 only at rank ≥ 4.7e-4 · 128 / 0.01 = 6.02, i.e. 7
    expect(fewest.prnn).toMatch(/^ff: 104 weights = 0\.24 of FC's 441 \(median fitness 0\.44 vs FC's 0\.93\)/);
    expect(fewest.prnn).toContain('the smallest one-sided p is 0.00047');
    expect(fewest.prnn).toContain('over 128 architectures a difference is significant only when at least 7 architectures differ');
    expect(fewest.prnn).toMatch(/with a recurrent pathway: oo: 129 weights = 0\.29 of FC's 441/);
    const faster = rows.find((r) => r.measure.startsWith('learn significantly faster'))!;
    expect(faster.prnn).toMatch(/^0 of 128 architectures \(with 8 vs 8 networks/);
  });

  it('has no caveat when one strong difference can be significant on its own', () => {
    const big = (arch: string, parameters: number, fitness: number, s: GroupComparison['significance']) => {
      const a = summary(arch, parameters, fitness, s, arch === 'ff' ? {} : { hh: true });
      return { ...a, measures: Object.fromEntries(Object.entries(a.measures).map(([k, v]) => [k, { ...v, n: 50 }])) as ArchitectureSummary['measures'] };
    };
    const rows = headlineTable([big('fc', 441, 0.93, 'reference'), big('ff', 104, 0.44, 'lower'), big('hh', 168, 0.92, 'n.s.')]);
    const fewest = rows.find((r) => r.measure.startsWith('fewest weights'))!;
    expect(fewest.prnn).toBe("hh: 168 weights = 0.38 of FC's 441 (median fitness 0.92 vs FC's 0.93), fitness not significantly below FC's");
  });
});
