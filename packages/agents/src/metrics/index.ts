export * from './record-trials.js';
export * from './measure-run.js';
