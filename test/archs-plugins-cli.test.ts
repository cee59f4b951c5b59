import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parameterCount, parseArch } from '@prnn/agents';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, project, projectDirs, runCli } from './run-cli.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

const METRIC_PLUGIN = `
import { ContainerModule } from 'inversify';
export const plugin = {
  manifest: { name: 'prnn-plugin-sparsity', version: '0.3.0' },
  module: new ContainerModule(({ bind }) => {
    bind(Symbol.for('prnn.Metric')).toConstantValue({
      name: 'sparsity', description: 'share of zero weights',
      measure: ({ weights }) => { let n = 0, z = 0; for (const w of Object.values(weights)) for (const v of w) { n++; if (v === 0) z++; } return z / n; },
    });
  }),
};
`;

describe('prnn archs', () => {
  it('--json lists the 128 architectures in reference order, then ff-large', () => {
    const out = runCli(['archs', '--json']);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const archs = JSON.parse(out.stdout);
    expect(archs).toHaveLength(129);
    archs.slice(0, 128).forEach((a: { referenceIndex: number; name: string; hidden: number }, i: number) => {
      expect(a.referenceIndex).toBe(i);
      expect(a.hidden).toBe(8);
      expect(parseArch(a.name).referenceIndex).toBe(i);
    });
    expect(new Set(archs.map((a: { name: string }) => a.name)).size).toBe(129);
    expect(Object.keys(archs[0])).toEqual(['name', 'referenceIndex', 'flags', 'hidden', 'parameters', 'family', 'plugin']);
    expect(archs.every((a: { family: string; plugin: string }) => a.family === 'nine-pathway' && a.plugin === '@prnn/agents/nine-pathway')).toBe(true);
    expect(Object.keys(archs[0].flags)).toEqual(['ii', 'hh', 'oo', 'io', 'oi', 'hi', 'oh']);
    expect(archs[0]).toMatchObject({ name: 'ff', parameters: 104 });
    expect(archs[127]).toMatchObject({ name: 'fc', parameters: 441, flags: { ii: true, oh: true } });
    expect(archs[128]).toMatchObject({ name: 'ff-large', hidden: 34, parameters: 442 });
  });

  it('follows --hidden and --channels', () => {
    const archs = JSON.parse(runCli(['archs', '--json', '--hidden', '16', '--channels', '3']).stdout);
    expect(archs[127].hidden).toBe(16);
    expect(archs[127].parameters).toBe(parameterCount(parseArch('fc', { hidden: 16, channels: 3 })));
    expect(archs[128].parameters).toBe(parameterCount(parseArch('ff-large', { channels: 3 })));
  });

  it('prints a table, and one error line (exit 2) for a bad flag', () => {
    const out = runCli(['archs']);
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(130);
    expect(lines[0]).toMatch(/name .* weights .*ii hh oo io oi hi oh/);
    expect(lines[128]).toMatch(/^\s+127\s+fc\s+8\s+441\s/);
    const bad = runCli(['archs', '--hidden', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^Error: .*--hidden/);
  });
});

describe('prnn plugins', () => {
  it('lists the built-ins and a plugin named in prnn.config.json', () => {
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['./sparsity.mjs'] }), 'sparsity.mjs': METRIC_PLUGIN });
    const out = runCli(['plugins', '--json'], { cwd });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const list = JSON.parse(out.stdout);
    expect(list).toContainEqual({ kind: 'architecture', name: 'nine-pathway', plugin: '@prnn/agents/nine-pathway', package: '@prnn/agents', version: '0.1.0' });
    expect(list).toContainEqual({ kind: 'metric', name: 'sparsity', plugin: 'prnn-plugin-sparsity', package: 'prnn-plugin-sparsity', version: '0.3.0' });
    const table = runCli(['plugins'], { cwd }).stdout;
    expect(table).toMatch(/^kind\s+name\s+plugin\s+package\s+version$/m);
    expect(table).toMatch(/^metric\s+sparsity\s+prnn-plugin-sparsity\s+prnn-plugin-sparsity\s+0\.3\.0$/m);
  });

  it('loads the metric plugin of docs/guides/writing-plugins.md as written there', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'guides', 'writing-plugins.md'), 'utf8');
    const example = /```js\n\/\/ prnn-plugin-sparsity\/index\.js.*\n([\s\S]*?)```/.exec(doc);
    expect(example).not.toBeNull();
    const cwd = project({ 'package.json': JSON.stringify({ name: 'study', prnn: { plugins: ['./sparsity.mjs'] } }), 'sparsity.mjs': example![1] });
    const out = runCli(['plugins', '--json'], { cwd });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toContainEqual({ kind: 'metric', name: 'sparsity', plugin: 'prnn-plugin-sparsity', package: 'prnn-plugin-sparsity', version: '1.0.0' });
  });

  it('fails with one line naming a plugin that cannot be loaded', () => {
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['./gone.mjs'] }) });
    const out = runCli(['plugins'], { cwd });
    expect(out.status).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(/^Error: plugin "\.\/gone\.mjs" could not be imported/);
  });
});
