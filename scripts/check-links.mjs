#!/usr/bin/env node
// Checks every relative link of the repository's markdown (README.md, BENCHMARKS.md, CHANGELOG.md, docs/**):
// the file or folder it names must exist, and a #fragment into a markdown file must name one of its headings
// (GitHub's anchors). Web links (http:, https:, mailto:) are not followed. Prints one line per broken link and
// exits 1 when there is any.
//   node scripts/check-links.mjs [file.md …]
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOP = ['README.md', 'BENCHMARKS.md', 'CHANGELOG.md'];

/** The markdown files the check covers: the top-level ones and every .md under docs/. */
export function markdownFiles(root = ROOT) {
  const files = TOP.map((f) => join(root, f)).filter((f) => existsSync(f));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk(join(root, 'docs'));
  return files;
}

/** The lines of a markdown text outside fenced code blocks, with inline code spans blanked. */
function proseLines(text) {
  const out = [];
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fence = !fence;
      out.push('');
      continue;
    }
    out.push(fence ? '' : line);
  }
  return out;
}

/** GitHub's anchor of a heading text: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a markdown text defines (duplicates get -1, -2, … as on GitHub). */
export function anchors(text) {
  const seen = new Map();
  const result = new Set();
  for (const line of proseLines(text)) {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const base = slug(match[1].replace(/`/g, ''));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** The broken relative links of one markdown file, as `file:line: target (reason)` lines. */
export function brokenLinks(file, root = ROOT) {
  const text = readFileSync(file, 'utf8');
  const problems = [];
  const lines = proseLines(text);
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/`[^`]*`/g, '``');
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [pathPart, fragment] = target.split('#', 2);
      const path = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
      const where = `${relative(root, file)}:${i + 1}: ${target}`;
      if (!existsSync(path)) {
        problems.push(`${where} (no such file)`);
        continue;
      }
      if (fragment !== undefined && fragment !== '' && statSync(path).isFile() && path.endsWith('.md')) {
        if (!anchors(readFileSync(path, 'utf8')).has(fragment.toLowerCase())) problems.push(`${where} (no heading #${fragment} in ${relative(root, path)})`);
      }
    }
  }
  return problems;
}

function main() {
  const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : markdownFiles();
  const problems = files.flatMap((f) => brokenLinks(f));
  for (const p of problems) console.error(`broken link: ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log(`links: ${files.length} markdown files, every relative link resolves`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
