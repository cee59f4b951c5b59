// Compiles assembly/vector-env.ts (AssemblyScript, plain WebAssembly without SIMD, so it runs wherever
// WebAssembly does) into src/vector-env-wasm.generated.ts.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedAssemblyScript } from '../../../scripts/embed-assemblyscript.mjs';

await embedAssemblyScript({
  root: join(dirname(fileURLToPath(import.meta.url)), '..'),
  source: 'assembly/vector-env.ts',
  target: 'src/vector-env-wasm.generated.ts',
  constName: 'VECTOR_ENV_WASM_BASE64',
});
