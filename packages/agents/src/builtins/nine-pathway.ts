import { createNinePathwayArchitecture } from '../architectures/nine-pathway/architecture.js';
import { fusedPopulationKernel, fusedSquaredErrorKernel } from '../architectures/nine-pathway/fused/fused-kernels.js';
import type { Architecture } from '../sdk/architecture.js';
import type { Kernel } from '../sdk/kernel.js';
import { definePlugin } from '../sdk/plugin.js';
import { TYPES } from '../sdk/tokens.js';
import { BUILTIN_VERSION } from './version.js';

/** The family's Architecture (one object, whichever registry loads the plugin). */
export const ninePathwayArchitecture = createNinePathwayArchitecture();

/** The 9-pathway family and its fused kernels, registered exactly as a third-party plugin would be. */
export const ninePathwayPlugin = definePlugin({
  manifest: {
    name: '@prnn/agents/nine-pathway',
    version: BUILTIN_VERSION, package: '@prnn/agents',
    description: 'the 128 partially recurrent architectures of Ghosh & Goodman, plus ff-large',
  },
  module: ({ bind }) => {
    bind<Architecture>(TYPES.Architecture).toConstantValue(ninePathwayArchitecture);
    bind<Kernel>(TYPES.Kernel).toConstantValue(fusedPopulationKernel);
    bind<Kernel>(TYPES.Kernel).toConstantValue(fusedSquaredErrorKernel);
  },
});
