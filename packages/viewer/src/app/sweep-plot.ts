const SVG = 'http://www.w3.org/2000/svg';

export interface SweepLine {
  readonly label: string;
  readonly colour: string;
  readonly fitness: readonly (number | null)[];
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Fitness vs σs, one line per policy (the paper's Fig. 1C for these networks). */
export function plotSweep(container: HTMLElement, noise: readonly number[], lines: readonly SweepLine[]): void {
  const W = 640;
  const H = 300;
  const L = 50;
  const R = 230;
  const T = 12;
  const B = 40;
  const xMax = noise[noise.length - 1] || 1;
  let yMin = 0;
  for (const line of lines) for (const v of line.fitness) if (v !== null && v < yMin) yMin = v;
  const x = (v: number) => L + ((W - L - R) * v) / xMax;
  const y = (v: number) => T + ((H - T - B) * (1 - v)) / (1 - yMin);
  const svg = el('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'fitness versus sensor noise' });
  svg.append(el('line', { x1: L, y1: y(yMin), x2: W - R, y2: y(yMin), stroke: '#555' }));
  svg.append(el('line', { x1: L, y1: T, x2: L, y2: y(yMin), stroke: '#555' }));
  for (let k = 0; k <= 5; k++) {
    const v = (xMax * k) / 5;
    svg.append(el('text', { x: x(v), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11 }, v.toFixed(2)));
  }
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((1 - yMin) * k) / 4;
    svg.append(el('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }, v.toFixed(2)));
    svg.append(el('line', { x1: L, y1: y(v), x2: W - R, y2: y(v), stroke: '#eee' }));
  }
  svg.append(el('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12 }, 'sensor noise σs'));
  svg.append(el('text', { x: 12, y: (T + H - B) / 2, 'font-size': 12, transform: `rotate(-90 12 ${(T + H - B) / 2})`, 'text-anchor': 'middle' }, 'mean fitness'));
  lines.forEach((line, k) => {
    const points = line.fitness.flatMap((v, i) => (v === null ? [] : [`${x(noise[i]).toFixed(1)},${y(v).toFixed(1)}`]));
    svg.append(el('polyline', { points: points.join(' '), fill: 'none', stroke: line.colour, 'stroke-width': 2 }));
    svg.append(el('text', { x: W - R + 10, y: T + 14 + 16 * k, fill: line.colour, 'font-size': 12 }, line.label));
  });
  container.replaceChildren(svg);
}
