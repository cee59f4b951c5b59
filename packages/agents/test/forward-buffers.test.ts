import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { parseArch } from '../src/architectures/nine-pathway/family.js';
import { archInfo } from '../src/architectures/nine-pathway/arch-info.js';
import { createTfjsPopulation } from '../src/architectures/nine-pathway/tfjs-population.js';
import { StepPopulation } from '../src/sdk/step-population.js';
import type { PopulationModel } from '../src/sdk/population-model.js';
import { CompiledPopulation } from '../src/compiler/compiled-population.js';
import { COMPILE_CACHE_ENV } from '../src/compiler/compile.js';

const cacheDir = mkdtempSync(path.join(tmpdir(), 'prnn-forward-buffers-'));
const savedEnv = process.env[COMPILE_CACHE_ENV];
beforeAll(async () => {
  await initBackend('cpu');
  process.env[COMPILE_CACHE_ENV] = cacheDir;
});
afterAll(() => {
  if (savedEnv === undefined) delete process.env[COMPILE_CACHE_ENV];
  else process.env[COMPILE_CACHE_ENV] = savedEnv;
  rmSync(cacheDir, { recursive: true, force: true });
});

/** The message a forward call throws, or undefined. */
function forwardError(model: PopulationModel, obs: number, noise: number | null, q: number): string | undefined {
  try {
    model.forward(new Float32Array(obs), noise === null ? null : new Float32Array(noise), new Float32Array(q), true);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

describe('one forward-buffer check for every population implementation', () => {
  it('the tfjs model, the generic and the compiled populations (WebAssembly and interpreter) refuse the same wrong buffers with the same line', () => {
    // two fc networks (8 inputs, 5 outputs at 2 channels), batch 3: obs 2·3·8 = 48 values, q and tie noise 2·3·5 = 30
    const archs = [parseArch('fc'), parseArch('fc')];
    const members = archs.map((a, n) => ({ arch: archInfo(a), seed: 1 + n }));
    const models: [string, PopulationModel][] = [
      ['tfjs', createTfjsPopulation(archs, [1, 2])],
      ['generic', new StepPopulation(ninePathwayDefinition, members, 2)],
      ['compiled', new CompiledPopulation(ninePathwayDefinition, members, 2)],
      ['compiled (interpreter)', new CompiledPopulation(ninePathwayDefinition, members, 2, 'interpreter')],
    ];
    try {
      for (const [name, model] of models) {
        model.resetState(3);
        expect(forwardError(model, 47, null, 30), name).toBe('obs must have 48 values (got 47)');
        expect(forwardError(model, 48, null, 31), name).toBe('q must have 30 values (got 31)');
        expect(forwardError(model, 48, 29, 30), name).toBe('tieNoise must have 30 values (got 29)');
        expect(forwardError(model, 48, 30, 30), name).toBeUndefined();
      }
    } finally {
      for (const [, model] of models) model.dispose();
    }
  });
});
