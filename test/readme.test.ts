import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { codeBlocks, readDoc } from './readme-blocks.js';
import { REPO_ROOT, runCli } from './run-cli.js';

async function readme(): Promise<string> {
  return readFile(join(REPO_ROOT, 'README.md'), 'utf8');
}


describe('README', () => {
  it('has the two quick-start commands, and .ci/run runs exactly the test command', async () => {
    const text = await readme();
    const commands = codeBlocks(text, '## Quick start: two commands', 'sh').map((block) => block.trim());
    expect(commands).toEqual(['npm ci && npm test', 'npm ci && npm run demo']);
    const ci = await readFile(join(REPO_ROOT, '.ci', 'run'), 'utf8');
    const steps = ci.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    expect(steps).toContain('set -euo pipefail');
    expect(steps[steps.length - 1]).toBe(commands[0]);
  });

  it('is a guide: the sections it promises, at most 300 lines, no table row wider than 400 characters', async () => {
    const text = await readme();
    // '## ONNX policies' is named by the help of prnn eval and prnn export
    for (const heading of ['## Quick start: two commands', '## A five-minute tour', '## Commands', '## ONNX policies', '## Documentation', '## Development']) {
      expect(text).toContain(`\n${heading}\n`);
    }
    const lines = text.split('\n');
    expect(lines.length).toBeLessThanOrEqual(300);
    for (const line of lines.filter((l) => l.startsWith('|'))) expect(line.length, line.slice(0, 60)).toBeLessThanOrEqual(400);
  });

  it('shows the picture that its render command prints', async () => {
    const text = await readme();
    const [command] = codeBlocks(text, '### 1. Look at a maze', 'sh')[0].trim().split('\n');
    const picture = codeBlocks(text, '### 1. Look at a maze', '')[0];
    expect(picture.split('\n').filter((line) => line.startsWith('##'))).toHaveLength(9);
    expect(command).toMatch(/^node bin\/run\.js env render /);
    const out = runCli(command.split(' ').slice(2));
    expect(out.status).toBe(0);
    expect(out.stdout.startsWith(picture)).toBe(true);
  });

});

