// The Node entry: the browser-safe modules (browser.ts, the "browser" export condition) and those that use the
// file system.
export * from './browser.js';
export * from './maze-file.js';
