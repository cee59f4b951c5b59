import { PrnnError } from '@prnn/core';
import { WEIGHT_FED_ONNX_OPERATION, type WeightFedOnnxKernel, type WeightFedOnnxModel } from '../sdk/kernel.js';
import type { ArchInfo } from '../sdk/architecture.js';
import { buildNinePathwayWeightFedOnnx, ninePathwayArchFromInfo, ninePathwayWeightInputs } from './nine-pathway-onnx.js';

/**
 * The 9-pathway family's weight-fed ONNX model: the graph of `exportNinePathwayOnnx` with the pathways'
 * weights as inputs (onnxruntime computes the same MatMuls either way; the tests compare the two bit for bit
 * over the 129 configurations).
 */
export const ninePathwayWeightFedKernel: WeightFedOnnxKernel = {
  family: 'nine-pathway',
  operation: WEIGHT_FED_ONNX_OPERATION,
  name: 'onnx-weight-fed',
  description: 'one ONNX model per 9-pathway architecture, weights as graph inputs',
  model(info: ArchInfo, channels: number): WeightFedOnnxModel {
    const arch = ninePathwayArchFromInfo(info, channels);
    const inputs = ninePathwayWeightInputs(arch);
    return {
      bytes: buildNinePathwayWeightFedOnnx(arch),
      key: `${arch.name}/${arch.inputs}/${arch.hidden}/${inputs.map((w) => w.pathway).join(',')}`,
      feeds: (weights) =>
        inputs.map(({ name, pathway, dims }) => {
          const data = weights[pathway];
          if (!(data instanceof Float32Array) || data.length !== dims[0] * dims[1]) {
            throw new PrnnError(`weights of ${arch.name} must include pathway ${pathway} as a Float32Array of ${dims[0]}×${dims[1]} values`);
          }
          return { name, data, dims };
        }),
    };
  },
};
