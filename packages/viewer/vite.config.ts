import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { noNodeBuiltins } from './no-node-builtins.js';

// The page is built from TypeScript sources of @prnn/core and @prnn/env ("browser" condition: no Node-only modules) and
// @prnn/agents/browser; onnxruntime-web's wasm binary is emitted into the build (no CDN), base './' so the
// static build works under any path (GitHub Pages).
export const viewerConditions = ['browser', 'source', ...defaultClientConditions];

export default defineConfig({
  root: fileURLToPath(new URL('./src/app', import.meta.url)),
  base: './',
  logLevel: 'warn',
  plugins: [noNodeBuiltins()],
  resolve: { conditions: viewerConditions },
  worker: { format: 'es', plugins: () => [noNodeBuiltins()] },
  build: {
    outDir: fileURLToPath(new URL('./dist/app', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
});
