// Greedy evaluation of policies (ONNX via onnxruntime-node, or an Architecture's own model) over noise sweeps.
export * from './q-engine.js';
export * from './noise-spec.js';
export * from './session-policy.js';
export * from './onnx-policy.js';
export * from './native-heap.js';
export * from './weight-fed-policy.js';
export * from './policy-sessions.js';
export * from './trial-recorder.js';
export * from './policy-evaluator.js';
export * from './population-engine.js';
export * from './compiled-engine.js';
export * from './reference-engine.js';
export * from './evaluate-run.js';
export * from './eval-memory.js';
export * from './evaluate-in-workers.js';
