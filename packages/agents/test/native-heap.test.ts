import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MALLOC_THRESHOLD_BLOCK_BYTES, raiseMallocThresholds } from '../src/eval/native-heap.js';

// The C heap's state is per process and this worker's is whatever earlier tests left: each case runs in a
// fresh node, built module (npm test builds first), and counts the kernel's minor page faults.
const built = new URL('../dist/eval/native-heap.js', import.meta.url).href;

/**
 * Page faults of five bursts after the first: 24 blocks of 1 MiB written, dropped together, collected. A heap
 * trimmed after a burst faults the next burst's pages in again (6 144 pages per burst).
 */
function burstFaults(raise: boolean): number {
  const script = `
    const { raiseMallocThresholds } = await import(${JSON.stringify(built)});
    if (raiseMallocThresholds() !== ${raise}) throw new Error('raiseMallocThresholds did not return ${raise}');
    globalThis.gc();
    let faults = 0;
    for (let round = 0; round < 6; round++) {
      const before = process.resourceUsage().minorPageFault;
      let held = [];
      for (let k = 0; k < 24; k++) held.push(new Float32Array(262144).fill(1));
      held = undefined;
      globalThis.gc();
      if (round > 0) faults += process.resourceUsage().minorPageFault - before;
    }
    process.stdout.write(String(faults));`;
  const env = { ...process.env, PRNN_MALLOC_THRESHOLDS: raise ? 'on' : 'off' };
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', env, cwd: fileURLToPath(new URL('..', import.meta.url)) });
  return Number(out);
}

describe('raiseMallocThresholds', () => {
  it('acts once per thread, with a block under glibc’s 32 MiB ceiling for the dynamic threshold', () => {
    expect(MALLOC_THRESHOLD_BLOCK_BYTES).toBeLessThanOrEqual(32 * 1024 * 1024 - 4096);
    expect(MALLOC_THRESHOLD_BLOCK_BYTES).toBeGreaterThan(24 * 1024 * 1024);
    // (another test in this worker may have called it already: then both are false)
    const first = raiseMallocThresholds();
    expect(raiseMallocThresholds()).toBe(false);
    expect(typeof first).toBe('boolean');
  });

  it.runIf(process.platform === 'linux')('keeps freed bursts of output-sized blocks mapped: no page faults to take them again (PRNN_MALLOC_THRESHOLDS=off: glibc’s defaults)', () => {
    const plain = burstFaults(false);
    const raised = burstFaults(true);
    // without it glibc trims the heap after a burst and the next one faults its 24 MiB in again
    expect(plain).toBeGreaterThan(4000);
    expect(raised * 4).toBeLessThan(plain);
  });
});
