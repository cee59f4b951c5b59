// A2C on Track (gap 1): FC and FF, seeds 0–3, in one population, at the a2c defaults (200 000 episodes, 1 000
// test mazes) unless overridden; the training curve of every network, then the network-episodes/s of a2c and
// dqn on a population of 128 FC networks (default kernel path, same process, alternating rounds).
// Usage: node scripts/a2c-measure.mjs [episodes] [speedEpisodes] [overrides as JSON, e.g. '{"lr":1e-3}'] [rounds]
import { median } from '@prnn/core';
import { resolveTaskOptions } from '@prnn/env';
import { builtinPlugins, createContainer, initBackend } from '@prnn/agents';
import { a2cLearner } from '@prnn/plugin-a2c';

const episodes = Number(process.argv[2] ?? 200000);
const speedEpisodes = Number(process.argv[3] ?? 200);
const overrides = JSON.parse(process.argv[4] ?? '{}');
const rounds = Number(process.argv[5] ?? 3);
await initBackend('cpu');
const registry = createContainer(builtinPlugins());
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions('track', {});
const member = (spec, seed) => ({ arch: architecture.resolve(spec, { channels: 2, hidden: 8 }), seed });

if (episodes > 0) {
  const members = ['fc', 'ff'].flatMap((spec) => [0, 1, 2, 3].map((seed) => member(spec, seed)));
  const config = a2cLearner.configure(task, { curvePoints: 10, ...overrides, episodes });
  const t0 = Date.now();
  const res = await a2cLearner.train({ task, architecture, kernels, members, config, runSeed: 0 });
  console.log(`a2c ${JSON.stringify(overrides)}, ${episodes} episodes, ${config.testMazes} test mazes, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  res.networks.forEach((n, i) => console.log(`${members[i].arch.name} seed ${members[i].seed}: curve ${n.trainingCurve.map((x) => x.toFixed(2)).join(' ')} final ${n.fitness.toFixed(3)}`));
  for (const spec of ['fc', 'ff']) console.log(`${spec} median final ${median(res.networks.filter((_, i) => members[i].arch.name === spec).map((n) => n.fitness)).toFixed(3)}`);
}

if (speedEpisodes > 0) {
  const members = Array.from({ length: 128 }, (_, k) => member('fc', k));
  const dqn = registry.learner('dqn');
  const ratios = [];
  for (let round = 0; round < rounds; round++) {
    const rate = {};
    for (const learner of [a2cLearner, dqn]) {
      const config = learner.configure(task, { episodes: speedEpisodes, curvePoints: 1, testMazes: 1 });
      const res = await learner.train({ task, architecture, kernels, members, config, runSeed: 0 });
      rate[learner.name] = res.netEpisodesPerSecond;
    }
    ratios.push(rate.a2c / rate.dqn);
    console.log(`speed round ${round}: a2c ${rate.a2c.toFixed(0)}, dqn ${rate.dqn.toFixed(0)} network-episodes/s, ratio ${(rate.a2c / rate.dqn).toFixed(2)}`);
  }
  console.log(`median ratio a2c/dqn ${median(ratios).toFixed(2)}`);
}
