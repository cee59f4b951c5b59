import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '@prnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { paperArchitectures, parseArch, referenceStep, zeroState, type NinePathwayWeights } from '../src/architectures/nine-pathway/family.js';
import { archInfo } from '../src/architectures/nine-pathway/arch-info.js';
import { StepPopulation } from '../src/sdk/step-population.js';
import type { ArchitectureDefinition } from '../src/sdk/define-architecture.js';
import type { PopulationMember } from '../src/sdk/architecture.js';
import { CompiledPopulation } from '../src/compiler/compiled-population.js';
import { COMPILE_CACHE_ENV, EMITTER_MODULES, clearCompileMemoryCache, compilerStats, emitterFingerprint } from '../src/compiler/compile.js';
import { UnsupportedStepError, lowerStep } from '../src/compiler/lower.js';
import { compiledPopulationKernel } from '../src/compiler/kernel.js';
import { OP, ProgramBuilder } from '../src/compiler/program.js';
import { compileStep } from '../src/compiler/compile.js';
import { EMITTER_VERSION, emitWasm, gatedRegions } from '../src/compiler/wasm-emit.js';
import { expectSameVjp } from './step-compiler-helpers.js';
import { allocateLike } from '../src/sdk/population-model.js';
import { randomRecords } from './learning-helpers.js';

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
  it('9-pathway fc only, P = 6 (one layout: rows move to and from lanes in the kernel): forward and VJP equal the generic tfjs path on both engines', () => {
    const members = nine(['fc', 'fc', 'fc', 'fc', 'fc', 'fc'], 30);
    for (const engine of ['interpreter', 'wasm-simd'] as const) {
      expectSameVjp(ninePathwayDefinition, members, 2, engine, Rng.derive(5, 2), 2.0);
    }
  });
});

