// Benchmark figures: the reference's recorded speeds, FLOP counts for the roofline, memory per network.
export * from './reference-figures.js';
export * from './episode-flops.js';
export * from './bench-memory.js';
