import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompiledPopulation, StepPopulation, allocateLike, builtinPlugins, createContainer, initBackend } from '@prnn/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { MASKED_FAMILY, MASKS_ENV, maskedRnnArchitecture, maskedRnnDefinition, ringConnectivity } from '../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'prnn-masks-'));
const saved = process.env[MASKS_ENV];
beforeAll(async () => {
  await initBackend('cpu');
  process.env[MASKS_ENV] = dir;
});
afterAll(() => {
  if (saved === undefined) delete process.env[MASKS_ENV];
  else process.env[MASKS_ENV] = saved;
  rmSync(dir, { recursive: true, force: true });
});

const registry = createContainer([...builtinPlugins(), plugin]);

describe('the masked RNN plugin', () => {
  it('ring locality: unit i reaches the units at ring distance ≤ k; under Dale\'s law every fifth unit inhibits', () => {
    const c = ringConnectivity(6, 1, true);
    // row 4 (inhibitory) reaches 3, 4, 5 with sign −1; row 0 reaches 5, 0, 1
    expect(Array.from(c.d.subarray(24, 30))).toEqual([0, 0, 0, -1, -1, -1]);
    expect(Array.from(c.d.subarray(0, 6))).toEqual([1, 1, 0, 0, 0, 1]);
    expect(c.connections).toBe(18);
    expect(registry.resolveArch('masked-ring1', { channels: 2, hidden: 6 })).toMatchObject({ family: MASKED_FAMILY, parameters: 48 + 36 + 6 + 30 });
  });

  it('a JSON mask file: masked weights get zero gradient on the compiled path, which equals the generic one', () => {
    const mask = [
      [1, 1, 0, 0],
      [0, 1, 1, 0],
      [0, 0, 1, 1],
      [1, 0, 0, 1],
    ];
    writeFileSync(path.join(dir, 'chain.json'), JSON.stringify({ mask, sign: [1, 1, -1, 1] }));
    const arch = registry.resolveArch('masked-file-chain-dale', { channels: 2, hidden: 4 });
    expect(arch.parameters).toBe(32 + 16 + 4 + 20);
    const members = [0, 1].map((seed) => ({ arch, seed }));
    const compiled = new CompiledPopulation(maskedRnnDefinition, members, 2);
    const generic = new StepPopulation(maskedRnnDefinition, members, 2);
    try {
      const T = 5;
      const records = {
        steps: T,
        population: 2,
        obs: Float32Array.from({ length: T * 2 * 8 }, (_, j) => ((j * 7) % 11) / 11),
        tieNoise: new Float32Array(T * 2 * 5),
        lengths: Int32Array.from([5, 4]),
      };
      const cot = Float32Array.from({ length: T * 2 * 5 }, (_, j) => (((j * 5) % 9) - 4) / 4);
      cot.fill(0, (4 * 2 + 1) * 5, (4 * 2 + 2) * 5);
      const out = [new Float32Array(T * 10), new Float32Array(T * 10)];
      const grads = [allocateLike(compiled.parameters), allocateLike(generic.parameters)];
      [compiled, generic].forEach((m, i) => {
        m.vjp.forward(records, T, out[i]);
        m.vjp.backward(cot, grads[i]);
      });
      for (let j = 0; j < out[0].length; j++) expect(out[0][j]).toBeCloseTo(out[1][j], 6);
      const k = compiled.parameters.names.indexOf('w_hh');
      for (let n = 0; n < 2; n++) {
        for (let a = 0; a < 4; a++) {
          for (let b = 0; b < 4; b++) {
            const g = grads[0][k][n * 16 + a * 4 + b];
            if (mask[a][b] === 0) expect(g).toBe(0);
            else expect(g).not.toBe(0);
            expect(g).toBeCloseTo(grads[1][k][n * 16 + a * 4 + b], 5);
          }
        }
      }
    } finally {
      compiled.dispose();
      generic.dispose();
    }
  });

  it('a bad mask file is one clear line naming the file', () => {
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ mask: [[1, 2], [0, 1]] }));
    expect(() => registry.resolveArch('masked-rnn:masked-file-bad', { channels: 2, hidden: 2 })).toThrow(/mask file .*bad\.json: "mask" must be 2 rows of 2 numbers 0 or 1/);
    expect(() => registry.resolveArch('masked-rnn:masked-file-missing', { channels: 2, hidden: 2 })).toThrow(/mask file .*missing\.json does not exist/);
  });

  it('passes checkArchitecture', async () => {
    const { checkArchitecture } = await import('@prnn/agents/testing');
    const report = await checkArchitecture(maskedRnnArchitecture);
    expect(report.problems, report.problems.join("\n")).toEqual([]);
  });
});