describe('shared lanes: members embedded into a wider member (the 128 architectures in fc\'s lanes)', () => {
  // the same family without its embedding: every architecture its own group (the per-layout compiled path)
  const perLayout: ArchitectureDefinition = { ...ninePathwayDefinition, embed: undefined };
  const all = paperArchitectures({ channels: 2, hidden: 8 });
  const members = all.map((a, n) => ({ arch: archInfo(a), seed: 300 + n }));
  const P = members.length;
  const sameBits = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

  it('the 128 + ff-large, P = 129: outputs, states and gradients are the per-layout path\'s bits; fixed-zero entries ignore their values and get gradient 0', () => {
    const shared = new CompiledPopulation(ninePathwayDefinition, members, 2);
    const own = new CompiledPopulation(perLayout, members, 2);
    try {
      expect(shared.groupCount).toBe(2); // fc's lanes for the 128, ff-large its own
      expect(own.groupCount).toBe(P);
      expect(shared.parameters.names).toEqual(own.parameters.names);
      expect(shared.parameters.shapes).toEqual(own.parameters.shapes);
      const rng = Rng.derive(77, 1);
      for (let n = 0; n < P; n++) {
        const w = own.exportWeights(n);
        for (const p of Object.keys(w)) w[p] = w[p].map(() => (2 * rng.float() - 1) * 1.5);
        own.importWeights(n, w);
        shared.importWeights(n, w);
      }
      // garbage where a network has no pathway: the shared lanes must hold it at zero anyway
      const absent = shared.parameters.names.map((name, k) => {
        const ps = shared.parameters.values[k].length / P;
        return members.map((m, n) => (name in ninePathwayDefinition.parameters(m.arch, { channels: 2, inputs: 8, outputs: 5 }) ? null : [n * ps, (n + 1) * ps]));
      });
      absent.forEach((ranges, k) => ranges.forEach((r) => r && shared.parameters.values[k].fill(0.75, r[0], r[1])));
      shared.parameters.commit();
      const { inputs: I, outputs: O } = own;
      for (const B of [2, 1]) {
        own.resetState(B);
        shared.resetState(B);
        for (let step = 0; step < 3; step++) {
          const obs = Float32Array.from({ length: P * B * I }, () => rng.float());
          const noise = Float32Array.from({ length: P * B * O }, () => 0.01 * rng.float());
          const qa = new Float32Array(P * B * O);
          const qb = new Float32Array(P * B * O);
          own.forward(obs, noise, qa, true);
          shared.forward(obs, noise, qb, true);
          expect(sameBits(qb, qa), `inference batch ${B} step ${step}`).toBe(true);
        }
      }
      const T = 6;
      const lengths = members.map((_, n) => 1 + ((n * 5 + 2) % T));
      const records = randomRecords(T, P, I, O, rng, lengths);
      const S = own.stateSize;
      const [oa, ob] = [new Float32Array(T * P * O), new Float32Array(T * P * O)];
      const [sa, sb] = [new Float32Array(T * P * S), new Float32Array(T * P * S)];
      own.vjp.forward(records, T, oa, sa);
      shared.vjp.forward(records, T, ob, sb);
      expect(sameBits(ob, oa)).toBe(true);
      expect(sameBits(sb, sa)).toBe(true);
      // the outputs are the float64 reference step's (within float32 rounding)
      for (let n = 0; n < P; n += 7) {
        const w = own.exportWeights(n) as NinePathwayWeights;
        let state = zeroState(all[n]);
        for (let t = 0; t < T; t++) {
          const row = t * P + n;
          state = referenceStep(all[n], w, state, records.obs.subarray(row * I, (row + 1) * I), records.tieNoise.subarray(row * O, (row + 1) * O));
          for (let k = 0; k < O; k++) expect(Math.abs(ob[row * O + k] - state.o[k])).toBeLessThan(2e-6);
        }
      }
      const cot = Float32Array.from({ length: T * P * O }, () => 2 * rng.float() - 1);
      for (let t = 0; t < T; t++) for (let n = 0; n < P; n++) if (t >= lengths[n]) cot.fill(0, (t * P + n) * O, (t * P + n + 1) * O);
      const ga = allocateLike(own.parameters);
      const gb = allocateLike(shared.parameters).map((g) => g.fill(7));
      own.vjp.backward(cot, ga);
      shared.vjp.backward(cot, gb);
      ga.forEach((g, k) => expect(sameBits(gb[k], g), `gradient of ${own.parameters.names[k]}`).toBe(true));
      absent.forEach((ranges, k) => ranges.forEach((r) => r && expect(gb[k].subarray(r[0], r[1]).every((x) => Object.is(x, 0))).toBe(true)));
      // with cotangents on the states after every step too (a loss that reads the state, e.g. output heads)
      const stateCot = Float32Array.from({ length: T * P * S }, () => 2 * rng.float() - 1);
      own.vjp.forward(records, T, oa, sa);
      shared.vjp.forward(records, T, ob, sb);
      expect(shared.reused).toBe(false);
      own.vjp.backward(cot, ga, stateCot);
      shared.vjp.backward(cot, gb, stateCot);
      ga.forEach((g, k) => expect(sameBits(gb[k], g), `gradient of ${own.parameters.names[k]} with state cotangents`).toBe(true));
    } finally {
      shared.dispose();
      own.dispose();
    }
  });

  it('the 128 + ff-large mixed: forward and VJP equal the generic tfjs path (autodiff) within float32 tolerance', () => {
    expectSameVjp(ninePathwayDefinition, members, 2, 'wasm-simd', Rng.derive(5, 9), 1.0);
  });

  it('a zero mask on a parameter the member has: its entries act as zeros whatever they hold and get gradient 0 (against tfjs autodiff with those entries zero)', () => {
    // hh's diagonal held at zero for every network with hh
    const H = 8;
    const diagonal = Uint8Array.from({ length: H * H }, (_, i) => (i % (H + 1) === 0 ? 1 : 0));
    const def: ArchitectureDefinition = { ...ninePathwayDefinition, embed: (a, sizes) => ({ into: archInfo(parseArch('fc', { channels: 2 })), ...(ninePathwayDefinition.parameters(a, sizes).hh ? { zero: { hh: diagonal } } : {}) }) };
    const specs = ['hh', 'ff', 'hh+oh', 'fc', 'hh']; // every one but ff has hh
    const members = nine(specs, 60);
    const compiled = new CompiledPopulation(def, members, 2);
    const generic = new StepPopulation(ninePathwayDefinition, members, 2);
    try {
      expect(compiled.groupCount).toBe(1);
      const rng = Rng.derive(61, 1);
      for (let n = 0; n < members.length; n++) {
        const w = generic.exportWeights(n);
        for (const p of Object.keys(w)) w[p] = w[p].map(() => 2 * rng.float() - 1);
        compiled.importWeights(n, w); // the diagonal holds values the compiled step must ignore
        if (w.hh) w.hh = w.hh.map((x, i) => (diagonal[i] ? 0 : x));
        generic.importWeights(n, w);
      }
      const P = members.length;
      const T = 5;
      const records = randomRecords(T, P, 8, 5, rng, [5, 4, 5, 3, 5]);
      const [og, oc] = [new Float32Array(T * P * 5), new Float32Array(T * P * 5)];
      generic.vjp.forward(records, T, og);
      compiled.vjp.forward(records, T, oc);
      og.forEach((x, i) => expect(Math.abs(oc[i] - x)).toBeLessThan(2e-6));
      const cot = Float32Array.from({ length: T * P * 5 }, () => 2 * rng.float() - 1);
      const [gg, gc] = [allocateLike(generic.parameters), allocateLike(compiled.parameters)];
      generic.vjp.backward(cot, gg);
      compiled.vjp.backward(cot, gc);
      const k = compiled.parameters.names.indexOf('hh');
      specs.forEach((spec, n) => {
        const row = gc[k].subarray(n * H * H, (n + 1) * H * H);
        const ref = gg[k].subarray(n * H * H, (n + 1) * H * H);
        row.forEach((x, i) => {
          if (spec !== 'ff' && diagonal[i]) expect(Object.is(x, 0)).toBe(true);
          else expect(Math.abs(x - ref[i])).toBeLessThan(1e-5);
        });
      });
      gg.forEach((g, j) => j !== k && g.forEach((x, i) => expect(Math.abs(gc[j][i] - x)).toBeLessThan(1e-5)));
    } finally {
      compiled.dispose();
      generic.dispose();
    }
  });

  it('an embedding is checked: another state size, or a zero mask of the wrong size, is refused with a line naming both members', () => {
    const wider: ArchitectureDefinition = { ...ninePathwayDefinition, embed: () => ({ into: archInfo(parseArch('fc', { channels: 2, hidden: 9 })) }) };
    expect(() => new CompiledPopulation(wider, nine(['ff', 'hh']), 2)).toThrow(/ff embeds into fc: state sizes differ \(21 and 22\)/);
    const mask: ArchitectureDefinition = { ...ninePathwayDefinition, embed: () => ({ into: archInfo(parseArch('fc', { channels: 2 })), zero: { hh: new Uint8Array(3) } }) };
    expect(() => new CompiledPopulation(mask, nine(['ff', 'hh']), 2)).toThrow(/ff embeds into fc: zero.hh must be a Uint8Array of the size of fc's parameter hh/);
  });
});

describe('gating: a chunk skips the products with the tensors fixed at zero in all its lanes', () => {
  const perLayout: ArchitectureDefinition = { ...ninePathwayDefinition, embed: undefined };
  const sizes = { channels: 2, inputs: 8, outputs: 5 };
  const sameBits = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  const fcInfo = archInfo(parseArch('fc', { channels: 2 }));
  const fcNames = Object.keys(ninePathwayDefinition.parameters(fcInfo, sizes));

  it('fc\'s program: one gated region per pathway tensor, each holding one product per weight of that tensor', () => {
    const shapes = ninePathwayDefinition.parameters(fcInfo, sizes);
    const program = lowerStep(ninePathwayDefinition, { arch: fcInfo, shapes, sizes, stateSize: ninePathwayDefinition.stateSize(fcInfo, sizes) });
    const regions = gatedRegions(program);
    expect(regions.map((r) => fcNames[r.tensor]).sort()).toEqual([...fcNames].sort());
    for (const r of regions) {
      let products = 0;
      for (let k = r.from; k < r.to; k++) if (program.ops[4 * k] !== OP.const) products++;
      expect(products, fcNames[r.tensor]).toBe(shapes[fcNames[r.tensor]].reduce((a, b) => a * b, 1));
    }
  });

  it.each([['rolled (the default)', {}], ['straight-line', { rollAbove: Infinity }]] as const)(
    'fc kernel, %s: with a tensor\'s bit set, NaN in its weights never reaches the outputs, states or other gradients, which equal the run with those weights at zero',
    (_, opts) => {
      const shapes = ninePathwayDefinition.parameters(fcInfo, sizes);
      const program = lowerStep(ninePathwayDefinition, { arch: fcInfo, shapes, sizes, stateSize: ninePathwayDefinition.stateSize(fcInfo, sizes) });
      const { bytes, reserved } = emitWasm(program, opts);
      const tensors = program.tensors!;
      const NP = program.inputs.params;
      const S = program.inputs.state;
      const gated = ['hh', 'io', 'oi'].map((name) => fcNames.indexOf(name));
      const rangeOf = (t: number): [number, number] => [tensors[t], t + 1 < tensors.length ? tensors[t + 1] : NP];
      type Exports = Record<string, ((...a: number[]) => void) & { value: number }>;
      const W = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer }; Instance: new (m: object, i: object) => { exports: Exports }; Module: new (b: Uint8Array) => object } }).WebAssembly;
      const at = (k: number): number => (1 << 18) + k * (1 << 16);
      const [params, state, obs, noise, out, stateOut, reg, outAdj, adjIn, adjOut, grad, maskAt] = Array.from({ length: 12 }, (_, k) => at(k));
      const run = (weights: 'nan' | 'zero', mask: number): { out: Float32Array; stateOut: Float32Array; adjOut: Float32Array; grad: Float32Array } => {
        const memory = new W.Memory({ initial: 24 });
        const e = new W.Instance(new W.Module(bytes), { env: { memory } }).exports;
        const f = new Float32Array(memory.buffer);
        const rng = Rng.derive(41, 2);
        for (let i = Math.ceil(reserved / 4); i < f.length; i++) f[i] = 2 * rng.float() - 1;
        for (const t of gated) {
          const [from, to] = rangeOf(t);
          f.fill(weights === 'nan' ? Number.NaN : 0, (params >> 2) + 4 * from, (params >> 2) + 4 * to);
        }
        new Int32Array(memory.buffer)[maskAt >> 2] = mask;
        e.paramsBase.value = params;
        e.chunkStride.value = NP * 16;
        e.maskBase.value = maskAt;
        e.forward(params, state, obs, noise, out, stateOut, reg);
        e.backward(params, state, obs, noise, outAdj, adjIn, adjOut, grad, reg);
        const view = (a: number, n: number): Float32Array => f.slice(a >> 2, (a >> 2) + 4 * n);
        return { out: view(out, 5), stateOut: view(stateOut, S), adjOut: view(adjOut, S), grad: view(grad, NP) };
      };
      const bits = gated.reduce((m, t) => m | (1 << t), 0);
      const skipped = run('nan', bits);
      const zero = run('zero', 0);
      const unmasked = run('nan', 0);
      expect(unmasked.out.some(Number.isNaN)).toBe(true); // without the bits the NaN weights are multiplied in
      expect(skipped.out.every(Number.isFinite) && skipped.stateOut.every(Number.isFinite) && skipped.adjOut.every(Number.isFinite)).toBe(true);
      expect(sameBits(skipped.out, zero.out)).toBe(true);
      expect(sameBits(skipped.stateOut, zero.stateOut)).toBe(true);
      expect(sameBits(skipped.adjOut, zero.adjOut)).toBe(true);
      // the gated tensors' gradient slots are left as they were (the population fixes them at zero); the others are the same bits
      const before = run('zero', -1).grad; // every bit set: no product of any tensor adds into the gradient
      for (let t = 0; t < tensors.length; t++) {
        const [from, to] = rangeOf(t);
        const a = skipped.grad.subarray(4 * from, 4 * to);
        if (gated.includes(t)) expect(sameBits(a, before.subarray(4 * from, 4 * to)), fcNames[t]).toBe(true);
        else expect(sameBits(a, zero.grad.subarray(4 * from, 4 * to)), fcNames[t]).toBe(true);
      }
    },
  );

  it('mixed and partial chunks (3 ff, 5 hh, 4 ii+oo+hi, 2 fc, interleaved): chunks hold one architecture where they can, their masks name the tensors all their networks lack, and outputs, states and gradients are the per-layout and the ungated bits', () => {
    const specs = ['ff', 'hh', 'ff', 'hh', 'hh', 'ii+oo+hi', 'ff', 'hh', 'fc', 'ii+oo+hi', 'hh', 'ii+oo+hi', 'ii+oo+hi', 'fc'];
    const members = nine(specs, 500);
    const P = members.length;
    const gatedPop = new CompiledPopulation(ninePathwayDefinition, members, 2);
    const ungated = new CompiledPopulation(ninePathwayDefinition, members, 2, 'wasm-simd', { gate: false });
    const own = new CompiledPopulation(perLayout, members, 2);
    try {
      expect(gatedPop.groupCount).toBe(1);
      // by first appearance: [ff ff ff hh] [hh hh hh hh] [ii+oo+hi × 4] [fc fc]
      const chunkSpecs = [['ff', 'hh'], ['hh'], ['ii+oo+hi'], ['fc']];
      const want = chunkSpecs.map((archs) => {
        let m = 0;
        fcNames.forEach((name, t) => {
          if (archs.every((a) => !(name in ninePathwayDefinition.parameters(archInfo(parseArch(a)), sizes)))) m |= 1 << t;
        });
        return m;
      });
      expect(Array.from(gatedPop.gateMasks[0]!)).toEqual(want);
      expect(want.filter((m) => m !== 0).length).toBe(3);
      expect(ungated.gateMasks[0]).toBeNull();
      const rng = Rng.derive(78, 1);
      for (let n = 0; n < P; n++) {
        const w = own.exportWeights(n);
        for (const p of Object.keys(w)) w[p] = w[p].map(() => (2 * rng.float() - 1) * 1.5);
        for (const m of [own, gatedPop, ungated]) m.importWeights(n, w);
      }
      const pops = [own, gatedPop, ungated];
      const { inputs: I, outputs: O } = own;
      for (const B of [3, 1]) {
        pops.forEach((m) => m.resetState(B));
        for (let step = 0; step < 3; step++) {
          const obs = Float32Array.from({ length: P * B * I }, () => rng.float());
          const noise = Float32Array.from({ length: P * B * O }, () => 0.01 * rng.float());
          const q = pops.map(() => new Float32Array(P * B * O));
          pops.forEach((m, i) => m.forward(obs, noise, q[i], true));
          expect(sameBits(q[1], q[0]) && sameBits(q[2], q[0]), `inference batch ${B} step ${step}`).toBe(true);
        }
      }
      const T = 6;
      const lengths = members.map((_, n) => 1 + ((n * 5 + 2) % T));
      const records = randomRecords(T, P, I, O, rng, lengths);
      const S = own.stateSize;
      const outs = pops.map(() => new Float32Array(T * P * O));
      const states = pops.map(() => new Float32Array(T * P * S));
      pops.forEach((m, i) => m.vjp.forward(records, T, outs[i], states[i]));
      for (const i of [1, 2]) expect(sameBits(outs[i], outs[0]) && sameBits(states[i], states[0])).toBe(true);
      const cot = Float32Array.from({ length: T * P * O }, () => 2 * rng.float() - 1);
      const stateCot = Float32Array.from({ length: T * P * S }, () => 2 * rng.float() - 1);
      for (const withState of [false, true]) {
        if (withState) pops.forEach((m, i) => m.vjp.forward(records, T, outs[i], states[i]));
        const grads = pops.map((m) => allocateLike(m.parameters));
        pops.forEach((m, i) => m.vjp.backward(cot, grads[i], withState ? stateCot : undefined));
        for (const i of [1, 2]) grads[0].forEach((g, k) => expect(sameBits(grads[i][k], g), `gradient of ${own.parameters.names[k]} (population ${i}, state cotangents ${withState})`).toBe(true));
        expect(grads[0].some((g) => g.some((x) => x !== 0))).toBe(true);
      }
    } finally {
      for (const m of [gatedPop, ungated, own]) m.dispose();
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
    // without a tape: the backward recomputes each step from the stored state
    expectSameVjp(gruDefinition, members, 2, 'wasm-simd', Rng.derive(8, 3), 1.0, 0);
  });
  it('masked RNN, ring and ring with Dale\'s law mixed: compiled forward and VJP equal the generic path', async () => {
    const { maskedRnnDefinition } = await import('@prnn/plugin-masked-rnn');
    const members = ['masked-ring1', 'masked-ring2-dale', 'masked-ring1'].map((s, n) => ({ arch: maskedRnnDefinition.resolve(s, sizes)!, seed: n }));
    for (const engine of ['interpreter', 'wasm-simd'] as const) expectSameVjp(maskedRnnDefinition, members, 2, engine, Rng.derive(9, 2), 1.0);
  });
});

