import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '@prnn/env';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { parseArch } from '../src/architectures/nine-pathway/family.js';
import { archInfo } from '../src/architectures/nine-pathway/arch-info.js';
import { StepPopulation } from '../src/sdk/step-population.js';
import type { ArchitectureDefinition } from '../src/sdk/define-architecture.js';
import type { PopulationMember } from '../src/sdk/architecture.js';
import { CompiledPopulation } from '../src/compiler/compiled-population.js';
import { COMPILE_CACHE_ENV, clearCompileMemoryCache, compilerStats } from '../src/compiler/compile.js';
import { UnsupportedStepError, lowerStep } from '../src/compiler/lower.js';
import { expectSameVjp } from './step-compiler-helpers.js';

const cacheDir = mkdtempSync(path.join(tmpdir(), 'prnn-compile-cache-'));
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

const nine = (specs: string[], seed = 10): PopulationMember[] => specs.map((s, n) => ({ arch: archInfo(parseArch(s)), seed: seed + n }));

describe('the step compiler: a family step compiled to a population kernel with a VJP', () => {
  it('9-pathway fc and hh+oh mixed, P = 6 (not a multiple of 4): forward and VJP equal the generic tfjs path on both engines', () => {
    const members = nine(['fc', 'hh+oh', 'fc', 'hh+oh', 'fc', 'ii+oo+hi']);
    for (const engine of ['interpreter', 'wasm-simd'] as const) {
      expectSameVjp(ninePathwayDefinition, members, 2, engine, Rng.derive(5, 1), 2.0);
    }
  });
});

describe('families defined by their step: lowrank-r1/r2, GRU, masked RNN', () => {
  const sizes = { channels: 2, hidden: 6 };
  it('lowrank-r1 and lowrank-r2 mixed, P = 7: compiled forward and VJP equal the generic path', async () => {
    const { lowRankDefinition } = await import('@prnn/plugin-lowrank-rnn');
    const members = ['lowrank-r1', 'lowrank-r2', 'lowrank-r2', 'lowrank-r1', 'lowrank-r2', 'lowrank-r2', 'lowrank-r2'].map((s, n) => ({ arch: lowRankDefinition.resolve(s, sizes)!, seed: n }));
    for (const engine of ['interpreter', 'wasm-simd'] as const) expectSameVjp(lowRankDefinition, members, 2, engine, Rng.derive(7, 2), 1.0);
  });
  it('GRU, P = 5: compiled forward and VJP equal the generic path', async () => {
    const { gruDefinition } = await import('@prnn/plugin-gru');
    const members = [0, 1, 2, 3, 4].map((seed) => ({ arch: gruDefinition.resolve('gru', sizes)!, seed }));
    for (const engine of ['interpreter', 'wasm-simd'] as const) expectSameVjp(gruDefinition, members, 2, engine, Rng.derive(8, 2), 1.0);
  });
  it('masked RNN, ring and ring with Dale\'s law mixed: compiled forward and VJP equal the generic path', async () => {
    const { maskedRnnDefinition } = await import('@prnn/plugin-masked-rnn');
    const members = ['masked-ring1', 'masked-ring2-dale', 'masked-ring1'].map((s, n) => ({ arch: maskedRnnDefinition.resolve(s, sizes)!, seed: n }));
    for (const engine of ['interpreter', 'wasm-simd'] as const) expectSameVjp(maskedRnnDefinition, members, 2, engine, Rng.derive(9, 2), 1.0);
  });
});
