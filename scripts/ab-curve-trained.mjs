// A/B of one training-curve point on trained networks (the learner's greedy test, ChunkedGreedyTest with kept
// chunk models, compiled path): a baseline build against this one, alternating in one process; checks that
// the trials are identical bit for bit. The networks are P consecutive networks (from OFFSET) of a run
// directory, e.g. a chunk of a stored sweep (DIR/runs/chunk-K of `prnn reproduce` or `prnn sweep run`).
// usage: node scripts/ab-curve-trained.mjs RUN_DIR [P] [rounds] [offset] BASELINE_ROOT [track|general]
//   BASELINE_ROOT: a directory whose packages/agents/dist and packages/env/dist are the baseline's builds
//   (e.g. a worktree of the commit before, built). Prints medians of CPU milliseconds per curve point.
const [runDir, P0 = '48', rounds0 = '15', off0 = '0', baseRoot, maze = 'track'] = process.argv.slice(2);
if (!runDir || !baseRoot) {
  console.error('usage: node scripts/ab-curve-trained.mjs RUN_DIR [P] [rounds] [offset] BASELINE_ROOT [track|general]');
  process.exit(2);
}
const here = new URL('..', import.meta.url).pathname;
const P = Number(P0);
const rounds = Number(rounds0);
const off = Number(off0);
const load = async (root) => ({ X: await import(`${root}/packages/agents/dist/index.js`), E: await import(`${root}/packages/env/dist/index.js`) });
const sides = { base: await load(baseRoot), next: await load(here) };
await sides.next.X.initBackend('cpu');
const run = await sides.next.X.loadRun(runDir);
const entries = run.manifest.networks.slice(off, off + P);
const weights = [];
for (let n = 0; n < P; n++) weights.push(await sides.next.X.readNetworkWeights(runDir, entries[n].id, run.results[off + n]));
for (const side of Object.values(sides)) {
  const { X, E } = side;
  const task = E.resolveTaskOptions(maze, {});
  const set = E.generateMazeSet(task, { count: 1000, seed: 7 });
  const architecture = X.createNinePathwayArchitecture();
  const kernels = X.createContainer(X.builtinPlugins()).kernels('nine-pathway');
  const members = entries.map((e) => ({ arch: architecture.resolve(e.arch, { channels: task.channels, hidden: 8 }), seed: e.seed }));
  const create = (m) => X.createPopulationModel({ architecture, kernels, members: m, task, path: 'compiled' });
  const model = create(members);
  for (let n = 0; n < P; n++) model.importWeights(n, weights[n]);
  side.test = { model, test: new X.ChunkedGreedyTest(set, members, create, undefined, true), seeds: members.map((m) => m.seed) };
}
const cpu = { base: [], next: [] };
let fitness = 0;
for (let r = -2; r < rounds; r++) {
  const trials = {};
  for (const k of r % 2 === 0 ? ['base', 'next'] : ['next', 'base']) {
    const { model, test, seeds } = sides[k].test;
    const c0 = process.cpuUsage();
    const result = await test.evaluate(model, seeds, { sensorNoise: 0.05, streamId: r + 10 });
    const c = process.cpuUsage(c0);
    if (r >= 0) cpu[k].push((c.user + c.system) / 1000);
    trials[k] = result.trials;
    fitness = result.fitness.reduce((a, b) => a + b, 0) / P;
  }
  if (Buffer.compare(Buffer.from(trials.base.buffer), Buffer.from(trials.next.buffer)) !== 0) throw new Error(`round ${r}: the trials differ`);
}
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const archs = [...new Set(entries.map((e) => e.arch))];
console.log(JSON.stringify({ networks: P, archs, meanFitness: +fitness.toFixed(3), base: med(cpu.base), next: med(cpu.next), ratio: +(med(cpu.base) / med(cpu.next)).toFixed(3), identical: true }));