describe('log and gather', () => {
  // a family whose step permutes its state with tf.gather (constant int32 indices) and takes a log
  const logGatherFamily: ArchitectureDefinition = {
    family: 'log-gather-test',
    description: 'tanh RNN with a gathered (permuted) state and log-sigmoid outputs',
    list: () => [],
    resolve: () => undefined,
    parameters: (arch, { inputs, outputs }) => ({ w_in: [inputs, arch.hidden], w_out: [arch.hidden, outputs] }),
    init: (arch, { inputs, outputs }) => ({
      w_in: Float32Array.from({ length: inputs * arch.hidden }, (_, i) => ((i % 7) - 3) / 5),
      w_out: Float32Array.from({ length: arch.hidden * outputs }, (_, i) => ((i % 5) - 2) / 3),
    }),
    stateSize: (arch) => arch.hidden,
    step: (p, h, obs, noise) => {
      const perm = tf.tensor1d([2, 0, 1, 1], 'int32');
      const z = tf.add(tf.matMul(obs, p.w_in as tf.Tensor3D), tf.slice(tf.gather(h, perm, 2), [0, 0, 0], [-1, -1, 3]));
      const next = tf.tanh(z) as tf.Tensor3D;
      const y = tf.log(tf.add(tf.sigmoid(tf.matMul(next, p.w_out as tf.Tensor3D)), 0.25));
      return { output: tf.softmax(noise ? tf.add(y, noise) : y) as tf.Tensor3D, state: next };
    },
  };
  const arch = { family: 'log-gather-test', name: 'lg', hidden: 3, parameters: 0 };

  it('tf.log and tf.gather lower (no generic fallback), and the compiled forward and VJP equal tfjs autodiff on both engines', () => {
    const program = lowerStep(logGatherFamily, { arch, shapes: { w_in: [8, 3], w_out: [3, 5] }, sizes: { channels: 2, inputs: 8, outputs: 5 }, stateSize: 3 });
    expect(Array.from({ length: program.ops.length / 4 }, (_, k) => program.ops[4 * k])).toContain(OP.log);
    const members = [0, 1, 2, 3, 4].map((seed) => ({ arch, seed }));
    for (const engine of ['interpreter', 'wasm-simd'] as const) expectSameVjp(logGatherFamily, members, 2, engine, Rng.derive(12, 1), 1.0);
  });

  it('the emitted log: ln of positive floats within float32 rounding of Math.log, and its special values', () => {
    const xs = [1e-30, 1e-5, 0.1, 0.5, 0.70710677, 0.9999, 1, 1.0001, 1.41421354, 1.5, 2, 3, 10, 12345.678, 3e30, 0, -0, -1, Infinity, Number.NaN];
    // out = log(obs), one program over one obs value; four values per call in the lanes
    const b = new ProgramBuilder({ params: 0, state: 0, obs: 1, noise: 1 });
    const program = b.finish([b.unary(OP.log, 0)], []);
    const kernel = compileStep(program, 'wasm-simd');
    const at = Math.ceil(kernel.reserved / 16) * 16;
    kernel.grow(at + 4096);
    for (let k = 0; k < xs.length; k += 4) {
      const f = kernel.view();
      for (let l = 0; l < 4; l++) f[at / 4 + l] = xs[k + l] ?? 1;
      kernel.forward(at, at, at, at + 16, at + 32, at + 48, at + 64);
      for (let l = 0; l < 4 && k + l < xs.length; l++) {
        const x = Math.fround(xs[k + l]);
        const got = kernel.view()[at / 4 + 8 + l];
        const want = Math.log(x);
        if (Number.isNaN(want)) expect(got, `ln ${x}`).toBeNaN();
        else if (!Number.isFinite(want)) expect(got, `ln ${x}`).toBe(want);
        else expect(Math.abs(got - want), `ln ${x}`).toBeLessThanOrEqual(4e-7 * Math.max(Math.abs(want), 1e-4));
      }
    }
  });
});

