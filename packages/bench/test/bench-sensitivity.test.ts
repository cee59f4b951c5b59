import { describe, expect, it } from 'vitest';
import { initBackend } from '@prnn/agents';
import { resolveTaskOptions } from '@prnn/env';
import { benchSensitivity } from '../src/index.js';

// `prnn bench analyze`: the compiled Jacobians are timed on the engine the analysis uses (WebAssembly SIMD here) and,
// in the same alternating repeats, on the JavaScript engine; each path's seconds are reported.
describe('benchSensitivity', () => {
  it('times the compiled Jacobians on both engines, in the same number of repeats', { timeout: 300_000 }, async () => {
    await initBackend('cpu');
    const out = await benchSensitivity({ arch: 'hh+oh', trials: 30, repeats: 3, referenceTrials: 2, task: resolveTaskOptions('track', {}) });
    expect(out).toMatchObject({ arch: 'hh+oh', task: 'track', trials: 30, steps: 6, engine: 'wasm' });
    expect(out.fusedRepeats).toHaveLength(3);
    expect(out.jsRepeats).toHaveLength(3);
    for (const x of [...out.fusedRepeats, ...out.jsRepeats, out.autodiffSeconds, out.finiteDifferenceSeconds, out.perTimepointSeconds]) expect(x).toBeGreaterThan(0);
    expect(out.jsSeconds).toBe([...out.jsRepeats].sort((a, b) => a - b)[1]);
  });
});
