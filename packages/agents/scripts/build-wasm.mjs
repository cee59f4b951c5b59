// Compiles assembly/nine-pathway-simd.ts (AssemblyScript with SIMD) into
// src/architectures/nine-pathway/wasm/simd-binary.generated.ts.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedAssemblyScript } from '../../../scripts/embed-assemblyscript.mjs';

await embedAssemblyScript({
  root: join(dirname(fileURLToPath(import.meta.url)), '..'),
  source: 'assembly/nine-pathway-simd.ts',
  target: 'src/architectures/nine-pathway/wasm/simd-binary.generated.ts',
  constName: 'NINE_PATHWAY_SIMD_WASM_BASE64',
  flags: ['--enable', 'simd'],
});