describe('README: the five-minute tour', () => {
  it('runs as written, at a tiny size: train, export, evaluate, analyse', async () => {
    const text = await readme();
    const commands = ['### 2. Train', '### 3. Export and evaluate', '### 4. Analyse']
      .flatMap((heading) => codeBlocks(text, heading, 'sh'))
      .flatMap((block) => block.trim().split('\n'));
    expect(commands.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['prnn train', 'prnn export', 'prnn eval', 'prnn analyze']);
    const dir = await mkdtemp(join(tmpdir(), 'prnn-readme-tour-'));
    try {
      // the tour's own flags, with the training and the test sets shrunk
      const shrink: Record<string, string[]> = {
        train: ['--episodes', '60', '--test-mazes', '24', '--curve-points', '4', '--seeds', '2', '--backend', 'cpu'],
        eval: ['--mazes', '24'],
        analyze: ['--mazes', '24'],
      };
      for (const command of commands) {
        const words = command.split(' ').slice(1);
        const extra = shrink[words[0]] ?? [];
        // drop the tour's value of every flag the shrunk set gives again
        const given = extra.filter((w) => w.startsWith('--'));
        const kept = words.filter((_, k) => !given.includes(words[k]) && !given.includes(words[k - 1]));
        const out = runCli([...kept, ...extra], { cwd: dir });
        expect(out.status, `${command}\n${out.stderr}`).toBe(0);
      }
      expect(existsSync(join(dir, 'fc.onnx'))).toBe(true);
      expect(existsSync(join(dir, 'runs', 'tour', 'report', 'report.html'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('docs/guides/getting-started.md', () => {
  it('shows the H mazes and the statistics that its commands print', async () => {
    const text = readDoc('docs/guides/getting-started.md');
    const heading = '## The H maze (`--maze h`)';
    const [renders, stats] = codeBlocks(text, heading, 'sh').map((block) => block.trim().split('\n'));
    const pictures = codeBlocks(text, heading, '');
    expect(renders).toHaveLength(2);
    expect(pictures).toHaveLength(2);
    for (const [k, command] of renders.entries()) {
      expect(command).toMatch(/^node bin\/run\.js env render --maze h /);
      const out = runCli(command.split(' ').slice(2));
      expect(out.status).toBe(0);
      expect(out.stdout.startsWith(pictures[k])).toBe(true);
    }
    const [json] = codeBlocks(text, heading, 'json');
    const out = runCli(stats[0].split(' ').slice(2));
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(JSON.parse(json));
  });

  it('the @prnn/env library example runs and prints a sensible fitness', async () => {
    const [example] = codeBlocks(readDoc('docs/guides/getting-started.md'), '## Library: `@prnn/env`', 'ts');
    expect(example).toContain("from '@prnn/env'");
    const dir = await mkdtemp(join(tmpdir(), 'prnn-readme-'));
    const file = join(dir, 'example.ts');
    const source = pathToFileURL(join(REPO_ROOT, 'packages', 'env', 'src', 'index.ts')).href;
    await writeFile(file, example.replace("from '@prnn/env'", `from '${source}'`));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(pathToFileURL(file).href);
      const lines = log.mock.calls.map((call) => String(call[0]));
      expect(lines.some((line) => /^reached the goal: (true|false), fitness \d\.\d{3}$/.test(line))).toBe(true);
      const mean = Number(/mean fitness (\d\.\d+)/.exec(lines[lines.length - 1])?.[1]);
      expect(mean).toBeGreaterThan(0);
      expect(mean).toBeLessThan(0.9);
    } finally {
      log.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('docs/guides/writing-plugins.md', () => {
  it('shows what prnn plugins prints', () => {
    const [block] = codeBlocks(readDoc('docs/guides/writing-plugins.md'), '# Writing plugins: architectures, learners, metrics, tasks', 'console');
    const [prompt, ...shown] = block.split('\n');
    expect(prompt).toBe('$ prnn plugins');
    const out = runCli(['plugins']);
    expect(out.status).toBe(0);
    expect(shown.join('\n')).toBe(out.stdout);
  });
});

describe('docs/guides/analysis.md: @prnn/analysis', () => {
  it('the library example runs on a real run and prints the measures', async () => {
    const [example] = codeBlocks(readDoc('docs/guides/analysis.md'), '## Library: `@prnn/analysis`', 'ts');
    expect(example).toContain("from '@prnn/analysis'");
    const dir = await mkdtemp(join(tmpdir(), 'prnn-readme-analysis-'));
    try {
      const run = join(dir, 'demo');
      const train = runCli(['train', '--arch', 'fc,ff', '--seeds', '2', '--episodes', '60', '--test-mazes', '24', '--curve-points', '4', '--backend', 'cpu', '--out', run]);
      expect(train.status).toBe(0);
      const file = join(dir, 'example.ts');
      const source = pathToFileURL(join(REPO_ROOT, 'packages', 'analysis', 'src', 'index.ts')).href;
      await writeFile(file, example.replace("from '@prnn/analysis'", `from '${source}'`).replaceAll("'runs/demo", `'${run}`));
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        await import(pathToFileURL(file).href);
        const lines = log.mock.calls.map((call) => String(call[0]));
        expect(lines[0]).toMatch(/^fitness \d\.\d{3}, input sensitivity \d+\.\d{4}$/);
        expect(lines[1]).toMatch(/^M_k 1\.000( \d+\.\d{3}){5}, capacity \d+\.\d{3}$/);
        expect(lines[2]).toMatch(/^memory capacity FC > FF: U = 4, p = /);
        expect(lines.some((l) => l.startsWith('fully connected, median fitness: '))).toBe(true);
      } finally {
        log.mockRestore();
      }
      expect(existsSync(join(run, 'report-library', 'report.html'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
