// Trains networks on the Track task (gap 1) with the es learner, all in one population (one network per
// architecture and seed), and prints each network's final fitness, the median per architecture and the
// curves as one JSON line. Needs the build (npm run build).
//   node scripts/es-measure.mjs [generations] ['{"testMazes":1000,"curvePoints":10}'] ['{"archs":["fc","ff"],"seeds":[0,1,2,3]}']
// generations: "default" (or absent) uses the learner's default; the second argument overrides es parameters,
// the third picks the architectures and seeds.
//   node scripts/es-measure.mjs speed [generations] [rounds]
// ES (default parameters) against the DQN, alternating in this process, on 128 FC networks (Track): each
// learner's network-episodes per second of training time, counting every episode a network (ES: a perturbed
// copy of it) runs, and their ratio per round.
import { resolveTaskOptions } from '@prnn/env';
import { builtinPlugins, createContainer, initBackend } from '@prnn/agents';
import { esLearner } from '@prnn/plugin-es';

await initBackend('cpu');
const registry = createContainer(builtinPlugins());
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions('track', {});
if (process.argv[2] === 'speed') {
  await speed(Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 3));
  process.exit(0);
}
const overrides = JSON.parse(process.argv[3] ?? '{}');
const { archs = ['fc'], seeds = [0, 1, 2, 3] } = JSON.parse(process.argv[4] ?? '{}');
const given = process.argv[2] === undefined || process.argv[2] === 'default' ? {} : { episodes: Number(process.argv[2]) };
const config = esLearner.configure(task, { curvePoints: 10, testMazes: 1000, ...given, ...overrides });
const members = archs.flatMap((name) => seeds.map((seed) => ({ arch: architecture.resolve(name, { channels: task.channels, hidden: config.hidden }), seed })));
const started = performance.now();
const result = await esLearner.train({ task, architecture, kernels, members, config, runSeed: 0 });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const perArch = Object.fromEntries(
  archs.map((name, a) => {
    const nets = result.networks.slice(a * seeds.length, (a + 1) * seeds.length);
    return [
      name,
      {
        median: median(nets.map((n) => n.fitness)),
        fitness: nets.map((n) => Number(n.fitness.toFixed(4))),
        curves: nets.map((n) => n.trainingCurve.map((x) => Number(x.toFixed(3)))),
      },
    ];
  }),
);
console.log(
  JSON.stringify({
    generations: config.episodes,
    episodesPerNetwork: config.episodes * 2 * config.pairs * config.evalMazes,
    overrides,
    seeds,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    ...perArch,
  }),
);

async function speed(generations, rounds) {
  const members = Array.from({ length: 128 }, (_, k) => ({ arch: architecture.resolve('fc', { channels: task.channels, hidden: 8 }), seed: k }));
  const dqn = registry.learner('dqn');
  const esConfig = esLearner.configure(task, { episodes: Math.max(10, generations), curvePoints: 1, testMazes: 1 });
  const perGeneration = 2 * esConfig.pairs * esConfig.evalMazes;
  const dqnConfig = dqn.configure(task, { episodes: Math.max(10, generations * perGeneration), curvePoints: 1, testMazes: 1 });
  const ratios = [];
  for (let round = 0; round < rounds; round++) {
    const es = await esLearner.train({ task, architecture, kernels, members, config: esConfig, runSeed: 0 });
    const q = await dqn.train({ task, architecture, kernels, members, config: dqnConfig, runSeed: 0 });
    const esRate = es.netEpisodesPerSecond * perGeneration;
    ratios.push(esRate / q.netEpisodesPerSecond);
    console.log(JSON.stringify({ round, esNetworkEpisodesPerSecond: Math.round(esRate), dqnNetworkEpisodesPerSecond: Math.round(q.netEpisodesPerSecond), ratio: Number((esRate / q.netEpisodesPerSecond).toFixed(3)) }));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(JSON.stringify({ population: 128, esGenerations: esConfig.episodes, episodesPerGeneration: perGeneration, dqnEpisodes: dqnConfig.episodes, medianRatio: Number(sorted[Math.floor(sorted.length / 2)].toFixed(3)) }));
}
