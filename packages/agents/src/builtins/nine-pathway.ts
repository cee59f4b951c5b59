import { createNinePathwayArchitecture } from '../architectures/nine-pathway/architecture.js';
import { compiledPopulationKernel } from '../compiler/kernel.js';
import { simdAvailable } from '../compiler/simd-support.js';
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
 * runtime's WebAssembly has SIMD, `compiled` (the family's step compiled, the 128 architectures in fc's
 * lanes: the default path; elsewhere the generic tfjs population is the default), and the weight-fed ONNX
 * model that tests a population in one onnxruntime session per architecture.
 */
export const ninePathwayPlugin = definePlugin({
  manifest: {
    name: '@prnn/agents/nine-pathway',
    version: BUILTIN_VERSION, package: '@prnn/agents',
    description: 'the 128 partially recurrent architectures of Ghosh & Goodman, plus ff-large',
  },
  module: ({ bind }) => {
    bind<Architecture>(TYPES.Architecture).toConstantValue(ninePathwayArchitecture);
    if (simdAvailable()) bind<Kernel>(TYPES.Kernel).toConstantValue(compiledPopulationKernel(ninePathwayArchitecture.definition));
    bind<Kernel>(TYPES.Kernel).toConstantValue(weightFedOnnxKernel(ninePathwayArchitecture));
  },
});