describe('loop rolling (wasm-roll.ts)', () => {
  /** Every byte of memory after forward + backward over three steps from the same seeded memory. */
  function runModule(bytes: Uint8Array, reserved: number): Uint8Array {
    const W = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer }; Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => void> }; Module: new (b: Uint8Array) => object } }).WebAssembly;
    const memory = new W.Memory({ initial: 48 });
    const e = new W.Instance(new W.Module(bytes), { env: { memory } }).exports;
    const f = new Float32Array(memory.buffer);
    const rng = Rng.derive(31, 1);
    for (let i = Math.ceil(reserved / 4); i < f.length; i++) f[i] = 3 * rng.float() - 1.5;
    const at = (k: number): number => (1 << 18) + k * (1 << 17);
    for (let t = 0; t < 3; t++) {
      e.forward(at(0), at(1 + t), at(5), at(6), at(7), at(2 + t), at(8));
      e.backward(at(0), at(1 + t), at(5), at(6), at(9), at(10), at(11), at(12), at(8));
    }
    return new Uint8Array(memory.buffer).slice();
  }
  const sizes = { channels: 2, inputs: 8, outputs: 5 };
  const layouts = [
    ['fc, H = 8', parseArch('fc', { channels: 2 })],
    ['hh+oh, H = 16', parseArch('hh+oh', { channels: 2, hidden: 16 })],
    ['ff, H = 3', parseArch('ff', { channels: 2, hidden: 3 })],
  ] as const;

  it.each(layouts)('%s: the rolled module (every period, every run) leaves the same bits in memory as the straight-line one, in fewer bytes', (_, nine) => {
    const info = archInfo(nine);
    const program = lowerStep(ninePathwayDefinition, {
      arch: info,
      shapes: ninePathwayDefinition.parameters(info, sizes),
      sizes,
      stateSize: ninePathwayDefinition.stateSize(info, sizes),
    });
    const plain = emitWasm(program, { rollAbove: Infinity });
    const rolled = emitWasm(program, { rollAbove: 0, roll: { maxPeriod: 160, minRunBytes: 0 } });
    const defaults = emitWasm(program);
    expect(rolled.reserved).toBe(plain.reserved);
    expect(rolled.bytes.length).toBeLessThan(plain.bytes.length);
    // fc at H = 8 (the paper's training kernel) rolls by default to a quarter of its straight-line size
    if (nine.hidden === 8) expect(defaults.bytes.length).toBeLessThan(0.3 * plain.bytes.length);
    const want = runModule(plain.bytes, plain.reserved);
    // the last forward wrote its policy (softmax: each network's 5 outputs in (0, 1), summing to 1), so the
    // comparison below compares computed values
    const out = new Float32Array(want.buffer, (1 << 18) + 7 * (1 << 17), 20);
    for (let l = 0; l < 4; l++) expect([0, 1, 2, 3, 4].reduce((sum, o) => sum + out[4 * o + l], 0)).toBeCloseTo(1, 5);
    expect(Buffer.compare(runModule(rolled.bytes, rolled.reserved), want)).toBe(0);
    expect(Buffer.compare(runModule(defaults.bytes, defaults.reserved), want)).toBe(0);
  });
});

