// Does the training rate move along a run? One thread trains the sweep-like population of train-members.mjs
// (`mixed`: 8 architectures × 16 seeds, bench train's per-episode work on the compiled path) on a maze kind's
// default task: first untrained at the calibration's ε = 0.5 in 2-s windows from the process's start, then
// through the learner's whole ε schedule (timed per tenth of the episodes, with the mean steps per episode),
// then trained at ε = 0.5 again. Rates are network-episodes per CPU second of this thread. Needs `npm run build`.
//
//   node scripts/train-trajectory.mjs [track|general] [episodes (default: the task's)] [windows (default 5)]
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, resolve } from 'node:path';
import { trainPopulation } from './train-members.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = `${root}/packages/agents/dist`;
const url = (p) => pathToFileURL(p).href;
const maze = process.argv[2] ?? 'track';
if (maze !== 'track' && maze !== 'general') throw new Error(`maze must be track or general (got ${maze})`);
const { resolveTaskOptions } = await import('@prnn/env');
const { dqnDefaults, epsilonAt } = await import(url(`${dist}/learners/dqn-config.js`));
const { threadCpuSeconds } = await import(url(`${dist}/profile/phase-times.js`));

const bench = await trainPopulation(dist, root, maze, 'mixed');
const P = bench.model.population;
const config = dqnDefaults(resolveTaskOptions(maze, {}));
const episodes = Number(process.argv[3] ?? config.episodes);
const windows = Number(process.argv[4] ?? 5);
if (!(Number.isInteger(episodes) && episodes >= 10)) throw new Error(`episodes must be an integer ≥ 10 (got ${process.argv[3]})`);
const schedule = { ...config, episodes };
/** Network-episodes per CPU second at a fixed ε for `seconds` of this thread's CPU time. */
const atEpsilon = (epsilon, seconds) => {
  const c0 = threadCpuSeconds();
  let k = 0;
  while (threadCpuSeconds() - c0 < seconds) {
    bench.episode(epsilon);
    k++;
  }
  return (k * P) / (threadCpuSeconds() - c0);
};
const k = (v) => `${(v / 1000).toFixed(0)}k`;
const fresh = Array.from({ length: windows }, () => k(atEpsilon(0.5, 2)));
console.log(`${maze}, ${P} networks: untrained at ε = 0.5, 2-s windows: ${fresh.join(' ')}`);
const block = Math.floor(episodes / 10);
let cpu = 0;
for (let b = 0; b < 10; b++) {
  const c0 = threadCpuSeconds();
  let steps = 0;
  for (let e = b * block; e < (b + 1) * block; e++) {
    bench.episode(epsilonAt(schedule, e));
    for (let n = 0; n < P; n++) steps += bench.lengths[n];
  }
  const c = threadCpuSeconds() - c0;
  cpu += c;
  console.log(`episodes ${b * block}–${(b + 1) * block - 1} (ε ${epsilonAt(schedule, b * block).toFixed(3)}): ${k((block * P) / c)} per CPU s, ${(steps / block / P).toFixed(2)} steps per episode`);
}
console.log(`the whole schedule: ${k((10 * block * P) / cpu)} per CPU s`);
console.log(`trained, at ε = 0.5: ${k(atEpsilon(0.5, 4))} per CPU s`);
bench.dispose();
