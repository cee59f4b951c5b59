// Statistics (SPEC §4).
export * from './stats/normal.js';
export * from './stats/mann-whitney-u.js';
export * from './stats/benjamini-hochberg.js';
