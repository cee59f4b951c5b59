// @prnn/bench: prnn's speed benchmarks (`prnn env bench`, `prnn bench train|eval|sweep|analyze`, the phase rates
// behind `prnn reproduce`'s projection) and the recorded figures they are compared with, read from the JSON files
// in packages/bench/reference/. The per-thread measurements the training workers run stay in @prnn/agents.
export * from './reference-figures.js';
export * from './episode-flops.js';
export * from './env-bench.js';
export * from './bench-memory.js';
export * from './bench-train.js';
export * from './bench-sweep.js';
export * from './bench-eval.js';
export * from './bench-sensitivity.js';
export * from './phase-rates.js';
