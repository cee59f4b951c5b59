import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { tempDirs } from './sweep-helpers.js';

const tmp = tempDirs('prnn-reproduce-store-');

/** report.md without its one timing line (`…; analysis took X s`): the only part that depends on the clock. */
function markdownWithoutTiming(file: string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  const timing = lines.filter((l) => /analysis took \d+(\.\d+)? s$/.test(l));
  expect(timing, 'report.md has exactly one timing line').toHaveLength(1);
  return lines.map((l) => (timing.includes(l) ? l.replace(/analysis took \d+(\.\d+)? s$/, 'analysis took <timing> s') : l)).join('\n');
}

/** analysis.json without its timing field (`seconds`). */
function analysisWithoutTiming(file: string): Record<string, unknown> {
  const a = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  expect(typeof a.seconds).toBe('number');
  delete a.seconds;
  return a;
}

describe('the store is the source of truth: prnn analyze --sweep on a copied store alone = prnn reproduce', () => {
  it("a smoke reproduce's report (report.md, CSVs, analysis.json, headline; timing and figures aside) equals analyze --sweep on its results.sqlite copied without run directories", () => {
    const dir = join(tmp(), 'smoke');
    // reproduce analyses on 2 worker threads, analyze --sweep on one
    const r = runCli(['reproduce', '--scale', 'smoke', '--dir', dir, '--workers', '2', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const reproduced = JSON.parse(r.stdout) as { headline: { label: string; paper: string; prnn: string; networks: number }[]; analysis: { report: string; files: string[] } };

    // only the store travels (as from a cluster): no plan.json, no runs/, no eval.json
    const copy = join(tmp(), 'copied');
    mkdirSync(copy);
    copyFileSync(join(dir, 'results.sqlite'), join(copy, 'results.sqlite'));
    expect(readdirSync(copy)).toEqual(['results.sqlite']);

    // no analysis flags: a store is analysed at its plan's test mazes and noise levels, as reproduce analysed it
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { measures: { testMazes: number; noise: number[] } };
    expect(plan.measures.testMazes).not.toBe(1000);
    const out = join(tmp(), 'report');
    const a = runCli(['analyze', '--sweep', copy, '--out', out, '--json']);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const analyzed = JSON.parse(a.stdout) as { headline: { measure: string; paper: string; prnn: string; networks: number }[]; files: string[]; seconds: number };

    const original = reproduced.analysis.report;
    const tables = readdirSync(original).filter((f) => f.endsWith('.csv')).sort();
    expect(tables).toEqual(['architectures.csv', 'headline.csv', 'memory.csv', 'networks.csv', 'predictions.csv']);
    expect(readdirSync(out).filter((f) => f.endsWith('.csv')).sort()).toEqual(tables);
    // byte for byte
    for (const f of tables) expect(readFileSync(join(out, f)).equals(readFileSync(join(original, f))), f).toBe(true);
    expect(markdownWithoutTiming(join(out, 'report.md'))).toBe(markdownWithoutTiming(join(original, 'report.md')));
    expect(analysisWithoutTiming(join(out, 'analysis.json'))).toEqual(analysisWithoutTiming(join(original, 'analysis.json')));
    // the same files (figures included by name; their bytes aside)
    expect(reproduced.analysis.files).toContain('figures/fitness-vs-noise.svg');
    expect([...analyzed.files].sort()).toEqual([...reproduced.analysis.files].sort());
    // --json: reproduce's headline rows are analyze's (label = measure); no timing field is compared
    expect(reproduced.headline).toEqual(analyzed.headline.map((h) => ({ label: h.measure, paper: h.paper, prnn: h.prnn, networks: h.networks })));
    // the store is named by its sweep, not by where it lies
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('store sweep smoke-track (results.sqlite): learner dqn');
  });
});
