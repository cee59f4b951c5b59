// @prnn/bench: prnn's speed benchmarks and the recorded reference figures they are compared with.
export * from './env-bench.js';
