// A/B of the analysis of stored networks (trials recorded through onnxruntime, Jacobians, measures): a baseline
// build of @prnn/analysis against this worktree's, on networks of a real sweep's store, in one thread, the two
// builds alternating round by round; every network's measures compared. This build shares one PolicySessions
// per round (as a worker thread does); the baseline does what it does.
//   node scripts/ab-analysis-sessions.mjs BASELINE_ANALYSIS_DIST SWEEP_DIR [first] [count] [rounds]
// e.g. the store of `prnn reproduce --scale paper` (DIR/results.sqlite): networks first … first+count−1 of it, in
// the store's order (50 seeds of an architecture one after the other).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PolicySessions, TEST_SET_SEED_OFFSET } from '@prnn/agents';
import { MEASURE_NAMES, analysisRegistry, reusableStoredSweep, testEvaluators } from '@prnn/analysis';
import { readSweepStore } from '@prnn/sweeps';

const [baseDist, dir, first = '1000', count = '100', rounds = '5'] = process.argv.slice(2);
if (!baseDist || !dir) {
  console.error('usage: node scripts/ab-analysis-sessions.mjs BASELINE_ANALYSIS_DIST SWEEP_DIR [first] [count] [rounds]');
  process.exit(2);
}
const base = await import(pathToFileURL(resolve(baseDist, 'analysis/analyze-stored.js')).href);
const head = await import('@prnn/analysis');
const store = readSweepStore(dir);
const nets = store.networks.slice(Number(first), Number(first) + Number(count));
const registry = analysisRegistry({});
const measures = new Set(MEASURE_NAMES);
const noise = store.networks[0].noiseLevels;
const evaluators = testEvaluators(store.task, store.testMazes, store.runSeed + TEST_SET_SEED_OFFSET, noise);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const context = (sessions) => ({
  task: store.task,
  registry,
  measures,
  evaluators,
  path: dir,
  source: 'ab',
  fdStep: undefined,
  jacobianPath: undefined,
  sessions,
});
const run = async (build) => {
  const sessions = build === 'head' ? new PolicySessions() : undefined;
  const out = [];
  const t0 = cpu();
  for (const net of nets) {
    const storedSweep = reusableStoredSweep(net, store.testMazes, noise, store.testMazes);
    const fn = build === 'head' ? head.analyzeStoredNetwork : base.analyzeStoredNetwork;
    const r = await fn(net, { ...context(sessions), storedSweep });
    out.push(JSON.stringify([r.fitness, r.inputSensitivity, r.memory, r.memoryCapacity, r.robustness, r.weightNorms]));
  }
  const seconds = cpu() - t0;
  await sessions?.release();
  return { out, seconds };
};
const times = { base: [], head: [] };
let reference;
for (let r = 0; r <= Number(rounds); r++) {
  for (const build of r % 2 ? ['head', 'base'] : ['base', 'head']) {
    const { out, seconds } = await run(build);
    reference ??= out;
    out.forEach((v, i) => {
      if (v !== reference[i]) throw new Error(`network ${nets[i].id}: ${build} measured ${v}, the other ${reference[i]}`);
    });
    if (r > 0) times[build].push((1000 * seconds) / nets.length);
  }
}
const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const [b, h] = [median(times.base), median(times.head)];
console.log(
  JSON.stringify({
    networks: nets.length,
    archs: [...new Set(nets.map((n) => n.arch.name))],
    cpuMsPerNetwork: { base: +b.toFixed(2), head: +h.toFixed(2) },
    ratio: +(b / h).toFixed(3),
    rounds: times,
  }),
);
