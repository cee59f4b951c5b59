// The Node entry of @prnn/core: the browser-safe modules (browser.ts, the "browser" export condition) and those
// that use Node built-ins.
export * from './browser.js';
export * from './system-errors.js';
export * from './test-fault.js';
export * from './write-file-atomic.js';
export * from './make-directories.js';
