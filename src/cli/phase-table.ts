import { OTHER_PHASE, PHASES, type PhaseProfile, type PhaseTime } from '@prnn/agents';

/** How each phase is named in the printed tables. */
export const PHASE_LABELS: Readonly<Record<string, string>> = {
  training: 'training',
  curveTests: 'curve tests',
  finalTests: 'final tests',
  noiseSweeps: 'noise sweeps',
  analysis: 'analysis',
  report: 'report',
  [OTHER_PHASE]: 'other',
};

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s < 10 ? s.toFixed(2) : s < 1000 ? s.toFixed(1) : s.toFixed(0);
}

/**
 * A profile as a table: per phase its wall and CPU seconds, the cores it kept busy on average (CPU ÷ wall)
 * and its share of the wall time; then the total.
 */
export function formatPhaseProfile(profile: PhaseProfile): string {
  const rows: [string, PhaseTime][] = [...PHASES, OTHER_PHASE as typeof OTHER_PHASE].map((name) => [PHASE_LABELS[name] ?? name, profile.phases[name]]);
  rows.push(['total', profile.total]);
  const cells = rows.map(([label, t]) => [
    label,
    seconds(t.wallSeconds),
    seconds(t.cpuSeconds),
    t.wallSeconds > 0 ? (t.cpuSeconds / t.wallSeconds).toFixed(2) : '–',
    profile.total.wallSeconds > 0 ? `${((100 * t.wallSeconds) / profile.total.wallSeconds).toFixed(1)} %` : '–',
  ]);
  const head = ['phase', 'wall s', 'CPU s', 'cores', 'of wall'];
  const width = head.map((h, k) => Math.max(h.length, ...cells.map((c) => c[k].length)));
  const line = (c: readonly string[]) => c.map((v, k) => (k === 0 ? v.padEnd(width[k]) : v.padStart(width[k]))).join('  ');
  return [line(head), ...cells.map(line)].join('\n');
}
