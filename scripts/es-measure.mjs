// Trains FC on the Track task (gap 1) with the es learner, seeds 0–3 in one population, and prints the final
// fitness of each network, their median and the curves as one JSON line. Needs the build (npm run build).
//   node scripts/es-measure.mjs [generations] ['{"pairs":16,"testMazes":1000,"curvePoints":10}']
import { resolveTaskOptions } from '@prnn/env';
import { builtinPlugins, createContainer, initBackend } from '@prnn/agents';
import { esLearner } from '@prnn/plugin-es';

await initBackend('cpu');
const registry = createContainer(builtinPlugins());
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions('track', {});
const generations = Number(process.argv[2] ?? 3125);
const overrides = JSON.parse(process.argv[3] ?? '{}');
const config = esLearner.configure(task, { episodes: generations, curvePoints: 10, testMazes: 1000, ...overrides });
const arch = architecture.resolve('fc', { channels: task.channels, hidden: config.hidden });
const members = [0, 1, 2, 3].map((seed) => ({ arch, seed }));
const started = performance.now();
const result = await esLearner.train({ task, architecture, kernels, members, config, runSeed: 0 });
const fitness = result.networks.map((n) => n.fitness).sort((a, b) => a - b);
console.log(
  JSON.stringify({
    generations,
    overrides,
    seconds: (performance.now() - started) / 1000,
    median: (fitness[1] + fitness[2]) / 2,
    fitness,
    curves: result.networks.map((n) => n.trainingCurve.map((x) => Number(x.toFixed(3)))),
  }),
);
