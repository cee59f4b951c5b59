// Compiles the AssemblyScript hot paths into generated modules: assembly/vector-env.ts (WebAssembly with SIMD;
// where a runtime has no SIMD the module does not validate and VectorEnv runs its JavaScript path, the same
// numbers) into src/vector-env-wasm.generated.ts, and assembly/greedy-actions.ts (plain WebAssembly) into
// src/greedy-actions-wasm.generated.ts, and assembly/population-draws.ts (SIMD) into
// src/population-draws-wasm.generated.ts.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedAssemblyScript } from '../../../scripts/embed-assemblyscript.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await embedAssemblyScript({
  root,
  source: 'assembly/vector-env.ts',
  target: 'src/vector-env-wasm.generated.ts',
  constName: 'VECTOR_ENV_WASM_BASE64',
  flags: ['--enable', 'simd'],
});
await embedAssemblyScript({
  root,
  source: 'assembly/greedy-actions.ts',
  target: 'src/greedy-actions-wasm.generated.ts',
  constName: 'GREEDY_ACTIONS_WASM_BASE64',
});
await embedAssemblyScript({
  root,
  source: 'assembly/population-draws.ts',
  target: 'src/population-draws-wasm.generated.ts',
  constName: 'POPULATION_DRAWS_WASM_BASE64',
  flags: ['--enable', 'simd'],
});