describe('fallback, cache, registration, training', () => {
  const eluFamily: ArchitectureDefinition = {
    family: 'elu-test',
    description: 'a tanh-free RNN whose step uses tf.elu (a kernel the compiler does not know)',
    list: () => [],
    resolve: () => undefined,
    parameters: (arch, { inputs, outputs }) => ({ w_in: [inputs, arch.hidden], w_out: [arch.hidden, outputs] }),
    init: (arch, { inputs, outputs }) => ({ w_in: new Float32Array(inputs * arch.hidden).fill(0.1), w_out: new Float32Array(arch.hidden * outputs).fill(0.1) }),
    stateSize: (arch) => arch.hidden,
    step: (p, h, obs, noise) => {
      const next = tf.elu(tf.add(tf.matMul(obs, p.w_in as tf.Tensor3D), h)) as tf.Tensor3D;
      const z = tf.matMul(next, p.w_out as tf.Tensor3D);
      return { output: tf.softmax(noise ? tf.add(z, noise) : z) as tf.Tensor3D, state: next };
    },
  };
  const eluArch = { family: 'elu-test', name: 'elu', hidden: 3, parameters: 0 };

  it('a step with an unknown kernel (tf.elu) is refused by the lowering, and the compiled kernel falls back to generic saying so once on stderr', () => {
    expect(() => lowerStep(eluFamily, { arch: eluArch, shapes: { w_in: [8, 3], w_out: [3, 5] }, sizes: { channels: 2, inputs: 8, outputs: 5 }, stateSize: 3 })).toThrow(UnsupportedStepError);
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      lines.push(String(s));
      return true;
    }) as typeof process.stderr.write;
    try {
      const kernel = compiledPopulationKernel(eluFamily);
      for (let k = 0; k < 2; k++) {
        const model = kernel.create([{ arch: eluArch, seed: 1 }], { channels: 2 });
        expect(model.implementation).toBe('generic');
        model.dispose();
      }
    } finally {
      process.stderr.write = write;
    }
    expect(lines).toEqual(['prnn: family elu-test: the step compiler does not know tfjs kernel Elu; it trains on the generic tfjs path\n']);
  });

  it('the cache: the same program is emitted once, then served from memory; a new process (memory cleared) reads it from disk', async () => {
    const { gruDefinition } = await import('@prnn/plugin-gru');
    const arch = gruDefinition.resolve('gru', { channels: 2, hidden: 5 })!;
    const before = { ...compilerStats };
    const a = new CompiledPopulation(gruDefinition, [{ arch, seed: 1 }], 2);
    const b = new CompiledPopulation(gruDefinition, [{ arch, seed: 2 }, { arch, seed: 3 }], 2);
    expect(compilerStats.emitted - before.emitted).toBe(1);
    expect(compilerStats.memoryHits - before.memoryHits).toBe(1);
    expect(readdirSync(cacheDir).some((f) => f.endsWith('.wasm'))).toBe(true);
    clearCompileMemoryCache();
    const c = new CompiledPopulation(gruDefinition, [{ arch, seed: 1 }], 2);
    expect(compilerStats.emitted - before.emitted).toBe(1);
    expect(compilerStats.diskHits - before.diskHits).toBe(1);
    // the module read back computes what the emitted one did
    const obs = Float32Array.from({ length: 8 }, (_, j) => j / 8);
    const qa = new Float32Array(5);
    const qc = new Float32Array(5);
    for (const [m, q] of [[a, qa], [c, qc]] as const) {
      m.resetState(1);
      m.forward(obs, null, q, true);
      m.forward(obs, null, q, true);
    }
    expect(qc).toEqual(qa);
    // another hidden size is another program
    const d = new CompiledPopulation(gruDefinition, [{ arch: gruDefinition.resolve('gru', { channels: 2, hidden: 4 })!, seed: 1 }], 2);
    expect(compilerStats.emitted - before.emitted).toBe(2);
    for (const m of [a, b, c, d]) m.dispose();
  });

  it("the cache key holds the emitter's code: its fingerprint is the hash of the emitter modules as this build has them", () => {
    // recomputed here from the files (an emitter changed without a new EMITTER_VERSION gets other keys, so a
    // module cached by another build is never read as this one's)
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/compiler');
    const hash = createHash('sha256').update(`prnn-step-compiler/${EMITTER_VERSION}\n`);
    for (const name of ['wasm-emit', 'wasm-roll', 'program']) hash.update(readFileSync(path.join(dir, `${name}.ts`)));
    expect(emitterFingerprint()).toBe(hash.digest('hex').slice(0, 16));
    expect(EMITTER_MODULES).toEqual(['wasm-emit', 'wasm-roll', 'program']);
  });

  it('registration: a family defined by its step gets the compiled path first (its default); the 9-pathway family registers it (its only kernel path)', async () => {
    const { createContainer } = await import('../src/sdk/container.js');
    const { builtinPlugins } = await import('../src/builtins/index.js');
    const { plugin } = await import('@prnn/plugin-gru');
    const registry = createContainer([...builtinPlugins(), plugin]);
    expect(registry.kernels('gru').paths()).toEqual(['generic', 'compiled']);
    expect(registry.kernels('gru').resolvePath(undefined)).toBe('compiled');
    expect(registry.kernels('nine-pathway').paths()).toEqual(['generic', 'compiled']);
    expect(registry.kernels('nine-pathway').resolvePath(undefined)).toBe('compiled');
  });
});

