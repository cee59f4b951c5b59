import { OPTIONAL_PATHWAYS } from '@prnn/agents';

/** Where the three layers sit in a glyph: input left, hidden middle, output right. */
const NODE = { i: [14, 30], h: [50, 30], o: [86, 30] } as const;
type LayerName = keyof typeof NODE;

function arc(from: LayerName, to: LayerName, colour: string, id: string): string {
  const [x1, y1] = NODE[from];
  const [x2, y2] = NODE[to];
  if (from === to) {
    // a self-loop above the node
    return `<path d="M${x1 - 4},${y1 - 7} C${x1 - 12},${y1 - 26} ${x1 + 12},${y1 - 26} ${x1 + 4},${y1 - 7}" fill="none" stroke="${colour}" stroke-width="1.6" marker-end="url(#arrow-${id})"/>`;
  }
  // forward pathways bend above, backward ones below, so ih/hi and ho/oh do not overlap
  const forward = x2 > x1;
  const bend = forward ? -1 : 1;
  const span = Math.abs(x2 - x1);
  const mx = (x1 + x2) / 2;
  const my = y1 + bend * (span > 40 ? 22 : 9);
  const dx = forward ? 7 : -7;
  return `<path d="M${x1 + dx},${y1 + bend * 3} Q${mx},${my} ${x2 - dx},${y2 + bend * 3}" fill="none" stroke="${colour}" stroke-width="1.6" marker-end="url(#arrow-${id})"/>`;
}

/**
 * A small SVG of an architecture's pathways: the three layers as circles, W_ih and W_ho in black, each
 * present optional pathway as a coloured arrow (self-loops above the node, backward arrows below).
 */
export function architectureGlyph(name: string, flags: Readonly<Record<string, boolean>>): string {
  // marker ids must be unique when many glyphs share one HTML page
  const id = name.replace(/[^a-z0-9-]/gi, '_');
  const arrows = [arc('i', 'h', '#222222', id), arc('h', 'o', '#222222', id)];
  for (const p of OPTIONAL_PATHWAYS) if (flags[p]) arrows.push(arc(p[0] as LayerName, p[1] as LayerName, '#1f77b4', id));
  const nodes = (Object.keys(NODE) as LayerName[])
    .map((l) => `<circle cx="${NODE[l][0]}" cy="${NODE[l][1]}" r="6.5" fill="#ffffff" stroke="#222222" stroke-width="1.4"/><text x="${NODE[l][0]}" y="${NODE[l][1] + 3}" font-size="8" text-anchor="middle" font-family="DejaVu Sans, sans-serif">${l}</text>`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="62" viewBox="0 0 100 62" role="img" aria-label="${name}">` +
    `<defs><marker id="arrow-${id}" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#444444"/></marker></defs>` +
    `${arrows.join('')}${nodes}</svg>`
  );
}
