// Turns any thrown value into the single line the CLI prints: `Error: <message>`.
// oclif's parser errors span several lines (a "Parsing --flag" prefix, a tab-indented cause,
// a "See more help with --help" hint) and may carry ANSI colours; they are folded into one line.

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function errorMessageLine(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const lines = raw
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^See more help with/i.test(line));
  const parsing = lines.length > 1 ? /^Parsing (--[\w-]+)$/.exec(lines[0]) : null;
  if (parsing) {
    // Keep the flag name only when the cause does not already mention it.
    lines.shift();
    if (!lines[0].includes(parsing[1])) lines[0] = `${parsing[1]}: ${lines[0]}`;
  }
  // oclif's flag validation: "The following error(s) occurred:" then one reason per line, e.g.
  // "Missing required flag out"; keep the reasons, name flags as typed, separate them with "; ".
  if (lines.length > 1 && /^The following errors? occurred:$/.test(lines[0])) {
    lines.shift();
    for (let i = 0; i < lines.length; i++) lines[i] = lines[i].replace(/^Missing required flag ([\w-]+)$/, 'Missing required flag --$1');
    return lines.join('; ').replace(/\s+/g, ' ');
  }
  const message = lines.join(' ').replace(/\s+/g, ' ').trim();
  return message.length > 0 ? message : error instanceof Error ? error.name : 'unknown error';
}
