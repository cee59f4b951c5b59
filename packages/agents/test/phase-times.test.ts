import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  OTHER_PHASE,
  PHASES,
  PhaseStopwatch,
  addPhaseTimes,
  cpuSecondsPerRun,
  concurrentPhaseTimes,
  phaseProfile,
  processCpuSeconds,
  splitStage,
  threadCpuSeconds,
} from '../src/profile/phase-times.js';

const t = (wallSeconds: number, cpuSeconds: number) => ({ wallSeconds, cpuSeconds });

/** Fixed busy work in this thread (a result the optimiser cannot drop). */
function spin(iterations: number): number {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (x * 1664525 + 1013904223) % 4294967296;
  return x;
}

describe('phase times: known answers', () => {
  it('stretches in sequence add wall and CPU; slices at once add CPU and keep the longest wall', () => {
    expect(addPhaseTimes({ a: t(1, 2) }, { a: t(3, 4), b: t(5, 6) }, undefined)).toEqual({ a: t(4, 6), b: t(5, 6) });
    expect(concurrentPhaseTimes([{ a: t(1, 1) }, { a: t(3, 2.5), b: t(2, 2) }, undefined])).toEqual({ a: t(3, 3.5), b: t(2, 2) });
  });

  it('a stage split into nested phases leaves the rest to the stage name, never negative', () => {
    expect(splitStage(t(10, 18), 'training', { curveTests: t(2, 3), finalTests: t(1, 1) })).toEqual({
      curveTests: t(2, 3),
      finalTests: t(1, 1),
      training: t(7, 14),
    });
    expect(splitStage(t(1, 1), 'training', { curveTests: t(2, 3) }).training).toEqual(t(0, 0));
  });

  it('a profile lists every phase, puts the unnamed rest under other, and its phases add up to the total', () => {
    const p = phaseProfile({ training: t(50, 95), noiseSweeps: t(10, 10), merge: t(1, 1) }, t(70, 120));
    expect(Object.keys(p.phases)).toEqual([...PHASES, OTHER_PHASE]);
    expect(p.phases.curveTests).toEqual(t(0, 0));
    // other = merge (1, 1) + what no phase took: 70 − 61 = 9 wall, 120 − 106 = 14 CPU
    expect(p.phases.other).toEqual(t(10, 15));
    expect(p.total).toEqual(t(70, 120));
    // named phases that exceed the total (thread clocks) raise it; other is then only the named extras
    const over = phaseProfile({ training: t(5, 5), curveTests: t(6, 6) }, t(10, 10));
    expect(over.phases.other).toEqual(t(0, 0));
    expect(over.total).toEqual(t(11, 11));
  });
});

describe('thread CPU clock', () => {
  it('counts busy work of this thread, no more than the whole process does meanwhile', async () => {
    const thread0 = threadCpuSeconds();
    const process0 = processCpuSeconds();
    expect(spin(20_000_000)).toBeGreaterThanOrEqual(0);
    const thread = threadCpuSeconds() - thread0;
    const whole = processCpuSeconds() - process0;
    expect(thread).toBeGreaterThan(0);
    // two kernel accountings (getrusage for the process, the scheduler's for the thread) differ by a few ms
    expect(thread).toBeLessThanOrEqual(whole * 1.05 + 0.01);
  });

  it("leaves out another thread's work: a worker's busy loop counts for the process, not for this thread", async () => {
    const watch = new PhaseStopwatch();
    const process0 = processCpuSeconds();
    await watch.time(
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker('let x = 0; for (let i = 0; i < 60000000; i++) x = (x * 1664525 + 1013904223) % 4294967296; require("node:worker_threads").parentPort.postMessage(x);', { eval: true });
          w.once('message', () => void w.terminate().then(() => resolve()));
          w.once('error', reject);
        }),
    );
    const whole = processCpuSeconds() - process0;
    const mine = watch.elapsed;
    expect(mine.wallSeconds).toBeGreaterThan(0);
    expect(mine.cpuSeconds).toBeGreaterThanOrEqual(0);
    // the worker's loop is the bulk of the process' CPU; this thread mostly waited
    expect(mine.cpuSeconds).toBeLessThan(whole / 2);
  });
});

/** A clock whose CPU reading moves only at 4 ms ticks, as Linux's per-thread figure does; each run costs `runMs`. */
function tickingClock(runMs: number, cpu = true) {
  let now = 0;
  return {
    run: async () => {
      now += runMs;
    },
    clock: { wallMilliseconds: () => now, cpuSeconds: () => (cpu ? Math.floor(now / 4) * 0.004 : Number.NaN) },
  };
}

describe('timing work shorter than the thread clock moves', () => {
  it('repeats it until a dozen ticks have passed and gives the time per run', async () => {
    // 1 ms runs: a single run reads 0 CPU seconds on this clock; 50 runs read 0.048, 52 runs 0.052 ≥ 0.05
    const { run, clock } = tickingClock(1);
    const watch = new PhaseStopwatch(clock);
    const once = new PhaseStopwatch(tickingClock(1).clock);
    expect((await cpuSecondsPerRun(once, async () => {}, { maxRuns: 1 })).seconds).toBeGreaterThan(0);
    const r = await cpuSecondsPerRun(watch, run);
    expect(r.runs).toBe(52);
    expect(r.seconds).toBeCloseTo(0.001, 9);
    expect(watch.elapsed.wallSeconds).toBeCloseTo(0.052, 12);
    expect(watch.elapsed.cpuSeconds).toBeCloseTo(0.052, 12);
  });

  it('times long work once', async () => {
    const { run, clock } = tickingClock(120);
    const r = await cpuSecondsPerRun(new PhaseStopwatch(clock), run);
    expect(r.runs).toBe(1);
    expect(r.seconds).toBeCloseTo(0.12, 12);
  });

  it('with no thread clock, stops at maxRuns and gives the wall time per run (finite, > 0)', async () => {
    const { run, clock } = tickingClock(0.5, false);
    const watch = new PhaseStopwatch(clock);
    // no CPU clock: the stopwatch counts wall as CPU, 0.5 ms a run, so 100 runs pass 0.05 s
    const r = await cpuSecondsPerRun(watch, run, { maxRuns: 1000 });
    expect(r.runs).toBe(100);
    expect(r.seconds).toBeCloseTo(0.0005, 12);
    // a clock that never moves and work that takes no wall time: the cap ends it, and the result is still > 0
    const frozen = new PhaseStopwatch({ wallMilliseconds: () => 0, cpuSeconds: () => 0 });
    const f = await cpuSecondsPerRun(frozen, async () => {}, { maxRuns: 7 });
    expect(f.runs).toBe(7);
    expect(Number.isFinite(f.seconds) && f.seconds > 0).toBe(true);
  });
});
