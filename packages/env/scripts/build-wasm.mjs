// Compiles the AssemblyScript hot paths of assembly/ into generated modules under src/ (the .wasm embedded as
// base64): vector-env (SIMD; where a runtime has no SIMD the module does not validate and VectorEnv runs its
// JavaScript path, the same numbers), greedy-actions (plain WebAssembly) and population-draws (SIMD; without it
// PopulationDraws draws in JavaScript, the same numbers).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedAssemblyScript } from '../../../scripts/embed-assemblyscript.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIMD = ['--enable', 'simd'];
const modules = [
  ['vector-env', 'VECTOR_ENV_WASM_BASE64', SIMD],
  ['greedy-actions', 'GREEDY_ACTIONS_WASM_BASE64', []],
  ['population-draws', 'POPULATION_DRAWS_WASM_BASE64', SIMD],
];
for (const [name, constName, flags] of modules) {
  await embedAssemblyScript({ root, source: `assembly/${name}.ts`, target: `src/${name}-wasm.generated.ts`, constName, flags });
}
