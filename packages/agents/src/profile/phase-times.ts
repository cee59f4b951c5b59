/**
 * Wall and CPU time of the phases of an experiment (docs/guides/performance.md): what each phase cost, so
 * that a run can say where its time went and a projection can be checked against it.
 *
 * Two clocks: `PhaseStopwatch` times work done in one thread (this thread's CPU), for phases interleaved
 * with others in a training worker (curve tests, the final test); `StageStopwatch` times a stretch of the
 * whole process (every thread's CPU, worker threads included), for phases that follow one another.
 */
import { readFileSync } from 'node:fs';

/** The phases of `prnn reproduce`, in the order they run. */
export const PHASES = ['training', 'curveTests', 'finalTests', 'noiseSweeps', 'analysis', 'report'] as const;
/** One of {@link PHASES}. */
export type PhaseName = (typeof PHASES)[number];
/** What is left of the total when the named phases are taken out (planning, storing, merging, …). */
export const OTHER_PHASE = 'other';

/** Time spent in one phase. */
export interface PhaseTime {
  /** Wall-clock seconds the phase kept the run waiting. */
  readonly wallSeconds: number;
  /** CPU seconds (user + system) spent in it, summed over every thread that worked on it. */
  readonly cpuSeconds: number;
}

/** Times by phase name (a phase that did not run is absent). */
export type PhaseTimes = Readonly<Record<string, PhaseTime>>;

/** Zero wall and CPU seconds. */
export const ZERO_TIME: PhaseTime = { wallSeconds: 0, cpuSeconds: 0 };

type CpuReader = () => number;

