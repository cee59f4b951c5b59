import { PrnnError } from '@prnn/core';
import {
  archFromFlags,
  hasPathway,
  largeFeedForward,
  OPTIONAL_PATHWAYS,
  parameterCount,
  parseArch,
  pathwayShape,
  PATHWAYS,
  type NinePathwayArch,
  type NinePathwayWeights,
  type Pathway,
  type PathwayFlags,
} from '../architectures/nine-pathway/family.js';
import type { ArchInfo, OnnxMetadata } from '../sdk/architecture.js';
import type { NodeSpec, TensorSpec } from './onnx-proto-writer.js';
import { encodePolicyModel } from './encode-policy.js';
import { exportedHeads } from '../sdk/output-heads.js';
import {
  contractMetadata,
  META,
  POLICY_ACTIONS,
  POLICY_INPUTS,
  POLICY_OUTPUTS,
} from './policy-contract.js';

/** State carried by an exported 9-pathway policy: [x (I), h (H), o (O)] (DESIGN.md). */
export function ninePathwayStateSize(arch: NinePathwayArch): number {
  return arch.inputs + arch.hidden + arch.outputs;
}

/** Resolves an ArchInfo of the 9-pathway family (from a run manifest or the registry) at `channels`. */
export function ninePathwayArchFromInfo(info: ArchInfo, channels: number): NinePathwayArch {
  if (info.family !== undefined && info.family !== 'nine-pathway') {
    throw new PrnnError(`architecture family must be nine-pathway to export with this exporter (got ${info.family})`);
  }
  if (info.name === 'ff-large') return largeFeedForward({ hidden: info.hidden, channels });
  if (info.flags) {
    const flags = {} as PathwayFlags;
    for (const p of OPTIONAL_PATHWAYS) flags[p] = Boolean(info.flags[p]);
    return archFromFlags(flags, { hidden: info.hidden, channels });
  }
  return parseArch(info.name, { hidden: info.hidden, channels });
}

function isNinePathwayArch(a: ArchInfo | NinePathwayArch): a is NinePathwayArch {
  return (a as NinePathwayArch).inputs !== undefined && (a as NinePathwayArch).outputs !== undefined;
}

function checkWeights(arch: NinePathwayArch, weights: Readonly<Record<string, Float32Array | undefined>>): void {
  for (const p of PATHWAYS) {
    if (!hasPathway(arch, p)) continue;
    const [a, b] = pathwayShape(arch, p);
    const w = weights[p];
    if (!(w instanceof Float32Array) || w.length !== a * b) {
      const got = w instanceof Float32Array ? `${w.length} values` : 'none';
      throw new PrnnError(
        `weights of ${arch.name} must include pathway ${p} as a Float32Array of ${a}×${b} = ${a * b} values (got ${got})`,
      );
    }
  }
}

/**
 * Builds the ONNX graph of one step of a 9-pathway network (docs/spec.md §2 without the tie-breaking noise):
 *
 *     x = obs + x⁻·W_ii + o⁻·W_oi + h⁻·W_hi      h = relu(x·W_ih + h⁻·W_hh + o⁻·W_oh)
 *     q = softmax(h·W_ho + o⁻·W_oo + x·W_io)      state_out = [x, h, q]
 *
 * with [x⁻, h⁻, o⁻] sliced from `state`; absent pathways are simply left out of the graph.
 * `metadata` is merged into the model's metadata_props after the architecture's own entries.
 */
export function buildNinePathwayOnnx(
  arch: NinePathwayArch,
  weights: NinePathwayWeights | Readonly<Record<string, Float32Array>>,
  metadata: OnnxMetadata = {},
): Uint8Array {
  checkWeights(arch, weights);
  return ninePathwayModel(arch, weights, metadata);
}

/**
 * The same graph as buildNinePathwayOnnx with each present pathway's weights as a graph input `W_<pathway>`
 * [A, B] instead of an initialiser, so that one session runs any network of `arch` (WeightFedPolicy).
 * Not a prnn-policy/1 model (it has extra inputs); for in-process evaluation only.
 */
export function buildNinePathwayWeightFedOnnx(arch: NinePathwayArch): Uint8Array {
  return ninePathwayModel(arch, null, {});
}

/** Names and shapes of the weight inputs of buildNinePathwayWeightFedOnnx(arch), in graph order. */
export function ninePathwayWeightInputs(arch: NinePathwayArch): { readonly name: string; readonly pathway: Pathway; readonly dims: [number, number] }[] {
  return PATHWAYS.filter((p) => hasPathway(arch, p)).map((p) => ({ name: `W_${p}`, pathway: p, dims: pathwayShape(arch, p) as [number, number] }));
}

