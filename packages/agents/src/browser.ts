// `@prnn/agents/browser`: the browser-safe part of the package — the policy contract, any-binding ONNX policy
// (SessionPolicy, given onnxruntime-web), the greedy PolicyEvaluator with its noise streams, and the trial
// recorder. Nothing here imports a Node built-in, tfjs or onnxruntime-node (packages/viewer/test checks it).
export * from './onnx/policy-contract.js';
export * from './onnx/onnx-metadata-reader.js';
export * from './sdk/streams.js';
export * from './eval/q-engine.js';
export * from './eval/noise-spec.js';
export * from './eval/session-policy.js';
export * from './eval/policy-evaluator.js';
export * from './eval/trial-recorder.js';