/** The first reader of this thread's CPU seconds that works here, or undefined. */
function threadCpuReader(): CpuReader | undefined {
  const native = (process as unknown as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (typeof native === 'function') {
    return () => {
      const u = native.call(process);
      return (u.user + u.system) / 1e6;
    };
  }
  // Linux: the calling thread's time on a CPU, in nanoseconds (readFileSync runs in the calling thread)
  const schedstat = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e9;
  try {
    if (Number.isFinite(schedstat())) return schedstat;
  } catch {
    // not Linux, or no scheduler statistics
  }
  return undefined;
}

let reader: CpuReader | null | undefined;

/**
 * CPU seconds this thread has used, or NaN where no per-thread clock exists (then a thread's phases count
 * their wall time as CPU time: the work in a training thread is single-threaded).
 *
 * On Linux the figure advances only at the scheduler's tick (a few milliseconds): a stretch shorter than a
 * tick often reads 0. Sums over many stretches are unbiased; a single short stretch is not a measurement —
 * time it with {@link cpuSecondsPerRun}, which repeats it until the clock has moved enough.
 */
export function threadCpuSeconds(): number {
  if (reader === undefined) reader = threadCpuReader() ?? null;
  return reader ? reader() : Number.NaN;
}

/** CPU seconds (user + system) the whole process has used: every thread, worker threads included. */
export function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The clocks a {@link PhaseStopwatch} reads: wall milliseconds and this thread's CPU seconds (NaN if none). */
export interface StopwatchClock {
  /** Wall-clock milliseconds from any fixed origin. */
  wallMilliseconds(): number;
  /** CPU seconds this thread has used, or NaN where there is no per-thread clock. */
  cpuSeconds(): number;
}

const THREAD_CLOCK: StopwatchClock = { wallMilliseconds: () => performance.now(), cpuSeconds: threadCpuSeconds };

/** Accumulates the wall and CPU time of stretches of work done in this thread (e.g. every curve test of a slice). */
export class PhaseStopwatch {
  private wall = 0;
  private cpu = 0;

  /** `clock`: the clocks to read (this thread's by default; a test passes its own). */
  constructor(private readonly clock: StopwatchClock = THREAD_CLOCK) {}

  /** Runs `work` and adds its time. */
  async time<T>(work: () => Promise<T>): Promise<T> {
    const wall0 = this.clock.wallMilliseconds();
    const cpu0 = this.clock.cpuSeconds();
    try {
      return await work();
    } finally {
      const wall = (this.clock.wallMilliseconds() - wall0) / 1000;
      const cpu = this.clock.cpuSeconds() - cpu0;
      this.wall += wall;
      this.cpu += Number.isFinite(cpu) ? Math.max(0, cpu) : wall;
    }
  }

  /** Wall and CPU seconds summed over the timed stretches so far. */
  get elapsed(): PhaseTime {
    return { wallSeconds: this.wall, cpuSeconds: this.cpu };
  }
}

/** How long {@link cpuSecondsPerRun} times a piece of work. */
export interface RepeatOptions {
  /** Repeat until at least this many CPU seconds have passed (default 0.05: a dozen scheduler ticks). */
  readonly minCpuSeconds?: number;
  /** But never more than this many runs (default 64). */
  readonly maxRuns?: number;
}

/**
 * The CPU seconds of one run of `work` in this thread, timed on `stopwatch` (whose totals grow by every run):
 * `work` runs until the thread clock has advanced by `minCpuSeconds` or `maxRuns` runs are done, and the
 * time is divided by the runs. A clock that did not move at all (no per-thread clock, or work far below a tick
 * even after every run) gives the wall time per run instead, so the result is always finite and > 0. `work`
 * must be safe to repeat.
 */
export async function cpuSecondsPerRun(
  stopwatch: PhaseStopwatch,
  work: () => Promise<unknown>,
  o: RepeatOptions = {},
): Promise<{ seconds: number; runs: number }> {
  const minCpu = o.minCpuSeconds ?? 0.05;
  const maxRuns = Math.max(1, o.maxRuns ?? 64);
  const start = stopwatch.elapsed;
  let runs = 0;
  do {
    await stopwatch.time(work);
    runs++;
  } while (stopwatch.elapsed.cpuSeconds - start.cpuSeconds < minCpu && runs < maxRuns);
  const cpu = stopwatch.elapsed.cpuSeconds - start.cpuSeconds;
  const wall = stopwatch.elapsed.wallSeconds - start.wallSeconds;
  const total = cpu > 0 ? cpu : wall > 0 ? wall : Number.EPSILON;
  return { seconds: total / runs, runs };
}

/** Measures a stretch of the whole process: wall time, and the CPU time of all its threads. */
export class StageStopwatch {
  private readonly wall0 = performance.now();
  private readonly cpu0 = processCpuSeconds();

  /** Wall and process CPU seconds since the stopwatch was created. */
  get elapsed(): PhaseTime {
    return { wallSeconds: (performance.now() - this.wall0) / 1000, cpuSeconds: Math.max(0, processCpuSeconds() - this.cpu0) };
  }
}

/** Phase times of stretches that ran one after another: every phase's wall and CPU added. */
export function addPhaseTimes(...all: readonly (PhaseTimes | undefined)[]): Record<string, PhaseTime> {
  const out: Record<string, PhaseTime> = {};
  for (const times of all) {
    for (const [name, t] of Object.entries(times ?? {})) {
      const s = out[name] ?? ZERO_TIME;
      out[name] = { wallSeconds: s.wallSeconds + t.wallSeconds, cpuSeconds: s.cpuSeconds + t.cpuSeconds };
    }
  }
  return out;
}

/**
 * Phase times of slices that ran at the same time on different threads: CPU adds up, while the wall time is
 * the longest slice's (the others' ran meanwhile).
 */
export function concurrentPhaseTimes(all: readonly (PhaseTimes | undefined)[]): Record<string, PhaseTime> {
  const out: Record<string, PhaseTime> = {};
  for (const times of all) {
    for (const [name, t] of Object.entries(times ?? {})) {
      const s = out[name] ?? ZERO_TIME;
      out[name] = { wallSeconds: Math.max(s.wallSeconds, t.wallSeconds), cpuSeconds: s.cpuSeconds + t.cpuSeconds };
    }
  }
  return out;
}

/**
 * A stage's time split into its `nested` phases and `rest`, the part of the stage none of them took (never
 * negative): e.g. a training stage of which curve tests and final tests took some.
 */
export function splitStage(stage: PhaseTime, rest: string, nested: PhaseTimes): Record<string, PhaseTime> {
  let wall = stage.wallSeconds;
  let cpu = stage.cpuSeconds;
  for (const t of Object.values(nested)) {
    wall -= t.wallSeconds;
    cpu -= t.cpuSeconds;
  }
  return { ...nested, [rest]: { wallSeconds: Math.max(0, wall), cpuSeconds: Math.max(0, cpu) } };
}

/** A run's profile: every phase of PHASES (zero when it did not run), `other`, and the total they add up to. */
export interface PhaseProfile {
  readonly phases: Readonly<Record<PhaseName | typeof OTHER_PHASE, PhaseTime>>;
  readonly total: PhaseTime;
}

/**
 * The profile of a run that took `total` in all, of which the named phases took `times`: `other` is the
 * rest, so the phases add up to the total (a phase measured on its own thread's clock may make the named
 * ones exceed the total by rounding; `other` is then 0 and the total is raised to their sum).
 */
export function phaseProfile(times: PhaseTimes, total: PhaseTime): PhaseProfile {
  const phases = {} as Record<PhaseName | typeof OTHER_PHASE, PhaseTime>;
  const clamp = (t: PhaseTime): PhaseTime => ({ wallSeconds: Math.max(0, t.wallSeconds), cpuSeconds: Math.max(0, t.cpuSeconds) });
  for (const name of PHASES) phases[name] = clamp(times[name] ?? ZERO_TIME);
  // phases of other names (and `other` itself) count as other
  const extra = addPhaseTimes(...Object.entries(times).filter(([name]) => !(PHASES as readonly string[]).includes(name)).map(([, t]) => ({ [OTHER_PHASE]: clamp(t) })))[OTHER_PHASE] ?? ZERO_TIME;
  let wall = extra.wallSeconds;
  let cpu = extra.cpuSeconds;
  for (const name of PHASES) {
    wall += phases[name].wallSeconds;
    cpu += phases[name].cpuSeconds;
  }
  phases[OTHER_PHASE] = { wallSeconds: extra.wallSeconds + Math.max(0, total.wallSeconds - wall), cpuSeconds: extra.cpuSeconds + Math.max(0, total.cpuSeconds - cpu) };
  return { phases, total: { wallSeconds: Math.max(total.wallSeconds, wall), cpuSeconds: Math.max(total.cpuSeconds, cpu) } };
}
