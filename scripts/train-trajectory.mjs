// Does the training rate move along a run? One thread trains the sweep-like population of train-members.mjs
// (`mixed`: 8 architectures × 16 seeds, the compiled path) on a maze kind's default task: first untrained at the
// calibration's ε = 0.5 in 2-s windows from the process's start, then through the learner's whole ε schedule
// (timed per tenth of the episodes, with the mean steps per episode), then trained at ε = 0.5 again. Rates are
// network-episodes per CPU second of this thread. Needs `npm run build`.
//
//   node scripts/train-trajectory.mjs [track|general] [episodes (default: the task's)] [windows (default 5)]
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = `${root}/packages/agents/dist`;
const url = (p) => pathToFileURL(p).href;
const maze = process.argv[2] ?? 'track';
if (maze !== 'track' && maze !== 'general') throw new Error(`maze must be track or general (got ${maze})`);
const { resolveTaskOptions, MazeSet, generateMazeInto } = await import('@prnn/env');
const { initBackend } = await import(url(`${dist}/backend.js`));
const { loadPlugins } = await import(url(`${dist}/sdk/loader.js`));
const { allocateEpisodeRecords } = await import(url(`${dist}/sdk/population-model.js`));
const { dqnDefaults } = await import(url(`${dist}/learners/dqn-config.js`));
const dqn = await import(url(`${dist}/learners/dqn.js`));
const { createPopulationModel } = await import(url(`${dist}/training/create-population.js`));
const { PopulationOptimizer } = await import(url(`${dist}/training/population-optimizer.js`));
const { threadCpuSeconds } = await import(url(`${dist}/profile/phase-times.js`));
const { trainMembers } = await import('./train-members.mjs');

await initBackend(undefined);
const registry = await loadPlugins({ cwd: root });
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions(maze, {});
const members = trainMembers(architecture, task.channels, 'mixed');
const P = members.length;
const defaults = dqnDefaults(task);
const episodes = Number(process.argv[3] ?? defaults.episodes);
const windows = Number(process.argv[4] ?? 5);
if (!(Number.isInteger(episodes) && episodes >= 10)) throw new Error(`episodes must be an integer ≥ 10 (got ${process.argv[3]})`);
const config = { ...defaults, episodes };
const model = createPopulationModel({ architecture, kernels, members, task, path: 'compiled' });
const optimizer = new PopulationOptimizer(model.parameters, P, config);
const learning = dqn.allocateLearningScratch(model);
const streams = dqn.rolloutStreams(members.map((m) => m.seed));
const mazes = MazeSet.allocate(task, P);
const env = dqn.createTrainingEnv(task, config, members.map((m) => m.seed));
const records = allocateEpisodeRecords(task.steps, P, model.inputs, model.outputs);
const scratch = dqn.allocateRolloutScratch(P, model.outputs);
let steps = 0;
const episode = (settings) => {
  for (let n = 0; n < P; n++) generateMazeInto(mazes, n, streams.mazes[n]);
  dqn.rollout(model, env, mazes, records, streams, scratch, settings);
  for (let n = 0; n < P; n++) steps += records.lengths[n];
  dqn.learnFromEpisode(model, kernels, optimizer, records, members, 0, config.lr, learning);
};
/** Network-episodes per CPU second at a fixed ε for `seconds` of this thread's CPU time. */
const atEpsilon = (epsilon, seconds) => {
  const settings = { ...dqn.rolloutSettings(config, 0), epsilon };
  const c0 = threadCpuSeconds();
  let k = 0;
  while (threadCpuSeconds() - c0 < seconds) {
    episode(settings);
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
  steps = 0;
  for (let e = b * block; e < (b + 1) * block; e++) episode(dqn.rolloutSettings(config, e));
  const c = threadCpuSeconds() - c0;
  cpu += c;
  console.log(`episodes ${b * block}–${(b + 1) * block - 1} (ε ${dqn.rolloutSettings(config, b * block).epsilon.toFixed(3)}): ${k((block * P) / c)} per CPU s, ${(steps / block / P).toFixed(2)} steps per episode`);
}
console.log(`the whole schedule: ${k((10 * block * P) / cpu)} per CPU s`);
console.log(`trained, at ε = 0.5: ${k(atEpsilon(0.5, 4))} per CPU s`);
model.dispose();
