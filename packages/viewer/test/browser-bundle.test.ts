import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import { describe, expect, it } from 'vitest';
import * as coreBrowser from '../../core/src/browser.js';
import * as coreNode from '../../core/src/index.js';
import * as envBrowser from '../../env/src/browser.js';
import * as envNode from '../../env/src/index.js';
import { noNodeBuiltins } from '../no-node-builtins.js';
import { viewerConditions } from '../vite.config.js';

// @prnn/core, @prnn/env and @prnn/agents/browser must bundle for the browser without any Node built-in; the
// viewer's own build fails on one (noNodeBuiltins), and this test shows that the check bites: the Node entries of
// @prnn/env (maze files) and @prnn/core (atomic writes, system errors) pull in node:fs.
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
import { PrnnError, Rng, crc32, median, quantile } from '@prnn/core';
import { generateMazeSet, VectorEnv, resolveTaskOptions, make } from '@prnn/env';
import { PolicyEvaluator, SessionPolicy, TrialRecorder, parseNoiseSpec } from '@prnn/agents/browser';
export const used = [PrnnError, Rng, crc32, median, quantile, generateMazeSet, VectorEnv, resolveTaskOptions, make, PolicyEvaluator, SessionPolicy, TrialRecorder, parseNoiseSpec];
`;

describe('browser bundle', () => {
  it('@prnn/core and @prnn/env ("browser" condition) and @prnn/agents/browser import no Node built-in', async () => {
    expect(await builtinsImported(USES, viewerConditions)).toEqual([]);
  });

  it('the check finds node:fs in the Node entry of @prnn/env', async () => {
    const found = await builtinsImported(`export * from '@prnn/env';`, ['source', 'module']);
    expect(found.some((line) => line.startsWith('node:fs'))).toBe(true);
  });

  it('the check finds node:fs in the Node entry of @prnn/core', async () => {
    const found = await builtinsImported(`export * from '@prnn/core';`, ['source', 'module']);
    expect(found.some((line) => line.startsWith('node:fs'))).toBe(true);
  });

  it('the browser entries export everything but the file-system and process helpers', () => {
    const coreNodeOnly = [
      'writeFileAtomic', 'makeDirectories', 'removeEmptyDirectories',
      // system-error lines, write probes and free space (node:fs), the test hook that signals the process
      'EXPLAINED_SYSTEM_ERRORS', 'systemErrorInfo', 'systemErrorParts', 'systemErrorMessage', 'explainSystemError',
      'probeWritableDirectory', 'availableBytes', 'testFaultPoint', 'markFileOperation',
    ];
    const coreMissing = Object.keys(coreNode).filter((name) => !(name in coreBrowser));
    expect(coreMissing.sort()).toEqual([...coreNodeOnly].sort());
    expect(Object.keys(coreBrowser).every((name) => name in coreNode)).toBe(true);
    const envMissing = Object.keys(envNode).filter((name) => !(name in envBrowser));
    expect(envMissing.sort()).toEqual(['loadMazeSet', 'saveMazeSet']);
    expect(Object.keys(envBrowser).every((name) => name in envNode)).toBe(true);
  });

  it('@prnn/env re-exports none of @prnn/core', () => {
    expect(Object.keys(envNode).filter((name) => name in coreNode)).toEqual([]);
  });
});
