/**
 * Output heads: extra linear readouts of a network's recurrent state that a learner asks for (an actor-critic's
 * value V_t = s_t·W + b), trained with the network and exported to ONNX as extra outputs the policy contract
 * ignores. See docs/guides/learners.md ("Output heads").
 *
 * The seam is the model's vector-Jacobian product: a model that declares `stateSize` writes the state after
 * every step (`vjp.forward(…, states)`) and takes its cotangents (`vjp.backward(…, stateCotangents)`), so a head
 * is plain arithmetic here, on every implementation with such a VJP (the compiled step of any family defined by
 * its step, the 9-pathway family's included; the generic step population), with no kernel of its own.
 * `withOutputHeads` wraps such a model: acting (`forward`) is the network's; the VJP's rows are the O policy
 * outputs then the heads' values; the parameters are the network's then, per head, `head.<name>.weight`
 * [P, S, K] and `head.<name>.bias` [P, K] (zero at start), so optimisers, checkpoints and weight files carry them.
 */
import { PrnnError } from '@prnn/core';
import type { AdamConstants, AdamUpdate, EpisodeVjp, PopulationModel, PopulationParameters } from './population-model.js';
import { allocateLike } from './population-model.js';
import { createAdamStore } from '../compiler/adam-wasm.js';

/** A head a learner asks for: `size` values per step read linearly from the recurrent state. */
export interface OutputHead {
  /** Name (letters, digits, `_`): parameters `head.<name>.weight`/`.bias`, ONNX output `head_<name>`. */
  readonly name: string;
  /** Values per step (1 for a value head). */
  readonly size: number;
}

/** Prefix of every head parameter's name. */
export const HEAD_PARAMETER_PREFIX = 'head.';

/** The ONNX output a head is exported as (after the contract's `q` and `state_out`, which evaluation reads). */
export function headOutputName(name: string): string {
  return `head_${name}`;
}

/** The names of a head's weight ([S, size] per network) and bias ([size]). */
export function headParameterNames(name: string): { readonly weight: string; readonly bias: string } {
  return { weight: `${HEAD_PARAMETER_PREFIX}${name}.weight`, bias: `${HEAD_PARAMETER_PREFIX}${name}.bias` };
}

/** Checks a list of heads (names unique and well formed, sizes positive integers). */
export function checkOutputHeads(heads: readonly OutputHead[]): void {
  const seen = new Set<string>();
  for (const h of heads) {
    if (typeof h?.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(h.name)) throw new PrnnError(`an output head needs a name of letters, digits and _ (got ${JSON.stringify(h?.name)})`);
    if (seen.has(h.name)) throw new PrnnError(`output head ${h.name} is declared twice`);
    seen.add(h.name);
    if (!Number.isInteger(h.size) || h.size < 1) throw new PrnnError(`output head ${h.name} needs a size that is an integer ≥ 1 (got ${h.size})`);
  }
}

