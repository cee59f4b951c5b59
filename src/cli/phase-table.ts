import { OTHER_PHASE, PHASES, type PhaseProfile, type PhaseProjection, type PhaseTime } from '@prnn/agents';

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

function cores(t: PhaseTime): string {
  return t.wallSeconds > 0 ? (t.cpuSeconds / t.wallSeconds).toFixed(2) : '–';
}

function table(head: readonly string[], cells: readonly (readonly string[])[]): string {
  const width = head.map((h, k) => Math.max(h.length, ...cells.map((c) => c[k].length)));
  const line = (c: readonly string[]) => c.map((v, k) => (k === 0 ? v.padEnd(width[k]) : v.padStart(width[k]))).join('  ');
  return [line(head), ...cells.map(line)].join('\n');
}

/**
 * A profile as a table: per phase its wall and CPU seconds, the cores it kept busy on average (CPU ÷ wall)
 * and its share of the wall time, then the total; with `projected`, the projection's wall and CPU seconds beside.
 */
export function formatPhaseProfile(profile: PhaseProfile, projected?: PhaseProjection): string {
  const names = [...PHASES, OTHER_PHASE as typeof OTHER_PHASE];
  const rows: [string, PhaseTime, PhaseTime | undefined][] = names.map((name) => [
    PHASE_LABELS[name] ?? name,
    profile.phases[name],
    projected ? (name === OTHER_PHASE ? { wallSeconds: 0, cpuSeconds: 0 } : projected.phases[name]) : undefined,
  ]);
  rows.push(['total', profile.total, projected?.total]);
  const share = (t: PhaseTime) => (profile.total.wallSeconds > 0 ? `${((100 * t.wallSeconds) / profile.total.wallSeconds).toFixed(1)} %` : '–');
  const head = ['phase', 'wall s', 'CPU s', 'cores', 'of wall', ...(projected ? ['projected wall s', 'projected CPU s'] : [])];
  return table(
    head,
    rows.map(([label, t, p]) => [label, seconds(t.wallSeconds), seconds(t.cpuSeconds), cores(t), share(t), ...(p ? [seconds(p.wallSeconds), seconds(p.cpuSeconds)] : [])]),
  );
}

/** A projection as a table: per phase its wall and CPU hours and the cores it keeps busy, then the total. */
export function formatPhaseProjection(projection: PhaseProjection): string {
  const hours = (s: number) => (s / 3600).toFixed(s < 36 ? 3 : 2);
  const rows: [string, PhaseTime][] = PHASES.map((name) => [PHASE_LABELS[name] ?? name, projection.phases[name]]);
  rows.push(['total', projection.total]);
  return table(['phase', 'wall h', 'CPU h', 'cores'], rows.map(([label, t]) => [label, hours(t.wallSeconds), hours(t.cpuSeconds), cores(t)]));
}
