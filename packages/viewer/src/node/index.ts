// @prnn/viewer (Node side): the sources, loopback server, static build and browser driver behind `prnn view`.
export * from '../shared/viewer-config.js';
export * from './viewer-source.js';
export * from './app-dir.js';
export * from './viewer-server.js';
export * from './static-viewer.js';
export * from './chromium.js';
export * from './bench-viewer.js';
