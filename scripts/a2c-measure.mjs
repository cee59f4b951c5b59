// A2C on Track (gap 1): FC and FF, seeds 0–3, in one population; the training curve of every network, then
// the network-episodes/s of a2c and dqn on a population of 128 FC networks (same process, alternating).
// Usage: node scripts/a2c-measure.mjs [episodes] [lr] [speedEpisodes] [entropyCoef]
import { median } from '@prnn/core';
import { resolveTaskOptions } from '@prnn/env';
import { builtinPlugins, createContainer, initBackend } from '@prnn/agents';
import { a2cLearner } from '@prnn/plugin-a2c';

const episodes = Number(process.argv[2] ?? 20000);
const lr = Number(process.argv[3] ?? 1e-3);
const speedEpisodes = Number(process.argv[4] ?? 100);
const entropyCoef = Number(process.argv[5] ?? 0.01);
await initBackend('cpu');
const registry = createContainer(builtinPlugins());
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions('track', {});
const member = (spec, seed) => ({ arch: architecture.resolve(spec, { channels: 2, hidden: 8 }), seed });

if (episodes > 0) {
  const members = ['fc', 'ff'].flatMap((spec) => [0, 1, 2, 3].map((seed) => member(spec, seed)));
  const config = a2cLearner.configure(task, { episodes, lr, entropyCoef, curvePoints: 10, testMazes: 500 });
  const t0 = Date.now();
  const res = await a2cLearner.train({ task, architecture, kernels, members, config, runSeed: 0 });
  console.log(`a2c lr ${lr}, entropy ${entropyCoef}, ${episodes} episodes, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  res.networks.forEach((n, i) => console.log(`${members[i].arch.name} seed ${members[i].seed}: curve ${n.trainingCurve.map((x) => x.toFixed(2)).join(' ')} final ${n.fitness.toFixed(3)}`));
  for (const spec of ['fc', 'ff']) console.log(`${spec} median final ${median(res.networks.filter((_, i) => members[i].arch.name === spec).map((n) => n.fitness)).toFixed(3)}`);
}

if (speedEpisodes > 0) {
  const members = Array.from({ length: 128 }, (_, k) => member('fc', k));
  const dqn = registry.learner('dqn');
  for (let round = 0; round < 2; round++) {
    for (const learner of [a2cLearner, dqn]) {
      const config = learner.configure(task, { episodes: speedEpisodes, curvePoints: 1, testMazes: 1 });
      const res = await learner.train({ task, architecture, kernels, members, config, runSeed: 0 });
      console.log(`speed round ${round} ${learner.name}: ${res.netEpisodesPerSecond.toFixed(0)} network-episodes/s`);
    }
  }
}
