import { join } from 'node:path';
import { median } from '@prnn/env';
import { readPlan } from './plan.js';
import { ResultsStore, STORE_FILE } from './store.js';

/** One line of the headline table: prnn's median fitness next to the paper's (SPEC §5, Track task). */
export interface HeadlineRow {
  readonly label: string;
  readonly paper: string;
  /** Networks of the sweep in this row, and their median fitness (a range over architectures for the rest). */
  readonly networks: number;
  readonly prnn: string;
}

const NAMED: readonly { arch: string; label: string; paper: string }[] = [
  { arch: 'fc', label: 'fully connected, median fitness', paper: '0.93 ± 0.01' },
  { arch: 'ff', label: 'feed-forward (H = 8)', paper: '0.48 ± 0.02' },
  { arch: 'io', label: 'feed-forward + W_io', paper: '0.49 ± 0.03' },
  { arch: 'ff-large', label: 'large feed-forward (H = 34)', paper: '0.56 ± 0.01' },
];

/**
 * The first rows of SPEC §5 computed from a sweep's store: the median fitness of FC, FF, FF + W_io and
 * ff-large, and the range of the other architectures' medians. (The statistics — faster learners, more
 * robust ones — are the analysis's.)
 */
export async function headlineTable(dir: string, store = join(dir, STORE_FILE)): Promise<HeadlineRow[]> {
  const plan = await readPlan(dir);
  {
    const s = ResultsStore.open(store, { create: false, readonly: true });
    const byArch = new Map<string, number[]>();
    try {
      s.bindPlan(plan);
      for (const r of s.records(plan.sweep)) {
        const list = byArch.get(r.arch) ?? [];
        if (r.fitness !== null) list.push(r.fitness);
        byArch.set(r.arch, list);
      }
    } finally {
      s.close();
    }
    const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
    const rows: HeadlineRow[] = NAMED.map((n) => {
      const v = byArch.get(n.arch) ?? [];
      return { label: n.label, paper: n.paper, networks: v.length, prnn: v.length ? fmt(median(v)) : 'not in sweep' };
    });
    const others = [...byArch.entries()].filter(([arch, v]) => !NAMED.some((n) => n.arch === arch) && v.length > 0);
    const medians = others.map(([, v]) => median(v));
    rows.push({
      label: `the other ${others.length} architectures`,
      paper: 'median fitness 0.91 – 0.93 (125 architectures)',
      networks: others.reduce((n, [, v]) => n + v.length, 0),
      prnn: medians.length ? `${fmt(Math.min(...medians))} – ${fmt(Math.max(...medians))}` : 'not in sweep',
    });
    return rows;
  }
}
