// Packs prnn for use outside this repository: `npm run pack -- <dir>` writes the tarballs of @prnn/core, @prnn/env,
// @prnn/agents, @prnn/analysis, @prnn/bench, @prnn/sweeps, @prnn/viewer and the prnn CLI into <dir> (default ./packs) and prints their paths, one a line.
// Install them together in another project: npm install <dir>/prnn-core-*.tgz <dir>/prnn-env-*.tgz <dir>/prnn-agents-*.tgz <dir>/prnn-analysis-*.tgz <dir>/prnn-bench-*.tgz <dir>/prnn-sweeps-*.tgz <dir>/prnn-viewer-*.tgz <dir>/prnn-*.tgz
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dest = resolve(process.argv[2] ?? join(root, 'packs'));
try {
  mkdirSync(dest);
} catch (error) {
  if (error.code !== 'EEXIST') throw error;
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pack = (args) =>
  JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', dest, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
for (const p of [...pack(['-w', 'packages/core', '-w', 'packages/env', '-w', 'packages/agents', '-w', 'packages/analysis', '-w', 'packages/bench', '-w', 'packages/sweeps', '-w', 'packages/viewer']), ...pack([])]) console.log(join(dest, p.filename));
