// @prnn/agents/testing: the conformance suite for plugin authors.
export * from './conformance.js';