describe('training on the compiled path', () => {
  it('lowrank-r2 and GRU: a short DQN run on the compiled path ends with the weights of the generic path (same seeds)', async () => {
    const { resolveTaskOptions } = await import('@prnn/env');
    const { trainRun } = await import('../src/training/train-run.js');
    const { dqnLearner } = await import('../src/learners/dqn.js');
    const { KernelSet } = await import('../src/sdk/kernel.js');
    const { lowRankArchitecture } = await import('@prnn/plugin-lowrank-rnn');
    const { gruArchitecture } = await import('@prnn/plugin-gru');
    const task = resolveTaskOptions('track', {});
    for (const architecture of [lowRankArchitecture, gruArchitecture]) {
      const kernels = new KernelSet(architecture.family, [compiledPopulationKernel(architecture.definition)]);
      const spec = architecture === lowRankArchitecture ? 'lowrank-r2' : 'gru';
      const members = [0, 1, 2, 3, 4].map((seed) => ({ arch: architecture.resolve(spec, { channels: task.channels, hidden: 8 })!, seed }));
      const config = dqnLearner.configure(task, { episodes: 10, curvePoints: 1, testMazes: 4 });
      const base = { task, architecture, kernels, members, learner: dqnLearner, config, runSeed: 3, backend: 'cpu', population: 5 };
      const compiled = await trainRun({ ...base, path: 'compiled' });
      const generic = await trainRun({ ...base, path: 'generic' });
      compiled.trained.forEach((r, n) => {
        const g = generic.trained[n];
        for (const [name, w] of Object.entries(g.weights)) {
          let moved = 0;
          let diff = 0;
          const init = architecture.createPopulation([members[n]], { channels: task.channels }).exportWeights(0)[name];
          for (let j = 0; j < w.length; j++) {
            moved = Math.max(moved, Math.abs(w[j] - init[j]));
            diff = Math.max(diff, Math.abs(r.weights[name][j] - w[j]));
          }
          expect(moved, `${spec} network ${n} ${name} trained`).toBeGreaterThan(1e-4);
          expect(diff, `${spec} network ${n} ${name}`).toBeLessThan(1e-4 * Math.max(1, moved));
        }
      });
    }
  });
});

