import { PrnnError } from '@prnn/core';
import { archInfo } from '../architectures/nine-pathway/arch-info.js';
import { ninePathwayDefinition } from '../architectures/nine-pathway/architecture.js';
import type { NinePathwayArch, NinePathwayWeights } from '../architectures/nine-pathway/family.js';
import type { OnnxMetadata } from '../sdk/architecture.js';
import { exportStepOnnx } from '../sdk/step-onnx.js';

/** State carried by an exported 9-pathway policy: [x (I), h (H), o (O)] (DESIGN.md). */
export function ninePathwayStateSize(arch: NinePathwayArch): number {
  return arch.inputs + arch.hidden + arch.outputs;
}

/**
 * The ONNX policy of one 9-pathway network (docs/spec.md §2 without the tie-breaking noise): the family's
 * step (`ninePathwayStep`) traced to ONNX like any family's (sdk/step-onnx.ts), so that the graph reads
 *
 *     [x⁻, h⁻, o⁻] = Split(state)     x = obs + x⁻·W_ii + o⁻·W_oi + h⁻·W_hi      h = relu(x·W_ih + h⁻·W_hh + o⁻·W_oh)
 *     q = softmax(h·W_ho + o⁻·W_oo + x·W_io)      state_out = Concat(x, h, q)
 *
 * with absent pathways left out and pathway `ab`'s weights in initializer `param_ab` [A, B]. `metadata` is
 * merged into the model's metadata_props after the architecture's own entries (family, name, reference index,
 * flags, sizes).
 */
export function buildNinePathwayOnnx(
  arch: NinePathwayArch,
  weights: NinePathwayWeights | Readonly<Record<string, Float32Array>>,
  metadata: OnnxMetadata = {},
): Uint8Array {
  if (arch.inputs % 4 !== 0) throw new PrnnError(`inputs of ${arch.name} must be 4 × channels (got ${arch.inputs})`);
  return exportStepOnnx(ninePathwayDefinition, archInfo(arch), weights as Readonly<Record<string, Float32Array>>, metadata, arch.inputs / 4);
}
