// A/B of one network's noise sweep (bench eval's sweep: 21 levels × 1 000 mazes, FC, one onnxruntime thread):
// a baseline build of @prnn/agents vs this worktree's, alternating in one process; checks identical results.
// usage: node scripts/ab-eval.mjs BASELINE_AGENTS_DIST [track|general] [rounds]
//   (e.g. packages/agents/dist built from the commit before; it uses the @prnn/env it resolves from there:
//   this worktree's, unless the baseline's own build is placed in a node_modules/@prnn/env above it)
// Both sides open their policies with the split-state path (a baseline from before that option ignores it).
// Prints medians of wall and CPU milliseconds per sweep (CPU: process.cpuUsage, every thread of the process).
const A = await import(new URL(`file://${process.argv[2]}/index.js`).href);
const { agents: B, core, alternate, paperSweep, summary, sweepEvaluator, timeSweep } = await import('./ab-eval-common.mjs');
const kind = process.argv[3] ?? 'track';
const rounds = Number(process.argv[4] ?? 15);
const sweep = paperSweep(kind);
const arch = B.parseArch('fc', { channels: sweep.task.channels });
const make = (M, options) => ({
  evaluator: sweepEvaluator(M, sweep),
  policy: async (seed) => M.OnnxPolicy.load(B.buildNinePathwayOnnx(arch, B.initWeights(arch, core.Rng.derive(seed, B.STREAM.init))), { intraOpNumThreads: 1, ...options }),
});
const sides = [make(A, { splitState: true }), make(B, { splitState: true })];
const times = await alternate(rounds, async (k, seed) => {
  const policy = await sides[k].policy(seed);
  try {
    return await timeSweep(sides[k].evaluator, policy, seed);
  } finally {
    await policy.release();
  }
});
console.log(summary(kind, rounds, 'networks', ['base', 'new'], times));