describe('the compiled population\'s Adam update (WebAssembly)', () => {
  it('gives the same bits as PopulationOptimizer\'s JavaScript Adam, with clipping, over several steps', async () => {
    const { PopulationOptimizer } = await import('../src/training/population-optimizer.js');
    const { gruDefinition } = await import('@prnn/plugin-gru');
    const arch = gruDefinition.resolve('gru', { channels: 2, hidden: 4 })!;
    const model = new CompiledPopulation(gruDefinition, [0, 1, 2].map((seed) => ({ arch, seed })), 2);
    try {
      expect(model.parameters.adam).toBeDefined();
      const plain = { names: model.parameters.names, shapes: model.parameters.shapes, values: model.parameters.values.map((v) => v.slice()), commit: () => {} };
      const settings = { lr: 1e-3, beta1: 0.9, beta2: 0.999, adamEpsilon: 1e-8, clip: 1 };
      const fast = new PopulationOptimizer(model.parameters, 3, settings);
      const slow = new PopulationOptimizer(plain, 3, settings);
      const rng = Rng.derive(11, 1);
      const fastGrads = model.parameters.adam!.allocateGradients!();
      for (let step = 0; step < 4; step++) {
        const grads = model.parameters.values.map((v) => Float32Array.from(v, () => (2 * rng.float() - 1) * (step === 2 ? 5 : 0.1)));
        grads.forEach((g, k) => fastGrads[k].set(g));
        fast.step(fastGrads);
        slow.step(grads);
        model.parameters.values.forEach((v, k) => expect(v).toEqual(plain.values[k]));
      }
      // and the weights a network exports are the updated ones
      expect(model.exportWeights(1).w_h).not.toEqual(new StepPopulation(gruDefinition, [{ arch, seed: 1 }], 2).exportWeights(0).w_h);
    } finally {
      model.dispose();
    }
  });
});

