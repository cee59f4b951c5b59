export * from './phase-times.js';
export * from './projection.js';
