import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import { describe, expect, it } from 'vitest';
import * as envBrowser from '../../env/src/browser.js';
import * as envNode from '../../env/src/index.js';
import { noNodeBuiltins } from '../no-node-builtins.js';
import { viewerConditions } from '../vite.config.js';

// @prnn/env and @prnn/agents/browser must bundle for the browser without any Node built-in; the viewer's own
// build fails on one (noNodeBuiltins), and this test shows that the check bites: the Node entry of @prnn/env
// (index.ts, with maze files and atomic writes) pulls in node:fs.
const root = fileURLToPath(new URL('..', import.meta.url));

function entry(code: string): Plugin {
  return {
    name: 'test-entry',
    resolveId: (id) => (id === 'virtual:entry' ? '\0entry' : null),
    load: (id) => (id === '\0entry' ? code : null),
  };
}

async function builtinsImported(code: string, conditions: string[]): Promise<string[]> {
  const found: string[] = [];
  await build({
    configFile: false,
    root,
    logLevel: 'silent',
    plugins: [noNodeBuiltins(found), entry(code)],
    resolve: { conditions },
    build: { write: false, rollupOptions: { input: 'virtual:entry' }, minify: false },
  });
  return found;
}

const USES = `
import { generateMazeSet, VectorEnv, resolveTaskOptions, make } from '@prnn/env';
import { PolicyEvaluator, SessionPolicy, TrialRecorder, parseNoiseSpec } from '@prnn/agents/browser';
export const used = [generateMazeSet, VectorEnv, resolveTaskOptions, make, PolicyEvaluator, SessionPolicy, TrialRecorder, parseNoiseSpec];
`;

describe('browser bundle', () => {
  it('@prnn/env ("browser" condition) and @prnn/agents/browser import no Node built-in', async () => {
    expect(await builtinsImported(USES, viewerConditions)).toEqual([]);
  });

  it('the check finds node:fs in the Node entry of @prnn/env', async () => {
    const found = await builtinsImported(`export * from '@prnn/env';`, ['source', 'module']);
    expect(found.some((line) => line.startsWith('node:fs'))).toBe(true);
  });

  it('the browser entry exports everything but the file-system and process helpers', () => {
    const fsOnly = [
      'writeFileAtomic', 'makeDirectories', 'removeEmptyDirectories', 'saveMazeSet', 'loadMazeSet',
      // system-error lines, write probes and free space (node:fs), the test hook that signals the process
      'EXPLAINED_SYSTEM_ERRORS', 'systemErrorInfo', 'systemErrorParts', 'systemErrorMessage', 'explainSystemError',
      'probeWritableDirectory', 'availableBytes', 'testFaultPoint',
    ];
    const missing = Object.keys(envNode).filter((name) => !(name in envBrowser));
    expect(missing.every((name) => fsOnly.includes(name))).toBe(true);
    expect(missing).toContain('writeFileAtomic');
    expect(Object.keys(envBrowser).every((name) => name in envNode)).toBe(true);
  });
});
