import { createNinePathwayArchitecture } from '../architectures/nine-pathway/architecture.js';
import { fusedPopulationKernel, fusedSquaredErrorKernel } from '../architectures/nine-pathway/fused/fused-kernels.js';
import { simdPopulationKernel, simdSquaredErrorKernel } from '../architectures/nine-pathway/wasm/simd-kernels.js';
import { simdAvailable } from '../architectures/nine-pathway/wasm/simd-module.js';
import { compiledPopulationKernel } from '../compiler/kernel.js';
import { weightFedOnnxKernel } from '../onnx/weight-fed-onnx.js';
import type { Architecture } from '../sdk/architecture.js';
import type { Kernel } from '../sdk/kernel.js';
import { definePlugin } from '../sdk/plugin.js';
import { TYPES } from '../sdk/tokens.js';
import { BUILTIN_VERSION } from './version.js';

/** The family's Architecture (one object, whichever registry loads the plugin). */
export const ninePathwayArchitecture = createNinePathwayArchitecture();

/**
 * The 9-pathway family and its kernels, registered exactly as a third-party plugin would be: where this
 * runtime's WebAssembly has SIMD, `compiled` first (the family's step compiled, the 128 architectures in fc's
 * lanes: the default path) and the hand-written `wasm-simd` kernel; then the JavaScript `fused` one, and the
 * weight-fed ONNX model that tests a population in one onnxruntime session per architecture.
 */
export const ninePathwayPlugin = definePlugin({
  manifest: {
    name: '@prnn/agents/nine-pathway',
    version: BUILTIN_VERSION, package: '@prnn/agents',
    description: 'the 128 partially recurrent architectures of Ghosh & Goodman, plus ff-large',
  },
  module: ({ bind }) => {
    bind<Architecture>(TYPES.Architecture).toConstantValue(ninePathwayArchitecture);
    if (simdAvailable()) {
      bind<Kernel>(TYPES.Kernel).toConstantValue(compiledPopulationKernel(ninePathwayArchitecture.definition));
      bind<Kernel>(TYPES.Kernel).toConstantValue(simdPopulationKernel);
      bind<Kernel>(TYPES.Kernel).toConstantValue(simdSquaredErrorKernel);
    }
    bind<Kernel>(TYPES.Kernel).toConstantValue(fusedPopulationKernel);
    bind<Kernel>(TYPES.Kernel).toConstantValue(fusedSquaredErrorKernel);
    bind<Kernel>(TYPES.Kernel).toConstantValue(weightFedOnnxKernel(ninePathwayArchitecture));
  },
});
