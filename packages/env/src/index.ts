// The Node entry: the browser-safe modules (browser.ts, the "browser" export condition) and those that use the
// file system.
export * from './browser.js';
export * from './write-file-atomic.js';
export * from './system-errors.js';
export * from './test-fault.js';
export * from './make-directories.js';
export * from './maze-file.js';
