// Peak memory of training, measured: `prnn train` of 256 FC networks with the 1 000-maze tests in one thread,
// minus a one-network run (the runtime itself), against the estimate the command prints. One JSON line.
// A benchmark, not a test: a peak resident set depends on the machine, its load and the garbage collector.
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// prints the process's peak resident set (kB) on exit, after the CLI has finished
const PEAK_RSS = 'data:text/javascript,process.on("exit",()=>process.stderr.write("peak-rss-kb "+process.resourceUsage().maxRSS+"\\n"))';
const dir = mkdtempSync(join(tmpdir(), 'prnn-bench-memory-'));

function train(seeds, testMazes) {
  const args = ['--import', PEAK_RSS, join(root, 'bin', 'run.js'), 'train', '--arch', 'fc', '--seeds', String(seeds), '--episodes', '10',
    '--curve-points', '1', '--checkpoint-every', '10', '--test-mazes', String(testMazes), '--maze', 'track', '--workers', '1', '--json', '--out', join(dir, `run-${seeds}`)];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`prnn train failed: ${r.stderr}`);
  return { peak: Number(/peak-rss-kb (\d+)/.exec(r.stderr)[1]) * 1024, estimate: JSON.parse(r.stdout).memoryBytes };
}

try {
  const base = train(1, 1);
  const full = train(256, 1000);
  const grown = full.peak - base.peak;
  console.log(JSON.stringify({ networks: 256, testMazes: 1000, grownBytes: grown, estimateBytes: full.estimate, estimateOverMeasured: full.estimate / grown, targetBytes: 64 * 1024 * 1024 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
