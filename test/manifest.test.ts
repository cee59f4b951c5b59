import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-cli.js';

// oclif finds commands through the committed oclif.manifest.json; a command added or changed without
// regenerating it is invisible or shows stale flags. This builds the manifest from the compiled commands
// the way `oclif manifest` does (same Plugin options), in a plain Node process so that the compiled
// commands load the compiled libraries (vitest's "source" condition would send them to .ts files).
const GENERATE = `
import { Plugin } from '@oclif/core';
const plugin = new Plugin({ root: process.argv[1], type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
await plugin.load();
process.stdout.write(JSON.stringify(plugin.manifest));
`;

function freshManifest(): { commands: Record<string, unknown> } {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', GENERATE, REPO_ROOT], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (result.status !== 0) throw new Error(`manifest generation failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}
describe('oclif.manifest.json', () => {
  it('is current (else run: npx tsc -b && npm run manifest)', async () => {
    const fresh = freshManifest();
    const committed = JSON.parse(await readFile(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8'));
    const freshIds = Object.keys(fresh.commands).sort();
    const committedIds = Object.keys(committed.commands).sort();
    const missing = freshIds.filter((id) => !committedIds.includes(id));
    const gone = committedIds.filter((id) => !freshIds.includes(id));
    expect({ missing, gone }, 'commands missing from / no longer in oclif.manifest.json: run npx tsc -b && npm run manifest').toEqual({ missing: [], gone: [] });
    expect(committed, 'oclif.manifest.json is stale: run npx tsc -b && npm run manifest').toEqual(fresh);
    expect(Object.keys(fresh.commands)).toEqual(expect.arrayContaining(['env:render', 'env:stats', 'env:bench']));
  });

  it('gives every command a description, examples and described flags', async () => {
    const committed = JSON.parse(await readFile(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8'));
    for (const [id, command] of Object.entries<{ description?: string; examples?: unknown[]; flags: Record<string, { description?: string }> }>(committed.commands)) {
      expect(command.description, id).toBeTruthy();
      expect(command.examples?.length, id).toBeGreaterThan(0);
      for (const [name, flag] of Object.entries(command.flags)) expect(flag.description, `${id} --${name}`).toBeTruthy();
    }
  });

  it('describes every topic in package.json (else `prnn --help` shows a command\'s summary for it)', async () => {
    const committed = JSON.parse(await readFile(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8'));
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8'));
    const topics = [...new Set(Object.keys(committed.commands).filter((id) => id.includes(':')).map((id) => id.split(':')[0]))].sort();
    expect(topics).toEqual(expect.arrayContaining(['bench', 'env']));
    for (const topic of topics) expect(pkg.oclif.topics?.[topic]?.description, topic).toBeTruthy();
  });
});

describe('command help', () => {
  it('points only at files that exist in the repository', async () => {
    const text = await readFile(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8');
    const files = [...new Set([...text.matchAll(/\b((?:docs|packages|scripts)\/[\w./-]+\.\w+|README\.md)\b/g)].map((m) => m[1]))];
    expect(files).toContain('README.md');
    for (const file of files) await expect(readFile(join(REPO_ROOT, file)), file).resolves.toBeDefined();
  });
});
