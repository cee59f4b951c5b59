import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ES modules of scripts/, without type declarations
import { anchors, brokenLinks, markdownFiles, slug } from '../scripts/check-links.mjs';
// @ts-expect-error plain ES modules of scripts/, without type declarations
import { cliReference } from '../scripts/cli-reference.mjs';
import { REPO_ROOT } from './run-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'prnn-docs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('link check (scripts/check-links.mjs)', () => {
  it('finds no broken relative link in README.md, BENCHMARKS.md, CHANGELOG.md and docs/', () => {
    const files: string[] = markdownFiles(REPO_ROOT);
    expect(files.map((f) => f.slice(REPO_ROOT.length + 1))).toEqual(expect.arrayContaining(['README.md', 'docs/spec.md', 'docs/cli.md']));
    expect(files.flatMap((f) => brokenLinks(f, REPO_ROOT))).toEqual([]);
  });

  it('reports a missing file, a missing heading and a missing file behind an image, and accepts the rest', () => {
    mkdirSync(join(scratch, 'docs'));
    writeFileSync(join(scratch, 'docs', 'b.md'), '# Title\n\n## The `prnn env` maze (`--maze h`)\n\n## Twice\n\n## Twice\n');
    writeFileSync(
      join(scratch, 'README.md'),
      [
        '# Top',
        '[ok](docs/b.md) [ok](docs/b.md#the-prnn-env-maze---maze-h) [ok](docs/b.md#twice-1) [ok](#top) [web](https://example.org/x)',
        '[gone](docs/c.md) [bad anchor](docs/b.md#nowhere) ![img](docs/none.png)',
        '`[in code](nowhere.md)`',
        '```md',
        '[in a fence](nowhere.md)',
        '```',
      ].join('\n'),
    );
    expect(brokenLinks(join(scratch, 'README.md'), scratch)).toEqual([
      'README.md:3: docs/c.md (no such file)',
      'README.md:3: docs/b.md#nowhere (no heading #nowhere in docs/b.md)',
      'README.md:3: docs/none.png (no such file)',
    ]);
  });

  it('makes the anchors GitHub makes', () => {
    // GitHub's anchors of these headings, as its rendered README shows them
    expect(slug("The paper's Track experiment at 8 seeds: prnn reproduce --scale small")).toBe('the-papers-track-experiment-at-8-seeds-prnn-reproduce---scale-small');
    expect(slug('5. The paper\'s headline results')).toBe('5-the-papers-headline-results');
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n## B\n')]).toEqual(['a', 'a-1', 'b']);
  });
});

describe('CLI reference (docs/cli.md)', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const committed = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');

  it('is what scripts/cli-reference.mjs makes from oclif.manifest.json (else run npm run docs:cli)', () => {
    expect(committed).toBe(cliReference(manifest, pkg));
  });

  it('has a section for every command and a row for every flag with its description', () => {
    const ids = Object.keys(manifest.commands);
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) {
      const heading = `## prnn ${id.replaceAll(':', ' ')}`;
      const start = committed.indexOf(`\n${heading}\n`);
      expect(start, heading).toBeGreaterThan(0);
      const next = committed.indexOf('\n## ', start + heading.length + 2);
      const section = committed.slice(start, next < 0 ? undefined : next);
      for (const [name, flag] of Object.entries<{ description: string; hidden?: boolean }>(manifest.commands[id].flags)) {
        if (flag.hidden) continue;
        const row = section.split('\n').find((line) => line.startsWith(`| \`--${name}`));
        expect(row, `${id} --${name}`).toBeDefined();
        expect(row).toContain(flag.description.replaceAll('|', '\\|').replaceAll('\n', ' '));
      }
    }
  });
});

describe('commands shown in the documentation', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const topics = new Set(Object.keys(pkg.oclif.topics));

  /** Every `prnn …` command line of a markdown text: lines of sh blocks, and inline code in prose. */
  function shownCommands(text: string): { line: number; words: string[] }[] {
    const found: { line: number; words: string[] }[] = [];
    let fence: string | undefined;
    for (const [i, line] of text.split('\n').entries()) {
      if (line.startsWith('```')) {
        fence = fence === undefined ? line.slice(3).trim() : undefined;
        continue;
      }
      if (fence !== undefined && fence !== 'sh') continue;
      const candidates = fence === 'sh' ? (line.trim().startsWith('#') ? [] : [line]) : [...line.matchAll(/`((?:npx )?prnn [^`]+)`/g)].map((m) => m[1]);
      for (const candidate of candidates) {
        const at = candidate.search(/(?:^|\s)(?:npx prnn|prnn|node bin\/run\.js) /);
        if (at < 0) continue;
        const words = candidate.slice(at).replace(/\s+#.*$/, '').trim().split(/\s+/).filter((w) => w !== 'npx');
        found.push({ line: i + 1, words: words.slice(words[0] === 'node' ? 2 : 1) });
      }
    }
    return found;
  }

  it('name real commands and only flags those commands have', () => {
    const files = ['README.md', 'BENCHMARKS.md', ...markdownFiles(REPO_ROOT).map((f: string) => f.slice(REPO_ROOT.length + 1)).filter((f: string) => f.startsWith('docs/guides/') || f.startsWith('docs/reference/'))];
    const problems: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const { line, words } of shownCommands(readFileSync(join(REPO_ROOT, file), 'utf8'))) {
        const id = [words.slice(0, 2).join(':'), words[0]].find((candidate) => manifest.commands[candidate]);
        if (id === undefined) {
          if (!topics.has(words[0]) && !['help', '…'].includes(words[0])) problems.push(`${file}:${line}: no command prnn ${words.slice(0, 2).join(' ')}`);
          continue;
        }
        checked += 1;
        const flags = manifest.commands[id].flags as Record<string, { allowNo?: boolean }>;
        for (const word of words) {
          const flag = /^--([a-z][a-z0-9-]*)/.exec(word)?.[1];
          if (flag === undefined || flag === 'help') continue;
          if (!flags[flag] && !(flag.startsWith('no-') && flags[flag.slice(3)]?.allowNo)) problems.push(`${file}:${line}: prnn ${id.replace(':', ' ')} has no --${flag}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});
