import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, oneErrorLine, runCli, runCliBatch, type CliResult } from './run-cli.js';
import { tempDirs } from './sweep-helpers.js';

const tmp = tempDirs('prnn-compare-');
const cwd = tmp();
// the plugin learners, loaded through a prnn.config.json like a user's
symlinkSync(join(REPO_ROOT, 'node_modules'), join(cwd, 'node_modules'));
writeFileSync(join(cwd, 'prnn.config.json'), JSON.stringify({ plugins: ['@prnn/plugin-es', '@prnn/plugin-a2c'] }));

const cli = (args: string[]) => runCli(args, { cwd });
const TINY = ['--arch', 'fc,ff,io', '--seeds', '3', '--episodes', '12', '--test-mazes', '20', '--curve-points', '3', '--noise', '0:0.1:3'];

/** The median of an odd-length list (the oracle's own, by sorting). */
const median = (v: number[]) => [...v].sort((a, b) => a - b)[(v.length - 1) / 2];

/**
 * Spearman's ρ by its definition, ranks found by counting (rank = 1 + #smaller + (#equal − 1)/2), then the
 * Pearson correlation of the ranks: an algorithm independent of the implementation's sort-based ranks.
 */
function spearmanByCounting(x: number[], y: number[]): number {
  const rank = (v: number[]) => v.map((a) => 1 + v.filter((b) => b < a).length + (v.filter((b) => b === a).length - 1) / 2);
  const rx = rank(x);
  const ry = rank(y);
  const m = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const [mx, my] = [m(rx), m(ry)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Per architecture, the median over seeds of the stored fitness at σs = 0.05 (plain SQL on the store). */
function storedMedians(store: string): Map<string, number> {
  const db = new Database(store, { readonly: true });
  try {
    const rows = db.prepare('SELECT arch, noise_levels, noise_fitness FROM networks').all() as { arch: string; noise_levels: string; noise_fitness: string }[];
    const by = new Map<string, number[]>();
    for (const r of rows) {
      const at = (JSON.parse(r.noise_levels) as number[]).indexOf(0.05);
      by.set(r.arch, [...(by.get(r.arch) ?? []), (JSON.parse(r.noise_fitness) as number[])[at]]);
    }
    return new Map([...by].map(([arch, v]) => [arch, median(v)]));
  } finally {
    db.close();
  }
}

describe('a learner comparison: prnn sweep plan --learner a,b,c, prnn sweep run, prnn compare', () => {
  const dir = join(cwd, 'cmp');

  it('plans one sweep per learner, each with its own validated parameters, in DIR/<learner>', () => {
    const r = cli(['sweep', 'plan', dir, ...TINY, '--learner', 'dqn,a2c', '--learner', 'es', '--learner-param', 'es:pairs=2', '--learner-param', 'lr=0.002', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { learners: string[]; sweeps: { dir: string; sweep: string; learner: string; networks: number }[] };
    expect(out.learners).toEqual(['dqn', 'a2c', 'es']);
    expect(out.sweeps.map((s) => [s.learner, s.dir, s.sweep, s.networks])).toEqual([
      ['dqn', join(dir, 'dqn'), 'cmp-dqn', 9],
      ['a2c', join(dir, 'a2c'), 'cmp-a2c', 9],
      ['es', join(dir, 'es'), 'cmp-es', 9],
    ]);
    const plan = (l: string) => JSON.parse(readFileSync(join(dir, l, 'plan.json'), 'utf8')) as { learner: string; config: Record<string, number> };
    expect(plan('es').learner).toBe('es');
    expect(plan('es').config.pairs).toBe(2);
    // key=value without a learner sets it for each learner
    expect([plan('dqn').config.lr, plan('a2c').config.lr, plan('es').config.lr]).toEqual([0.002, 0.002, 0.002]);
    expect(plan('a2c').config.gamma).toBe(0.9);
  });

  it('compares the learners from their stores: per-learner tests against FC, Spearman ρ between every pair, the figure', () => {
    for (const l of ['dqn', 'a2c', 'es']) {
      const run = cli(['sweep', 'run', join(dir, l), '--workers', '1']);
      expect(run.status, run.stderr).toBe(0);
    }
    const out = join(cwd, 'comparison');
    const r = cli(['compare', '--sweep', dir, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as {
      files: string[];
      comparison: {
        format: string;
        learners: { learner: string; networks: number; reference: string }[];
        rows: { learner: string; arch: string; networks: number; measures: Record<string, { median: number; significance: string; n: number }> }[];
        correlations: { learnerA: string; learnerB: string; architectures: number; rho: number | null; p: number | null }[];
      };
    };
    const c = json.comparison;
    expect(c.format).toBe('prnn-learner-comparison');
    expect(c.learners.map((l) => [l.learner, l.networks, l.reference])).toEqual([['a2c', 9, 'fc'], ['dqn', 9, 'fc'], ['es', 9, 'fc']]);
    expect(c.rows).toHaveLength(9);
    for (const row of c.rows) {
      expect(row.networks).toBe(3);
      for (const m of ['fitness', 'robustness', 'sampleEfficiency']) {
        expect(row.measures[m].n).toBe(3);
        expect(row.measures[m].significance).toBe(row.arch === 'fc' ? 'reference' : 'n.s.');
      }
    }
    // the medians are those of the stored fitness at σs = 0.05, and ρ is Spearman's of them
    const medians = new Map(['a2c', 'dqn', 'es'].map((l) => [l, storedMedians(join(dir, l, 'results.sqlite'))]));
    for (const row of c.rows) expect(row.measures.fitness.median).toBeCloseTo(medians.get(row.learner)!.get(row.arch)!, 12);
    expect(c.correlations.map((k) => [k.learnerA, k.learnerB, k.architectures])).toEqual([['a2c', 'dqn', 3], ['a2c', 'es', 3], ['dqn', 'es', 3]]);
    for (const k of c.correlations) {
      const archs = ['fc', 'ff', 'io'];
      const x = archs.map((a) => medians.get(k.learnerA)!.get(a)!);
      const y = archs.map((a) => medians.get(k.learnerB)!.get(a)!);
      const expected = spearmanByCounting(x, y);
      if (Number.isNaN(expected)) expect(k.rho).toBeNull();
      else expect(k.rho).toBeCloseTo(expected, 12);
    }
    for (const f of ['report.md', 'learner-architectures.csv', 'rank-correlations.csv', 'analysis.json', 'figures/fitness-a2c-vs-dqn.svg', 'figures/fitness-dqn-vs-es.png']) {
      expect(json.files).toContain(f);
      expect(existsSync(join(out, f))).toBe(true);
    }
    expect(readFileSync(join(out, 'figures', 'fitness-a2c-vs-dqn.svg'), 'utf8')).toMatch(/^<svg/);
    const csv = readFileSync(join(out, 'rank-correlations.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('learner_a,learner_b,architectures,spearman_rho,p');
    expect(csv).toHaveLength(4);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| a2c | dqn | 3 |');
    expect(JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8')).format).toBe('prnn-learner-comparison');
  });
});

describe('bad input exits 2 with one line, before any work', () => {
  const CASES: [string[], RegExp][] = [
    // a DQN flag on a learner that does not declare it
    [['train', '--arch', 'fc', '--episodes', '12', '--learner', 'a2c', '--epsilon-end', '0.1'], /^Error: --epsilon-end does not apply to learner a2c \(it declares only --lr, --gamma, --clip\)/],
    [['train', '--arch', 'fc', '--episodes', '12', '--learner', 'a2c', '--gamma', '2'], /^Error: --gamma must be a number in \[0, 1\] \(got 2\)$/],
    [['train', '--arch', 'fc', '--episodes', '12', '--learner', 'a2c', '--learner-param', 'entropyCoef=-1'], /^Error: --learner-param entropyCoef must /],
    [['sweep', 'plan', 'never', '--arch', 'fc', '--learner', 'dqn,es', '--learner-param', 'pairs=2'], /^Error: --learner-param: learner dqn has no parameter "pairs"/],
    [['sweep', 'plan', 'never', '--arch', 'fc', '--learner', 'dqn,es', '--learner-param', 'es:sigma=0'], /^Error: learner es: --learner-param sigma must be a number in \(0, ∞\) \(got 0\)$/],
    [['sweep', 'plan', 'never', '--arch', 'fc', '--learner', 'dqn,es', '--learner-param', 'a2c:lr=1'], /^Error: --learner-param a2c:lr=1: "a2c" is not one of the learners given \(dqn, es\)$/],
    [['sweep', 'plan', 'never', '--arch', 'fc', '--learner', 'dqn,nope'], /^Error: --learner: learner "nope" is registered by no loaded plugin/],
    [['reproduce', '--scale', 'smoke', '--dir', 'never', '--learner', 'dqn,es', '--learner-param', 'es:pairs=0'], /^Error: learner es: --learner-param pairs must be an integer ≥ 1 \(got 0\)$/],
    [['compare', '--sweep', 'nowhere', '--out', 'never'], /^Error: --sweep: nowhere does not exist/],
  ];
  // the wrong command lines run in one node process (runCliBatch) on the first case, each as `prnn …` would
  let results: CliResult[] | undefined;
  it.each(CASES.map(([args, message], i) => [args, message, i] as const))('%j', (_args, message, i) => {
    results ??= runCliBatch(CASES.map(([args]) => args), { cwd });
    expect(oneErrorLine(results[i])).toMatch(message);
    expect(existsSync(join(cwd, 'never'))).toBe(false);
  });
});

describe('prnn reproduce with several learners', () => {
  it('--scale smoke --learner dqn,es: one sweep and report per learner, then the comparison report', () => {
    const dir = join(cwd, 'reproduce-both');
    const r = cli(['reproduce', '--scale', 'smoke', '--learner', 'dqn,es', '--learner-param', 'es:pairs=2', '--dir', dir, '--workers', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { learners: { dir: string; done: number; planned: number }[]; comparison: { report: string; correlations: { learnerA: string; learnerB: string; architectures: number }[] } };
    expect(out.learners.map((l) => [l.dir, l.done, l.planned])).toEqual([[join(dir, 'dqn'), 8, 8], [join(dir, 'es'), 8, 8]]);
    for (const l of ['dqn', 'es']) {
      const plan = JSON.parse(readFileSync(join(dir, l, 'plan.json'), 'utf8')) as { sweep: string; learner: string; config: Record<string, number> };
      expect([plan.sweep, plan.learner]).toEqual([`smoke-track-${l}`, l]);
      expect(existsSync(join(dir, l, 'report', 'report.md'))).toBe(true);
    }
    // fc, ff and io are ranked (ff-large is not among the 128)
    expect(out.comparison.correlations.map((k) => [k.learnerA, k.learnerB, k.architectures])).toEqual([['dqn', 'es', 3]]);
    expect(JSON.parse(readFileSync(join(dir, 'comparison', 'analysis.json'), 'utf8')).learners.map((l: { learner: string; networks: number }) => [l.learner, l.networks])).toEqual([['dqn', 8], ['es', 8]]);
  });
});
