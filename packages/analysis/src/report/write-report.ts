import { rename, rm, stat, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PrnnError, makeDirectories, writeFileAtomic } from '@prnn/core';
import type { Analysis } from '../analysis/summarize.js';
import { toCsv } from './csv.js';
import { renderReportFigures } from './report-figures.js';
import { reportHtml } from './report-html.js';
import { reportMarkdown, type ReportTables } from './report-markdown.js';
import { architectureTable, headlineCsvTable, memoryTable, networkTable, predictionTable } from './report-tables.js';

/** Marks a directory as a prnn report (so that a later report may replace it). */
export const REPORT_FILE = 'analysis.json';

function jsonReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

async function isReplaceable(dir: string): Promise<boolean> {
  const entries = (await readdir(dir)).filter((e) => !e.startsWith('.'));
  return entries.length === 0 || entries.includes(REPORT_FILE);
}

/**
 * Checks that `out` may receive a report (missing, empty, or an earlier prnn report) — call it before a long
 * analysis so a bad --out fails at once. Returns whether the directory exists.
 */
export async function checkReportDirectory(out: string): Promise<boolean> {
  const target = resolve(out);
  const existing = await stat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new PrnnError(`out ${out} is not a directory`);
  if (existing && !(await isReplaceable(target))) {
    throw new PrnnError(`out ${out} is not empty and holds no prnn report (no ${REPORT_FILE}); choose another directory`);
  }
  return existing !== undefined;
}

/**
 * Writes the report of `analysis` into `out`: report.html (self-contained), report.md, networks.csv,
 * architectures.csv, predictions.csv, headline.csv, memory.csv, analysis.json and figures/*.svg|png. Everything is
 * written into a sibling temporary directory first, which then replaces `out` in one rename, so `out`
 * never holds a half-written report. `out` must be missing, empty, or an earlier prnn report.
 */
export async function writeReport(analysis: Analysis, out: string): Promise<{ dir: string; files: string[] }> {
  const target = resolve(out);
  const existing = await checkReportDirectory(out);
  const tables: ReportTables = {
    headline: headlineCsvTable(analysis),
    architectures: architectureTable(analysis),
    predictions: predictionTable(analysis),
    networks: networkTable(analysis),
    memory: memoryTable(analysis),
  };
  const figures = await renderReportFigures(analysis);
  const files: [string, string | Uint8Array][] = [
    ['report.html', reportHtml(analysis, tables, figures)],
    ['report.md', reportMarkdown(analysis, tables, figures)],
    ['headline.csv', toCsv(tables.headline.columns, tables.headline.rows)],
    ['networks.csv', toCsv(tables.networks.columns, tables.networks.rows)],
    ['architectures.csv', toCsv(tables.architectures.columns, tables.architectures.rows)],
    ['predictions.csv', toCsv(tables.predictions.columns, tables.predictions.rows)],
    ['memory.csv', toCsv(tables.memory.columns, tables.memory.rows)],
    ...figures.flatMap((f): [string, string | Uint8Array][] => [
      [join('figures', `${f.name}.svg`), f.svg],
      [join('figures', `${f.name}.png`), f.png],
    ]),
    [REPORT_FILE, JSON.stringify(analysis, jsonReplacer, 1)],
  ];
  return publishReportDirectory(target, files, existing);
}

/**
 * Writes `files` (paths relative to the report) into a sibling temporary directory of `target`, then puts it in
 * place with one rename (an `existing` report, checked by `checkReportDirectory`, is moved aside first and removed
 * after), so `target` never holds a half-written report; the temporary directory is removed on failure.
 */
export async function publishReportDirectory(
  target: string,
  files: readonly (readonly [string, string | Uint8Array])[],
  existing: boolean,
): Promise<{ dir: string; files: string[] }> {
  const parent = dirname(target);
  await makeDirectories(parent);
  const staging = join(parent, `.${basename(target)}.tmp-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    for (const [name, data] of files) await writeFileAtomic(join(staging, name), data, { createDirectory: true });
    if (existing) {
      const old = join(parent, `.${basename(target)}.old-${process.pid}`);
      await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, target);
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { dir: target, files: files.map(([name]) => name) };
}
