// A/B of one training-curve point (the learner's greedy test, ChunkedGreedyTest, on the compiled path): a
// baseline build of @prnn/agents vs this worktree's, alternating in one process; checks identical trials.
// usage: node scripts/ab-curve-tests.mjs BASELINE_AGENTS_DIST [networks] [mazes] [rounds] [same|mixed]
//   (e.g. packages/agents/dist built from the commit before, copied next to this one so that it resolves the
//   same node_modules). `same`: half fc, half ff, so every chunk of 4 networks is one architecture (the
//   paper's sweep lays out its seeds per architecture); `mixed`: 2 seeds per reference architecture, so every
//   chunk mixes two (a new chunk model per chunk). Track, 1 000 test mazes by default.
// Prints medians of CPU milliseconds per curve point (process.cpuUsage: every thread of the process).
const A = await import(new URL(`file://${process.argv[2]}/index.js`).href);
const B = await import(new URL('../packages/agents/dist/index.js', import.meta.url).href);
const E = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
const P = Number(process.argv[3] ?? 32);
const M = Number(process.argv[4] ?? 1000);
const rounds = Number(process.argv[5] ?? 9);
const layout = process.argv[6] ?? 'same';
await B.initBackend('cpu');
const task = E.resolveTaskOptions('track', {});
const set = E.generateMazeSet(task, { count: M, seed: 7 });
const make = (X) => {
  const architecture = X.createNinePathwayArchitecture();
  const kernels = X.createContainer(X.builtinPlugins()).kernels('nine-pathway');
  const members = Array.from({ length: P }, (_, n) => ({
    arch: architecture.resolve(layout === 'mixed' ? String((n >> 1) % 128) : n < P / 2 ? 'fc' : 'ff', { channels: task.channels, hidden: 8 }),
    seed: n,
  }));
  const create = (m) => X.createPopulationModel({ architecture, kernels, members: m, task, path: 'compiled' });
  return { model: create(members), test: new X.ChunkedGreedyTest(set, members, create), seeds: members.map((m) => m.seed) };
};
const sides = { base: make(A), next: make(B) };
// the same weights on both sides
for (let n = 0; n < P; n++) sides.base.model.importWeights(n, sides.next.model.exportWeights(n));
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const cpu = { base: [], next: [] };
for (let r = -1; r < rounds; r++) {
  const trials = {};
  for (const k of r % 2 === 0 ? ['base', 'next'] : ['next', 'base']) {
    const { model, test, seeds } = sides[k];
    const c0 = process.cpuUsage();
    const result = await test.evaluate(model, seeds, { sensorNoise: 0.05, streamId: r + 1 });
    const c = process.cpuUsage(c0);
    if (r >= 0) cpu[k].push((c.user + c.system) / 1000);
    trials[k] = result.trials;
  }
  if (Buffer.compare(Buffer.from(trials.base.buffer), Buffer.from(trials.next.buffer)) !== 0) throw new Error(`round ${r}: the trials differ`);
}
console.log(JSON.stringify({ networks: P, mazes: M, layout, rounds, base: med(cpu.base), next: med(cpu.next), ratio: med(cpu.base) / med(cpu.next), identical: true }));