describe('the rollout reused by the VJP', () => {
  it('a batch-1 rollout is recorded on the tape; vjp.forward over the same episode reuses it, with the same outputs and gradients as computing it afresh', async () => {
    const { gruDefinition } = await import('@prnn/plugin-gru');
    const { allocateLike } = await import('../src/sdk/population-model.js');
    const arch = gruDefinition.resolve('gru', { channels: 2, hidden: 5 })!;
    const members = [0, 1, 2, 3, 4].map((seed) => ({ arch, seed }));
    const P = members.length;
    const rng = Rng.derive(21, 1);
    const T = 6;
    const records = {
      steps: T,
      population: P,
      obs: Float32Array.from({ length: T * P * 8 }, () => rng.float()),
      tieNoise: Float32Array.from({ length: T * P * 5 }, () => 0.01 * rng.float()),
      lengths: new Int32Array(P).fill(T),
    };
    const cot = Float32Array.from({ length: T * P * 5 }, () => 2 * rng.float() - 1);
    const run = (rollout: boolean, tamper: boolean) => {
      const model = new CompiledPopulation(gruDefinition, members, 2);
      try {
        for (let episode = 0; episode < 2; episode++) {
          // the first episode grows the recording; the second is recorded
          model.resetState(1);
          if (rollout) {
            const q = new Float32Array(P * 5);
            for (let t = 0; t < T; t++) {
              model.forward(records.obs.subarray(t * P * 8, (t + 1) * P * 8), records.tieNoise.subarray(t * P * 5, (t + 1) * P * 5), q, true);
              // a Q' forward without advancing, as the DQN runs between steps
              model.forward(Float32Array.from({ length: P * 8 }, () => rng.float()), null, q, false);
            }
          }
        }
        const episode = tamper ? { ...records, obs: records.obs.map((x, j) => (j === 17 ? x + 1 : x)) } : records;
        const outputs = new Float32Array(T * P * 5);
        model.vjp.forward(episode, T, outputs);
        const reused = model.reused;
        const gradients = allocateLike(model.parameters);
        model.vjp.backward(cot, gradients);
        return { outputs, gradients, reused };
      } finally {
        model.dispose();
      }
    };
    const fresh = run(false, false);
    const reused = run(true, false);
    const tampered = run(true, true);
    const freshTampered = run(false, true);
    expect(fresh.reused).toBe(false);
    expect(reused.reused).toBe(true);
    expect(tampered.reused).toBe(false);
    expect(reused.outputs).toEqual(fresh.outputs);
    reused.gradients.forEach((g, k) => expect(g).toEqual(fresh.gradients[k]));
    expect(tampered.outputs).toEqual(freshTampered.outputs);
    tampered.gradients.forEach((g, k) => expect(g).toEqual(freshTampered.gradients[k]));
  });
});
