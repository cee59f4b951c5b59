import type { Analysis } from '../analysis/summarize.js';
import { architectureGlyph } from '../figures/architecture-glyph.js';
import type { RenderedFigure } from './report-figures.js';
import { settingsLines, type ReportTables } from './report-markdown.js';
import type { Table } from './report-tables.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : '—') : String(v ?? ''));

function htmlTable(t: Table, columns: readonly string[] = t.columns, extra?: (row: Record<string, unknown>) => string): string {
  const head = `<tr>${extra ? '<th></th>' : ''}${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = t.rows
    .map((r) => `<tr>${extra ? `<td>${extra(r)}</td>` : ''}${columns.map((c) => `<td class="${escapeHtml(String(r[c] ?? ''))}">${escapeHtml(fmt(r[c]))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const STYLE = `body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1250px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:0.5em 0 1.5em}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:middle}
th{background:#f2f2f2}td.higher{color:#1b7e5f;font-weight:bold}td.lower{color:#c2460b;font-weight:bold}
figure{margin:1em 0 2em}figcaption{font-size:13px;color:#555;max-width:900px}code,li{font-size:13px}details{margin:1em 0}`;

const ARCH_COLUMNS = [
  'arch', 'parameters', 'networks',
  'fitness_median', 'fitness_q1', 'fitness_q3', 'fitness_vs_fc', 'fitness_effect',
  'robustness_median', 'robustness_vs_fc', 'robustness_effect',
  'sample_efficiency_median', 'sample_efficiency_vs_fc', 'sample_efficiency_effect',
  'input_sensitivity_median', 'memory_capacity_median', 'memory_capacity_vs_fc', 'memory_capacity_effect',
];

/** report.html: self-contained (figures as inline SVG, glyphs inline, no external resource). */
export function reportHtml(a: Analysis, tables: ReportTables, figures: readonly RenderedFigure[]): string {
  const flagsOf = new Map(a.architectures.map((arch) => [arch.arch, arch.flags]));
  const glyph = (row: Record<string, unknown>) => architectureGlyph(String(row.arch), flagsOf.get(String(row.arch)) ?? {});
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>prnn analysis report</title><style>${STYLE}</style></head>
<body>
<h1>prnn analysis report</h1>
<h2>Headline results (docs/spec.md §5, Track task): prnn next to the paper</h2>
${htmlTable(tables.headline)}
<p>The paper rests on 50 networks per architecture; the last column says how many networks each prnn value rests on.</p>
<h2>Settings</h2>
<ul>${settingsLines(a).map((l) => `<li><code>${escapeHtml(l)}</code></li>`).join('\n')}</ul>
<h2>Figures</h2>
${figures.map((f) => `<figure id="${f.name}">${f.svg}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`).join('\n')}
<h2>Architectures</h2>
<p>Medians and quartiles over each architecture's networks; "vs_fc": higher / lower / n.s. after Benjamini–Hochberg at α = ${a.alpha}; "effect": Hodges–Lehmann shift vs FC with its 95 % confidence interval, its actual coverage in brackets when too few networks allow 95 % (Cliff's delta in architectures.csv). The glyph shows the pathways: W_ih and W_ho in black, optional pathways in blue (self-loops above a layer, backward pathways below).</p>
${htmlTable(tables.architectures, ARCH_COLUMNS, glyph)}
<h2>Prediction</h2>
<p>Random forests (max depth 9), 10-fold shuffled cross-validated RMSE next to the RMSE of predicting the mean.</p>
${tables.predictions.rows.length ? htmlTable(tables.predictions) : '<p>Not enough networks for the prediction study.</p>'}
<h2>Memory: what lies behind M_k</h2>
<p>M_k (the paper's measure) is the mean over (trial, step) pairs of S(t,k)/S(t,0). Beside it: the ratio of means, the median ratio, the pairs behind each lag and how many had S(t,0) below the floor (10⁻³ × the network's median S(t,0)). Flagged lags (their largest 1 % of ratios hold more than half the sum) are listed here; every lag is in memory.csv.</p>
${(() => {
  const flagged = { columns: tables.memory.columns, rows: tables.memory.rows.filter((r) => r.flagged === 1).slice(0, 200) };
  return flagged.rows.length ? htmlTable(flagged) : `<p>No lag is flagged${tables.memory.rows.length ? '' : ' (memory was not measured)'}.</p>`;
})()}
<details><summary>Every network (${a.networks.length})</summary>
${htmlTable(tables.networks)}
</details>
</body>
</html>
`;
}