/** One head as an exporter writes it: its ONNX output reads `state_out` ([batch, S]) as state_out·weight + bias. */
export interface ExportedHead {
  readonly output: string;
  readonly size: number;
  /** Row-major [S, size]. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

/**
 * The heads present in one network's `weights` (parameters `head.<name>.weight`/`.bias`), for a state of size S:
 * a weight stored for a larger (padded) state keeps its first S rows. Empty when the weights have no head.
 */
export function exportedHeads(weights: Readonly<Record<string, Float32Array | undefined>>, stateSize: number): ExportedHead[] {
  const out: ExportedHead[] = [];
  for (const key of Object.keys(weights)) {
    const m = /^head\.([A-Za-z][A-Za-z0-9_]*)\.weight$/.exec(key);
    if (!m) continue;
    const w = weights[key] as Float32Array;
    const b = weights[headParameterNames(m[1]).bias];
    if (!(b instanceof Float32Array) || b.length < 1 || w.length % b.length !== 0 || w.length / b.length < stateSize) {
      throw new PrnnError(`head ${m[1]}: weights ${key} (${w.length} values) and its bias must be [S ≥ ${stateSize}, K] and [K]`);
    }
    out.push({ output: headOutputName(m[1]), size: b.length, weight: w.subarray(0, stateSize * b.length), bias: b });
  }
  return out;
}

/** A population with output heads (see the module comment); what `withOutputHeads` returns. */
export interface HeadedPopulationModel extends PopulationModel {
  readonly heads: readonly OutputHead[];
  readonly headOutputs: number;
  readonly stateSize: number;
  readonly vjp: EpisodeVjp;
  /** The wrapped model (acting, the network's parameters). */
  readonly base: PopulationModel;
}

/**
 * `model` with `heads` (see the module comment). The model needs a VJP that reads and takes states
 * (`stateSize` declared: the compiled path and the generic step population have one).
 */
export function withOutputHeads(model: PopulationModel, heads: readonly OutputHead[]): HeadedPopulationModel {
  checkOutputHeads(heads);
  const vjp = model.vjp;
  const S = model.stateSize;
  if (!vjp || S === undefined) {
    throw new PrnnError(`output heads need a population whose vector-Jacobian product reads the recurrent state; the ${model.implementation} path of family ${model.family} has none (choose the compiled path)`);
  }
  const P = model.population;
  const O = model.outputs;
  const K = heads.reduce((a, h) => a + h.size, 0);
  const W = O + K;
  const nb = model.parameters.values.length;
  const headNames = heads.flatMap((h) => {
    const n = headParameterNames(h.name);
    return [n.weight, n.bias];
  });
  const headShapes = heads.flatMap((h) => [[P, S, h.size], [P, h.size]]);
  const headLengths = headShapes.map((s) => s.reduce((a, b) => a * b, 1));
  const base = model.parameters;
  const baseAdam = base.adam;
  // with the network's own Adam update, the heads get theirs: values, gradients and moments in one WebAssembly
  // memory, updated there with the optimiser's float32 operations in its order (zeros at start)
  const headStore = baseAdam ? createAdamStore(headLengths, P) : undefined;
  const headValues = headStore ? headStore.values : headLengths.map((l) => new Float32Array(l));
  const headAdam = headStore?.adam;
  // the network's part of a parameter-aligned array list (cached by identity: no allocation per step)
  const partCache = new WeakMap<readonly Float32Array[], readonly Float32Array[]>();
  const networkPart = (xs: readonly Float32Array[]): readonly Float32Array[] => {
    let p = partCache.get(xs);
    if (!p) {
      p = xs.slice(0, nb);
      partCache.set(xs, p);
    }
    return p;
  };
  const headCache = new WeakMap<readonly Float32Array[], readonly Float32Array[]>();
  const headPart = (xs: readonly Float32Array[]): readonly Float32Array[] => {
    let p = headCache.get(xs);
    if (!p) {
      p = xs.slice(nb);
      headCache.set(xs, p);
    }
    return p;
  };
  const f = Math.fround;
  const adam: AdamUpdate | undefined = baseAdam && headAdam && {
    allocateMoments() {
      const { m, v } = baseAdam.allocateMoments();
      const heads = headAdam.allocateMoments();
      return { m: [...m, ...heads.m], v: [...v, ...heads.v] };
    },
    allocateGradients() {
      return [...(baseAdam.allocateGradients?.() ?? allocateLike(base)), ...(headAdam.allocateGradients?.() ?? headValues.map((x) => new Float32Array(x.length)))];
    },
    step(gradients, m, v, coef, c: AdamConstants) {
      baseAdam.step(networkPart(gradients), networkPart(m), networkPart(v), coef, c);
      headAdam.step(headPart(gradients), headPart(m), headPart(v), coef, c);
    },
    ...(baseAdam.gradientNorms
      ? {
          gradientNorms(gradients: readonly Float32Array[], norms: Float32Array) {
            baseAdam.gradientNorms!(networkPart(gradients), norms);
            for (let n = 0; n < P; n++) {
              let sq = f(norms[n] * norms[n]);
              for (let i = 0; i < headValues.length; i++) {
                const g = gradients[nb + i];
                const per = g.length / P;
                let sum = 0;
                for (let j = n * per, end = j + per; j < end; j++) sum += f(g[j] * g[j]);
                sq = f(sq + f(sum));
              }
              norms[n] = f(Math.sqrt(sq));
            }
          },
        }
      : {}),
  };
  const parameters: PopulationParameters = {
    names: [...base.names, ...headNames],
    shapes: [...base.shapes, ...headShapes],
    values: [...base.values, ...headValues],
    commit: () => base.commit(),
    ...(adam ? { adam } : {}),
  };

  // VJP scratch, grown to the longest episode
  let outs = new Float32Array(0);
  let states = new Float32Array(0);
  let cot = new Float32Array(0);
  let stateCot = new Float32Array(0);
  let lastSteps = -1;
  const grow = (steps: number): void => {
    if (outs.length >= steps * P * O) return;
    outs = new Float32Array(steps * P * O);
    states = new Float32Array(steps * P * S);
    cot = new Float32Array(steps * P * O);
    stateCot = new Float32Array(steps * P * S);
  };
  const headVjp: EpisodeVjp = {
    forward(episode, steps, outputs) {
      if (outputs.length < steps * P * W) throw new PrnnError(`outputs must have at least steps·P·(O + heads) = ${steps * P * W} values (got ${outputs.length})`);
      grow(steps);
      // the scratch as local constants (closure variables that grow would be reloaded in the loops)
      const [net, st] = [outs, states];
      vjp.forward(episode, steps, net, st);
      // row r = t·P + n: the policy's O outputs, then each head's s_r·w_n + b_n (summed in double, j in order)
      for (let r = 0, n = 0; r < steps * P; r++, n = n + 1 === P ? 0 : n + 1) {
        const row = r * W;
        const rs = r * S;
        for (let k = 0, x = r * O; k < O; k++, x++) outputs[row + k] = net[x];
        let at = row + O;
        for (let h = 0; h < heads.length; h++) {
          const Kh = heads[h].size;
          const w = headValues[2 * h];
          const b = headValues[2 * h + 1];
          for (let k = 0; k < Kh; k++) {
            let y = b[n * Kh + k];
            for (let j = 0, x = rs, z = n * S * Kh + k; j < S; j++, x++, z += Kh) y += st[x] * w[z];
            outputs[at + k] = y;
          }
          at += Kh;
        }
      }
      lastSteps = steps;
    },
    backward(cotangents, gradients) {
      const steps = lastSteps;
      if (steps < 0) throw new PrnnError('vjp.backward needs a vjp.forward over the episode first');
      lastSteps = -1;
      if (cotangents.length < steps * P * W) throw new PrnnError(`cotangents must have at least steps·P·(O + heads) = ${steps * P * W} values (got ${cotangents.length})`);
      if (gradients.length !== nb + headValues.length) throw new PrnnError(`expected ${nb + headValues.length} gradient arrays (got ${gradients.length})`);
      for (let i = 0; i < headValues.length; i++) gradients[nb + i].fill(0);
      const [st, sc, netCot] = [states, stateCot, cot];
      sc.fill(0, 0, steps * P * S);
      for (let r = 0, n = 0; r < steps * P; r++, n = n + 1 === P ? 0 : n + 1) {
        const row = r * W;
        const rs = r * S;
        for (let k = 0, x = r * O; k < O; k++, x++) netCot[x] = cotangents[row + k];
        let at = row + O;
        for (let h = 0; h < heads.length; h++) {
          const Kh = heads[h].size;
          const w = headValues[2 * h];
          const dw = gradients[nb + 2 * h];
          const db = gradients[nb + 2 * h + 1];
          for (let k = 0; k < Kh; k++) {
            const c = cotangents[at + k];
            if (c === 0) continue;
            db[n * Kh + k] += c;
            for (let j = 0, x = rs, z = n * S * Kh + k; j < S; j++, x++, z += Kh) {
              dw[z] += c * st[x];
              sc[x] += c * w[z];
            }
          }
          at += Kh;
        }
      }
      vjp.backward(netCot, networkPart(gradients), sc);
    },
  };

  const headOf = (name: string): number => headNames.indexOf(name);
  return {
    family: model.family,
    implementation: model.implementation,
    population: P,
    inputs: model.inputs,
    outputs: O,
    parameters,
    stateSize: S,
    headOutputs: K,
    heads,
    base: model,
    vjp: headVjp,
    resetState: (batch) => model.resetState(batch),
    forward: (obs, noise, q, advance) => model.forward(obs, noise, q, advance),
    retireRows: model.retireRows?.bind(model),
    exportWeights(n) {
      const out = model.exportWeights(n);
      headValues.forEach((v, i) => {
        const per = v.length / P;
        out[headNames[i]] = v.slice(n * per, (n + 1) * per);
      });
      return out;
    },
    importWeights(n, weights) {
      const own: Record<string, Float32Array> = {};
      for (const [name, w] of Object.entries(weights)) {
        if (name.startsWith(HEAD_PARAMETER_PREFIX)) continue;
        own[name] = w;
      }
      for (const name of headNames) {
        const i = headOf(name);
        const w = weights[name];
        const per = headValues[i].length / P;
        if (!(w instanceof Float32Array) || w.length !== per) throw new PrnnError(`weights.${name} must be a Float32Array of ${per} values (got ${w ? w.length : 'none'})`);
      }
      model.importWeights(n, own);
      for (const name of headNames) {
        const i = headOf(name);
        const per = headValues[i].length / P;
        headValues[i].set(weights[name], n * per);
      }
    },
    dispose: () => model.dispose(),
  };
}
