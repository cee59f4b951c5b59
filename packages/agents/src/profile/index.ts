export * from './phase-times.js';