function ninePathwayModel(
  arch: NinePathwayArch,
  weights: NinePathwayWeights | Readonly<Record<string, Float32Array>> | null,
  metadata: OnnxMetadata,
): Uint8Array {
  const { inputs: I, hidden: H, outputs: O } = arch;
  if (O !== POLICY_ACTIONS) throw new PrnnError(`outputs must be ${POLICY_ACTIONS} (got ${O})`);
  const S = I + H + O;
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const int64 = (name: string, v: number): void => {
    initializers.push({ name, dims: [1], data: BigInt64Array.of(BigInt(v)) });
  };

  const prev: Record<'i' | 'h' | 'o', string> = { i: 'x_prev', h: 'h_prev', o: 'o_prev' };
  const offsets: Record<'i' | 'h' | 'o', [number, number]> = { i: [0, I], h: [I, I + H], o: [I + H, S] };
  const sliced = new Set<'i' | 'h' | 'o'>();
  const previous = (layer: 'i' | 'h' | 'o'): string => {
    if (!sliced.has(layer)) {
      if (sliced.size === 0) int64('axis1', 1);
      sliced.add(layer);
      const [start, end] = offsets[layer];
      int64(`${prev[layer]}_start`, start);
      int64(`${prev[layer]}_end`, end);
      nodes.push({
        opType: 'Slice',
        name: `slice_${prev[layer]}`,
        inputs: [POLICY_INPUTS.state, `${prev[layer]}_start`, `${prev[layer]}_end`, 'axis1'],
        outputs: [prev[layer]],
      });
    }
    return prev[layer];
  };
  const matmul = (from: string, p: Pathway): string => {
    const [a, b] = pathwayShape(arch, p);
    const wName = `W_${p}`;
    if (weights) initializers.push({ name: wName, dims: [a, b], data: weights[p] as Float32Array }); // encodeOnnxModel copies it into the model
    const out = `${from}_${wName}`;
    nodes.push({ opType: 'MatMul', name: `matmul_${out}`, inputs: [from, wName], outputs: [out] });
    return out;
  };
  /** Sums `terms` into `out` with a chain of Add nodes (or an Identity for a single term). */
  const sum = (terms: string[], out: string): string => {
    if (terms.length === 1) {
      nodes.push({ opType: 'Identity', name: `identity_${out}`, inputs: terms, outputs: [out] });
      return out;
    }
    let acc = terms[0];
    for (let k = 1; k < terms.length; k++) {
      const name = k === terms.length - 1 ? out : `${out}_partial${k}`;
      nodes.push({ opType: 'Add', name: `add_${name}`, inputs: [acc, terms[k]], outputs: [name] });
      acc = name;
    }
    return out;
  };

  // Input layer (linear): the sensed vector plus the recurrent pathways into i.
  const xTerms: string[] = [POLICY_INPUTS.obs];
  if (arch.flags.ii) xTerms.push(matmul(previous('i'), 'ii'));
  if (arch.flags.oi) xTerms.push(matmul(previous('o'), 'oi'));
  if (arch.flags.hi) xTerms.push(matmul(previous('h'), 'hi'));
  const x = sum(xTerms, 'x');
  // Hidden layer.
  const hTerms: string[] = [matmul(x, 'ih')];
  if (arch.flags.hh) hTerms.push(matmul(previous('h'), 'hh'));
  if (arch.flags.oh) hTerms.push(matmul(previous('o'), 'oh'));
  const hPre = sum(hTerms, 'h_pre');
  nodes.push({ opType: 'Relu', name: 'relu_h', inputs: [hPre], outputs: ['h'] });
  // Output layer.
  const zTerms: string[] = [matmul('h', 'ho')];
  if (arch.flags.oo) zTerms.push(matmul(previous('o'), 'oo'));
  if (arch.flags.io) zTerms.push(matmul(x, 'io'));
  const z = sum(zTerms, 'z');
  nodes.push({
    opType: 'Softmax',
    name: 'softmax_q',
    inputs: [z],
    outputs: [POLICY_OUTPUTS.q],
    attributes: [{ name: 'axis', value: 1 }],
  });
  nodes.push({
    opType: 'Concat',
    name: 'concat_state_out',
    inputs: [x, 'h', POLICY_OUTPUTS.q],
    outputs: [POLICY_OUTPUTS.stateOut],
    attributes: [{ name: 'axis', value: 1 }],
  });

  const flagsText = OPTIONAL_PATHWAYS.map((p) => (arch.flags[p] ? '1' : '0')).join('');
  const meta = contractMetadata(I, S, {
    [META.family]: 'nine-pathway',
    [META.architecture]: arch.name,
    [META.referenceIndex]: String(arch.referenceIndex),
    [META.flags]: `${OPTIONAL_PATHWAYS.join(',')}=${flagsText}`,
    [META.hidden]: String(H),
    [META.channels]: String(I / 4),
    [META.parameters]: String(parameterCount(arch)),
    ...metadata,
  });

  return encodePolicyModel({
    graphName: `prnn_${arch.name}`,
    docString: `prnn 9-pathway network ${arch.name} (H = ${H}); ${meta[META.contract]}: obs [batch, ${I}], state [batch, ${S}] → q [batch, ${O}], state_out [batch, ${S}]`,
    metadata: meta,
    nodes,
    initializers,
    obsSize: I,
    stateSize: S,
    ...(weights ? { heads: exportedHeads(weights, S) } : { weightInputs: ninePathwayWeightInputs(arch).map(({ name, dims }) => ({ name, dims })) }),
  });
}

/**
 * The Architecture plugin hook (`exportOnnx`): one 9-pathway network as an ONNX policy. `arch` may be the
 * registry's ArchInfo (resolved at `channels`) or a NinePathwayArch; `weights` maps pathway names to
 * row-major [A, B] arrays.
 */
export function exportNinePathwayOnnx(
  arch: ArchInfo | NinePathwayArch,
  weights: Readonly<Record<string, Float32Array>>,
  metadata: OnnxMetadata,
  channels: number,
): Uint8Array {
  const resolved = isNinePathwayArch(arch) ? arch : ninePathwayArchFromInfo(arch, channels);
  if (resolved.inputs !== 4 * channels) {
    throw new PrnnError(`channels must match the architecture's ${resolved.inputs / 4} channels (got ${channels})`);
  }
  return buildNinePathwayOnnx(resolved, weights, metadata);
}
