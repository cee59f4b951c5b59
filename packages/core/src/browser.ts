// The browser-safe entry of @prnn/core (the "browser" export condition): every module but those that use Node
// built-ins (system-error messages, the test-fault hook, atomic writes, directory creation), which index.ts adds.
// A new module that imports no Node built-in belongs here; packages/viewer/test/browser-bundle.test.ts checks
// that this bundles for a browser.
export * from './errors.js';
export * from './rng.js';
export * from './crc32.js';
export * from './statistics.js';
