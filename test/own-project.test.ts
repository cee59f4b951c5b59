import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks, readDoc } from './readme-blocks.js';
import { REPO_ROOT } from './run-cli.js';

const GUIDE = 'docs/guides/own-project.md';
const SECTION = '# Using prnn from your own project';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let root: string | undefined;
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

// The install below needs the third-party packages of the tarballs (tfjs, onnxruntime-node, …): from the npm
// registry when it answers, else from npm's local cache. Where neither can serve them the test skips and says so.
const registryUp = spawnSync(npm, ['ping', '--fetch-timeout=5000', '--fetch-retries=0', '--loglevel=silent'], { timeout: 20_000 }).status === 0;
const UNSERVED = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|network/i;
const SKIP_NOTE =
  'own-project test skipped: neither the npm registry nor npm\'s cache can serve the third-party packages the tarballs depend on. ' +
  'Run it once with network access (npm ping must answer), or fill the cache with npm ci in this checkout.';

// Inherently long: packing eight tarballs and an npm install of their third-party packages take about 2 minutes on an
// idle 2-core machine (mostly the install); the limits below only stop a hung command, with room for a loaded machine.
function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 600_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('docs/guides/own-project.md: use prnn from your own project', () => {
  it('packs the workspace, installs the tarballs in a folder outside the repository, and runs its examples there', (ctx) => {
    const readme = readDoc(GUIDE);
    const [install, cli] = codeBlocks(readme, SECTION, 'sh');
    const scripts = codeBlocks(readme, SECTION, 'js');
    const [config] = codeBlocks(readme, SECTION, 'json');
    expect(install).toContain('npm run pack -- ../prnn-packs');
    expect(install).toContain('npm pkg set allowScripts.onnxruntime-node=false --json');

    root = mkdtempSync(join(tmpdir(), 'prnn-own-project-'));
    expect(root.startsWith(REPO_ROOT)).toBe(false);
    const packs = join(root, 'prnn-packs');
    // `npm run pack` is `npm run build && node scripts/pack.mjs`; the build is current (npm test built it)
    const printed = execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'pack.mjs'), packs], { encoding: 'utf8' }).trim().split('\n');
    expect(printed.map((f) => f.slice(packs.length + 1))).toEqual(['prnn-core-0.1.0.tgz', 'prnn-env-0.1.0.tgz', 'prnn-agents-0.1.0.tgz', 'prnn-analysis-0.1.0.tgz', 'prnn-bench-0.1.0.tgz', 'prnn-sweeps-0.1.0.tgz', 'prnn-viewer-0.1.0.tgz', 'prnn-0.1.0.tgz']);

    const study = join(root, 'my-study');
    mkdirSync(study);
    // the guide's `npm init`, `npm pkg set type=module` and `npm pkg set allowScripts.onnxruntime-node=false --json`
    writeFileSync(join(study, 'package.json'), `${JSON.stringify({ name: 'my-study', version: '1.0.0', type: 'module', allowScripts: { 'onnxruntime-node': false } })}\n`);
    // the guide's install line, with the tarballs it names; the third-party packages come from npm's cache
    const tarballs = /npm install (.+)$/m.exec(install)![1].split(' ').map((t) => join(study, t));
    // registry down: --offline fails at once (ENOTCACHED) on the first package the cache lacks, instead of retrying
    const installed = run(npm, ['install', registryUp ? '--prefer-offline' : '--offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], study);
    if (installed.status !== 0 && UNSERVED.test(installed.stderr)) {
      console.warn(`${SKIP_NOTE}\n${installed.stderr.trim().split('\n')[0]}`);
      ctx.skip(SKIP_NOTE);
    }
    expect(installed.status, installed.stderr).toBe(0);
    expect(readdirSync(join(study, 'node_modules', '@prnn')).sort()).toEqual(['agents', 'analysis', 'bench', 'core', 'env', 'sweeps', 'viewer']);

    // each js block names its file in its first line
    for (const source of scripts) writeFileSync(join(study, /^\/\/ (\S+)/.exec(source)![1]), source);
    writeFileSync(join(study, 'prnn.config.json'), config);
    const ran = run(process.execPath, ['study.mjs'], study);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^observation of 8 sensors on a 13×13 track\ntrained 2 networks, fitness \d\.\d{3}, \d\.\d{3}\n$/);

    const prnn = join(study, 'node_modules', '.bin', 'prnn');
    const commands = cli.split('\n').filter((l) => l.startsWith('npx prnn ')).map((l) => l.replace(/\s+#.*$/, '').split(' ').slice(2));
    const plugins = run(prnn, commands[0], study);
    expect(plugins.status, plugins.stderr).toBe(0);
    expect(plugins.stdout).toMatch(/^metric\s+sparsity\s+study-sparsity\s+study-sparsity\s+1\.0\.0$/m);
    const train = run(prnn, [...commands[1].map((a) => (a === '200' ? '20' : a)), '--test-mazes', '5', '--workers', '2'], study);
    expect(train.status, train.stderr).toBe(0);
    expect(readdirSync(join(study, 'runs', 'fc', 'networks'))).toEqual(['fc_seed0']);
  }, 900_000);
});
