import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  OTHER_PHASE,
  PHASES,
  PhaseStopwatch,
  addPhaseTimes,
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
