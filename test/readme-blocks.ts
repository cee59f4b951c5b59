// Fenced code blocks of a section of the README or of a guide under docs/, for tests that run what they show.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.js';

/** The text of a markdown file of the repository, by its path from the root (e.g. 'docs/guides/training.md'). */
export function readDoc(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

/** The fenced blocks of `language` ('' = no language) in the section of `text` that starts with the line `heading`. */
export function codeBlocks(text: string, heading: string, language: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no section ${heading}`);
  const level = heading.split(' ')[0];
  const blocks: string[] = [];
  let open: { language: string; body: string[] } | undefined;
  for (const line of lines.slice(start + 1)) {
    if (open === undefined && new RegExp(`^#{1,${level.length}} `).test(line)) break;
    if (!line.startsWith('```')) {
      open?.body.push(line);
    } else if (open === undefined) {
      open = { language: line.slice(3).trim(), body: [] };
    } else {
      if (open.language === language) blocks.push(`${open.body.join('\n')}\n`);
      open = undefined;
    }
  }
  return blocks;
}
