// @prnn/sweeps: sweeps at paper scale — plans, the SQLite results store, chunked runs, Slurm, merge, export.
export * from './plan.js';
export * from './presets.js';
export * from './store-schema.js';
export * from './store.js';
export * from './file-system.js';
export * from './chunk-lock.js';
export * from './chunk-progress.js';
export * from './shards.js';
export * from './run-sweep.js';
export * from './status.js';
export * from './merge.js';
export * from './export.js';
export * from './slurm.js';
export * from './chunk-selection.js';
export * from './projection-shape.js';
export * from './read-sweep-store.js';
export * from './reproduce.js';
