import * as ort from 'onnxruntime-web/wasm';
import { SessionPolicy, type OrtRuntime } from '@prnn/agents/browser';

// One thread: SharedArrayBuffer needs cross-origin isolation, which a static host (GitHub Pages) cannot give.
// The wasm binary is the one Vite emitted into the build next to the page.
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.logLevel = 'error';

export const runtime: OrtRuntime = ort as unknown as OrtRuntime;

/** A policy of the prnn contract from the model's bytes, validated exactly as in Node (SessionPolicy). */
export function openPolicy(bytes: Uint8Array, label: string): Promise<SessionPolicy> {
  return SessionPolicy.create(runtime, bytes, {
    label,
    outputs: 'copied',
    sessionOptions: { executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 },
  });
}
