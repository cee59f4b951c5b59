// The browser-safe entry of @prnn/env (the "browser" export condition): every module but those that touch the
// file system (maze files), which index.ts adds. The shared utilities (errors, RNG, CRC, statistics) are
// @prnn/core's. A new module that imports no
// Node built-in belongs here; packages/viewer/test/browser-bundle.test.ts checks that this bundles for a browser.
export * from './task-options.js';
export * from './maze-set.js';
export * from './bfs.js';
export * from './general-maze.js';
export * from './corridor-maze.js';
export * from './track-maze.js';
export * from './h-maze.js';
export * from './generate.js';
export * from './maze-codec.js';
export * from './stats.js';
export * from './render-ascii.js';
export * from './render-svg.js';
export * from './shortest-path.js';
export * from './scoring.js';
export * from './spaces.js';
export * from './actions.js';
export * from './env-api.js';
export * from './env.js';
export * from './registry.js';
export * from './vector-env.js';
export * from './greedy-actions.js';
export * from './population-draws.js';
export * from './wrappers.js';
