// ONNX export: the prnn policy contract, a minimal ONNX writer/reader, the 9-pathway exporter, run export.
export * from './policy-contract.js';
export * from './onnx-proto-writer.js';
export * from './onnx-metadata-reader.js';
export * from './nine-pathway-onnx.js';
export * from './export-run.js';
export * from './onnx-graph-reader.js';
export * from './encode-policy.js';
export * from './split-state-policy.js';
export * from './weight-fed-onnx.js';
