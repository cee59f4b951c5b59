// `reproduce` on a slice of the paper's sweep, with the per-phase projection first (docs/guides/performance.md):
// the first NARCH architectures 41·b mod 128 (b = 0, 1, …) × SEEDS seeds, EPISODES episodes, the paper's
// curve, test mazes and noise sweep, chunks of 256, 2 workers. With `yes` the slice runs and the result holds
// the measured profile beside the projection; with `no` only the calibration and the projection.
// usage: node scripts/reproduce-slice.mjs DIR track|general NARCH SEEDS EPISODES yes|no OUT.json
import { writeFileSync } from 'node:fs';
const root = new URL('..', import.meta.url).pathname;
const agents = await import(`${root}packages/agents/dist/index.js`);
const { reproduce, loadSweepPlugins } = await import(`${root}packages/sweeps/dist/index.js`);
const { planFromFlags } = await import(`${root}dist/cli/sweep-plan-flags.js`);
const [dir, maze, nArch, seeds, episodes, yes, out] = process.argv.slice(2);
if (!out) throw new Error('usage: node scripts/reproduce-slice.mjs DIR track|general NARCH SEEDS EPISODES yes|no OUT.json');
process.chdir(root);
const backend = await agents.initBackend();
const registry = await loadSweepPlugins({ cwd: root });
const arch = Array.from({ length: Number(nArch) }, (_, b) => (41 * b) % 128).join(',');
const plan = await planFromFlags(registry, dir, { maze, arch, seeds: Number(seeds), episodes: Number(episodes), 'chunk-size': 256, noise: agents.PAPER_NOISE_SPEC, learner: ['dqn'] });
const r = await reproduce({ scale: 'paper', dir, plan, registry, backend, workers: 2, yes: yes === 'yes', pluginsCwd: root, hooks: { say: (l) => console.log(l) } });
const table = (p) => Object.fromEntries(Object.entries(p.phases).map(([k, v]) => [k, [+v.wallSeconds.toFixed(1), +v.cpuSeconds.toFixed(1)]]));
if (r.projection) console.log('projection (wall s, CPU s)', JSON.stringify(table(r.projection)));
if (r.profile) console.log('measured   (wall s, CPU s)', JSON.stringify(table(r.profile)));
writeFileSync(out, JSON.stringify(r, null, 1));
