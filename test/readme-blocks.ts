// Fenced code blocks of a README section, for tests that run what the README shows.

/** The fenced blocks of `language` ('' = no language) in the README section that starts with `heading`. */
export function codeBlocks(text: string, heading: string, language: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`README has no section ${heading}`);
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
